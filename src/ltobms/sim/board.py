"""The lto-bms PCB as an electrical model (design §2): what sits between the cell and the load terminal.

    cell+ ──┬── batt divider (1/3) ── PA2
            ├── boost converter → MCU 3.3 V (+ QWIIC 3.3 V through the enable switch)
            PA7 ─ shunt 0.1 Ω ─ PA6 ─ switch (2 P-MOSFETs) ─ PTC F1 ─┬─ load terminal (charger, load)
                                                                     └─ load divider (1/3) ── PA3

Revision B and C differ only in which level of CUTOFF closes the switch and which pin enables QWIIC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ltobms.sim.ptc import Ptc

CUTOFF_PIN = "PA4"
QWIIC_PIN = {"revC": "PA5", "revB": "PB3"}
CONNECTED_LEVEL = {"revC": 1, "revB": 0}  # CUTOFF level that closes the switch; high-Z always opens
BATT_PIN, LOAD_PIN, SHUNT_PACK_PIN, SHUNT_LOAD_PIN = "PA2", "PA3", "PA7", "PA6"


@dataclass
class Board:
    revision: str = "revC"
    shunt_ohm: float = 0.1  # design §2
    # per MOSFET: typical R_DS(on) of EV3415/SI2333 with the gate fully driven (max 46 mΩ at −1.8 V)
    fet_ohm: float = 0.035
    divider_ohm: float = 1.5e6  # 1 MΩ over 1 MΩ‖1 MΩ (design §2): 1.5 MΩ from node to ground
    divider_ratio: float = 1.0 / 3.0
    mcu_v: float = 3.3  # boost output
    # MCU supply current at 3.3 V. Asleep: STANDBY with the RTC/PIT on OSCULP32K 0.7 µA (tinyAVR
    # datasheets) plus watchdog and sampled BOD, ~1.5 µA. Awake at 1.25 MHz: tinyAVR datasheets give
    # 1.6 mA at 5 MHz / 3 V, ~0.3 mA per MHz plus the 20 MHz oscillator, ~0.5 mA.
    mcu_sleep_a: float = 1.5e-6
    mcu_active_a: float = 0.5e-3
    # The estimate the electrical solve uses: SimWorld sets it from the emulated MCU's awake share so
    # far (the firmware's ~7,500 awake cycles per second make ~4.5 µA); the charge it integrates comes
    # from the awake time of each stretch itself.
    mcu_a: float = 4.5e-6
    boost_quiescent_a: float = 5e-6  # TLV61070A class boost: a few µA from the input at no load
    boost_efficiency: float = 0.75  # light-load efficiency of a small boost at µA–mA output
    boost_min_v: float = 0.5  # TLV61070A keeps running down to ~0.5 V input once started
    qwiic_a: float = 0.0  # what a QWIIC accessory draws from the 3.3 V output while enabled
    ptc: Ptc = field(default_factory=Ptc)  # F1 on the load path
    # F2 on the QWIIC 3.3 V output: 0.2 A hold (design §2); a 1206-size part of ~1 Ω, 0.5 W when tripped,
    # tripping in ~0.3 s at 8x its hold current like F1.
    qwiic_ptc: Ptc = field(default_factory=lambda: Ptc(hold_a=0.2, trip_a=0.4, r_cold_ohm=1.0,
                                                       r_tripped_ohm=3.3 ** 2 / 0.5,
                                                       trip_energy=(1.6 ** 2 - 0.2 ** 2) * 0.3))

    def __post_init__(self) -> None:
        if self.revision not in QWIIC_PIN:
            raise ValueError(f"board revision {self.revision!r} unknown (allowed: revB, revC)")

    @property
    def switch_ohm(self) -> float:
        return 2 * self.fet_ohm  # back to back

    @property
    def qwiic_pin(self) -> str:
        return QWIIC_PIN[self.revision]

    def path_ohm(self) -> float:
        """Shunt + switch + PTC: the resistance between the cell terminal and the load terminal."""
        return self.shunt_ohm + self.switch_ohm + self.ptc.resistance

    def own_current(self, v_pack: float, qwiic_on: bool) -> float:
        """What the board itself draws from the cell (dividers, boost converter feeding the MCU)."""
        if v_pack <= 0.0:
            return 0.0
        divider = v_pack / self.divider_ohm
        if v_pack < self.boost_min_v:
            return divider
        out_w = self.mcu_v * self.qwiic_current(qwiic_on)
        return divider + self.boost_quiescent_a + out_w / self.boost_efficiency / v_pack \
            + self.mcu_input_current(v_pack, self.mcu_a)

    def mcu_input_current(self, v_pack: float, mcu_a: float) -> float:
        """What the boost converter takes from the cell to give the MCU `mcu_a` at 3.3 V."""
        if v_pack < self.boost_min_v:
            return 0.0
        return self.mcu_v * mcu_a / self.boost_efficiency / v_pack

    def mcu_current(self, awake_share: float, analog_a: float = 0.0) -> float:
        """The MCU's average supply current when awake for `awake_share` of the time, plus `analog_a`
        of its analog peripherals that run on their own (AC0, sampled while the CPU sleeps). The share
        may exceed 1 over a window shorter than the awake time it is charged with: totals stay exact."""
        return self.mcu_sleep_a + max(awake_share, 0.0) * (self.mcu_active_a - self.mcu_sleep_a) \
            + max(analog_a, 0.0)

    def set_mcu_awake_share(self, share: float, analog_a: float = 0.0) -> None:
        """The MCU's average draw from now on: awake for `share` (0..1) of the time, its analog
        peripherals drawing `analog_a` on average."""
        self.mcu_a = self.mcu_current(min(max(share, 0.0), 1.0), analog_a)

    def qwiic_current(self, qwiic_on: bool) -> float:
        """What the accessory gets from the 3.3 V output; a tripped F2 lets only a trickle through."""
        if not qwiic_on:
            return 0.0
        if self.qwiic_ptc.tripped:
            return min(self.qwiic_a, self.mcu_v / self.qwiic_ptc.r_tripped_ohm)
        return self.qwiic_a

    def mcu_supply(self, v_pack: float) -> float:
        return self.mcu_v if v_pack >= self.boost_min_v else 0.0

    def switch_closed(self, cutoff_output: bool, cutoff_level: int) -> bool:
        return cutoff_output and cutoff_level == CONNECTED_LEVEL[self.revision]
