"""Just enough of the lto-bms PCB for the firmware proofs: a `World` (docs/emulator.md) with

* a cell voltage source (a constant or a function of time),
* the back-to-back MOSFET switch, following the CUTOFF pin as the firmware drives it,
* a load (constant current while connected) and an optional charger (open-circuit voltage behind a
  series resistance) on the load terminal,
* the 0.1 Ohm shunt -> AIN7 (pack end) / AIN6 (load end), and the 1/3 dividers -> AIN2 / AIN3.

Everything is evaluated at the instant the MCU samples it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SHUNT_OHM = 0.1
SWITCH_OHM = 0.05  # two MOSFETs in series
PATH_OHM = SHUNT_OHM + SWITCH_OHM
DIVIDER = 3.0
CUTOFF_PIN = "PA4"
QWIIC_PIN = {"revC": "PA5", "revB": "PB3"}


@dataclass
class PinState:
    output: bool = False
    level: int = 0
    pullup: bool = False


@dataclass
class BoardModel:
    board: str = "revC"
    cell_v: float | Callable[[float], float] = 2.4
    load_a: float = 0.0  # drawn while connected (+ = discharge)
    charger_v: float | None = None  # open-circuit voltage of a charger on the load terminal
    charger_ohm: float = 1.0
    # Load terminal with the switch open and no charger: a voltage, or None = floating at the cell
    # voltage (the terminal's capacitance keeps it there when nothing draws current).
    open_load_v: float | None = 0.0
    die_temp_c: float = 25.0
    supply_v: float = 3.3
    pins: dict[str, PinState] = field(default_factory=dict)
    switch_events: list[tuple[float, bool]] = field(default_factory=list)

    # --- the board's own state -------------------------------------------------------------------
    def cell(self, t: float) -> float:
        return self.cell_v(t) if callable(self.cell_v) else self.cell_v

    def _driven(self, pin: str) -> PinState:
        return self.pins.get(pin, PinState())

    @property
    def switch_closed(self) -> bool:
        """CUTOFF driven to the board's 'connected' level; high-Z (input) means open."""
        state = self._driven(CUTOFF_PIN)
        return state.output and state.level == (1 if self.board == "revC" else 0)

    @property
    def qwiic_on(self) -> bool:
        state = self._driven(QWIIC_PIN[self.board])
        return state.output and state.level == 0

    def current(self, t: float) -> float:
        """Pack current in A, + = discharge."""
        if not self.switch_closed:
            return 0.0
        amps = self.load_a
        if self.charger_v is not None:
            amps -= (self.charger_v - self.cell(t)) / (self.charger_ohm + PATH_OHM)
        return amps

    def load_voltage(self, t: float) -> float:
        if self.switch_closed:
            return self.cell(t) - self.current(t) * PATH_OHM
        if self.charger_v is not None:
            return self.charger_v
        return self.cell(t) if self.open_load_v is None else self.open_load_v

    def switch_closed_at(self, t: float) -> bool:
        closed = False
        for when, state in self.switch_events:
            if when > t:
                break
            closed = state
        return closed

    # --- World protocol (docs/emulator.md) ------------------------------------------------------
    def analog(self, pin: str, t: float) -> float:
        cell = self.cell(t)
        if pin == "PA2":
            return cell / DIVIDER
        if pin == "PA3":
            return self.load_voltage(t) / DIVIDER
        if pin == "PA7":  # shunt end towards the pack
            return cell
        if pin == "PA6":  # shunt end towards the switch and load
            return cell - self.current(t) * SHUNT_OHM
        return 0.0

    def vdd(self, t: float) -> float:
        return self.supply_v

    def die_temperature(self, t: float) -> float:
        return self.die_temp_c

    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        before = self.switch_closed
        self.pins[pin] = PinState(output, level, pullup)
        if self.switch_closed != before or (pin == CUTOFF_PIN and not self.switch_events):
            self.switch_events.append((t, self.switch_closed))

    def pin_input(self, pin: str, t: float) -> int | None:
        return None
