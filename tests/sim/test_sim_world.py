"""The board as the MCU sees it: divider and shunt voltages by hand, the switch following CUTOFF per board
revision, the charge balance, and determinism of a whole run."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from ltobms import toolchain
from ltobms.avr.mcu import Mcu
from ltobms.sim.board import Board
from ltobms.sim.cell import LTO, Pack
from ltobms.sim.charger import BenchSupply, NoCharger
from ltobms.sim.load import ConstantCurrent
from ltobms.sim.run import Simulation
from ltobms.sim.scenario import Scenario
from ltobms.sim.world import SimWorld


def make_world(board: Board | None = None, charger=None, load=None, soc: float = 0.5) -> SimWorld:
    return SimWorld(board or Board(), Pack(LTO, cells_parallel=3, soc=soc), charger or NoCharger(),
                    load or ConstantCurrent(0.5), ambient=lambda t: 25.0, die_temperature=lambda t: 25.5)


def close_switch(world: SimWorld, revision: str = "revC", t: float = 0.0) -> None:
    world.pin_changed("PA4", True, 1 if revision == "revC" else 0, False, t)


def test_dividers_and_shunt_by_hand() -> None:
    w = make_world()
    close_switch(w)
    b, pack = w.board, w.pack
    ocv, r_cell = pack.ocv(25.0), pack.resistance(25.0)
    op = w.op
    # The load draws 0.5 A plus its divider; the cell supplies that plus the board's own µA.
    i_switch = 0.5 + op.v_term / b.divider_ohm
    assert op.i_switch == pytest.approx(i_switch, rel=1e-6)
    v_pack = ocv - (i_switch + b.own_current(op.v_pack, False)) * r_cell
    assert w.analog("PA7", 0.0) == pytest.approx(v_pack, abs=1e-6)
    assert w.analog("PA2", 0.0) == pytest.approx(v_pack / 3, abs=1e-6)
    # 0.1 Ω shunt
    assert w.analog("PA7", 0.0) - w.analog("PA6", 0.0) == pytest.approx(i_switch * 0.1, abs=1e-7)
    assert w.analog("PA3", 0.0) == pytest.approx((v_pack - i_switch * b.path_ohm()) / 3, abs=1e-6)


def test_open_switch_blocks_both_directions_and_the_charger_holds_the_terminal() -> None:
    w = make_world(charger=BenchSupply(v_set=2.85, i_limit=0.5), load=ConstantCurrent(0.0))
    assert not w.closed and w.op.i_switch == 0.0
    assert w.analog("PA3", 0.0) * 3 == pytest.approx(2.85, abs=0.011)  # CV band of the supply
    assert w.analog("PA6", 0.0) == w.analog("PA7", 0.0)
    close_switch(w)
    assert w.op.i_switch < -0.4  # charging through the switch: negative = into the pack


@pytest.mark.parametrize(("revision", "level", "closed"), [("revC", 1, True), ("revC", 0, False),
                                                          ("revB", 0, True), ("revB", 1, False)])
def test_cutoff_polarity_per_revision(revision: str, level: int, closed: bool) -> None:
    w = make_world(Board(revision=revision))
    w.pin_changed("PA4", True, level, False, 0.0)
    assert w.closed is closed
    w.pin_changed("PA4", False, level, False, 1.0)  # high-Z always opens
    assert w.closed is False


def test_charge_balance_closes_within_a_tenth_of_a_percent() -> None:
    w = make_world(charger=BenchSupply(v_set=2.85, i_limit=0.3, on_s=600.0, off_s=1800.0),
                   load=ConstantCurrent(0.2))
    soc0 = w.pack.soc
    close_switch(w)
    for t in range(1, 3601):
        w.advance(float(t))
        if t == 1200:
            w.pin_changed("PA4", False, 0, False, float(t))
        if t == 1500:
            close_switch(w, t=float(t))
    w.resolve()  # hand the last piece to the cell
    tot = w.totals
    # What the cell took in equals what passed the switch plus the board's own draw ...
    assert tot.cell_c == pytest.approx(-(tot.switch_c + tot.board_c), rel=1e-3)
    # ... and the pack's state of charge moved by exactly that (minus self-discharge).
    moved = (w.pack.soc - soc0) * w.pack.capacity_ah(25.0) * 3600.0
    assert moved == pytest.approx(tot.cell_c - w.pack.self_discharged_c, rel=1e-3)
    assert tot.closed_s == pytest.approx(3600 - 300, abs=1e-6)


def test_a_run_is_deterministic_for_a_seed(elf) -> None:
    scenario = Scenario.load("solar-week").with_changes(start=dt.datetime(2026, 4, 1, 12, 0),
                                                        days=240 / 86400, host={"poll_s": 10})
    first = Simulation(scenario, elf("LTO")).run()
    second = Simulation(scenario, elf("LTO")).run()
    assert [s.ina for s in first.samples] == [s.ina for s in second.samples]
    assert first.log_lines == second.log_lines and len(first.samples) == 23
    other = Simulation(scenario, elf("LTO"), seed=99).run()
    assert [s.truth["load_ma"] for s in other.samples] != [s.truth["load_ma"] for s in first.samples]


def test_qwiic_output_draws_through_the_boost_and_f2_trips_on_an_overload() -> None:
    board = Board(qwiic_a=0.05)
    w = make_world(board, load=ConstantCurrent(0.0))
    idle = w.op.i_board
    w.pin_changed("PA5", True, 0, False, 0.0)  # rev C: PA5 low = QWIIC 3.3 V on
    assert w.qwiic_on
    # 50 mA at 3.3 V through the boost: about 3.3 * 0.05 / 0.75 / 2.35 V = 94 mA more from the cell
    assert w.op.i_board - idle == pytest.approx(3.3 * 0.05 / board.boost_efficiency / w.op.v_pack, rel=0.01)
    w.advance(600.0)
    assert not board.qwiic_ptc.tripped  # 50 mA is well under F2's 0.2 A hold
    board.qwiic_a = 0.5
    w.resolve()
    w.advance(660.0)
    assert board.qwiic_ptc.tripped and any(e.kind == "qwiic_ptc_trip" for e in w.events)
    assert board.qwiic_current(True) < 0.2


class AwakeMcu:
    """Just the counters SimWorld reads: the MCU is awake for `share` of every cycle."""

    HZ = 1_250_000

    def __init__(self, share: float) -> None:
        self.share, self.cycles, self.awake_cycles = share, 0, 0

    @property
    def time(self) -> float:
        return self.cycles / self.HZ

    def tick(self, n: int, share: float | None = None) -> None:
        self.cycles += n
        self.awake_cycles += round(n * (self.share if share is None else share))


@pytest.mark.parametrize("share", [0.0, 0.006, 0.5])
def test_the_board_draws_what_the_mcu_is_awake_for(share: float) -> None:
    w = make_world(load=ConstantCurrent(0.0))
    mcu = w.mcu = AwakeMcu(share)
    for t in range(1, 31):
        mcu.tick(1_250_000)
        w.advance(float(t))
    b = w.board
    expected_mcu = b.mcu_sleep_a + share * (b.mcu_active_a - b.mcu_sleep_a)
    assert b.mcu_a == pytest.approx(expected_mcu)
    v = w.op.v_pack
    expected = v / b.divider_ohm + b.boost_quiescent_a + b.mcu_v * expected_mcu / b.boost_efficiency / v
    assert w.op.i_board == pytest.approx(expected)


def _mcu_charge(w: SimWorld, awake_s: float, duration_s: float) -> float:
    """Coulombs the MCU should have cost: asleep all the time, plus the extra of each awake second."""
    b, v = w.board, w.op.v_pack
    return b.mcu_input_current(v, b.mcu_sleep_a) * duration_s \
        + b.mcu_input_current(v, b.mcu_active_a - b.mcu_sleep_a) * awake_s


def test_awake_time_is_charged_once_even_when_a_solve_falls_inside_a_wake_up() -> None:
    """A solve right after a wake-up (a pin change, say) must not make the wake-up's 100 % awake share
    the draw of the seconds of sleep that follow."""
    w = make_world(load=ConstantCurrent(0.0))
    mcu = w.mcu = AwakeMcu(0.0)
    base = w.totals.board_c
    static = w.op.i_board - w.board.mcu_input_current(w.op.v_pack, w.board.mcu_a)
    for _ in range(60):
        mcu.tick(6_000, share=1.0)  # 4.8 ms awake at the start of each second ...
        w.advance(mcu.time)
        w.resolve()  # ... where the firmware switched something
        mcu.tick(AwakeMcu.HZ - 6_000)  # ... then asleep until the next second
        w.advance(mcu.time)
    assert mcu.time == pytest.approx(60.0)
    w.resolve()
    board_c = w.totals.board_c - base
    awake_s = mcu.awake_cycles / AwakeMcu.HZ
    assert board_c == pytest.approx(static * 60.0 + _mcu_charge(w, awake_s, 60.0), rel=1e-3)
    # and the cell paid exactly that
    assert w.totals.cell_c == pytest.approx(-board_c, rel=1e-9)


TOGGLING_FIRMWARE = r"""
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/xmega.h>
ISR(RTC_PIT_vect) { RTC.PITINTFLAGS = RTC_PI_bm; }
int main(void)
{
    _PROTECTED_WRITE(CLKCTRL.MCLKCTRLB, CLKCTRL_PDIV_16X_gc | CLKCTRL_PEN_bm); /* 1.25 MHz */
    RTC.CLKSEL = RTC_CLKSEL_INT32K_gc;
    while (RTC.PITSTATUS & RTC_CTRLBUSY_bm) {
    }
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = RTC_PERIOD_CYC32768_gc | RTC_PITEN_bm; /* wake once a second */
    set_sleep_mode(SLEEP_MODE_STANDBY);
    sei();
    for (;;) {
        sleep_mode();
        for (volatile uint16_t i = 0; i < 300; i++) { /* a measurement's worth of work */
        }
        PORTA.DIRSET = PIN5_bm; /* rev C QWIIC 3.3 V on (PA5 low) ... */
        for (volatile uint16_t i = 0; i < 100; i++) {
        }
        PORTA.DIRCLR = PIN5_bm; /* ... and off again before sleeping */
    }
}
"""


def test_a_firmware_toggling_a_pin_between_measurements_costs_its_awake_time(tmp_path: Path) -> None:
    """The bug this guards against: with each toggle re-solving the board mid wake-up, the board
    reported ≈ 930 µA for this program instead of ≈ 15 µA."""
    (tmp_path / "toggle.c").write_text(TOGGLING_FIRMWARE)
    subprocess.run([str(toolchain.find_gcc()), f"-mmcu={toolchain.MCU}", "-Os", "-Wall", "-Werror",
                    "toggle.c", "-o", "toggle.elf"], cwd=tmp_path, check=True, capture_output=True)
    w = make_world(load=ConstantCurrent(0.0))
    mcu = w.mcu = Mcu.from_elf(tmp_path / "toggle.elf", world=w)
    static = w.op.i_board - w.board.mcu_input_current(w.op.v_pack, w.board.mcu_a)
    mcu.run(120.0)
    w.advance(mcu.time)
    w.resolve()
    switched = sum(1 for e in w.events if e.kind == "qwiic")
    assert switched >= 2 * 119  # on and off in every wake-up
    awake_s = mcu.awake_cycles / mcu.cycles * mcu.time
    expected = static * mcu.time + _mcu_charge(w, awake_s, mcu.time)
    assert w.totals.board_c == pytest.approx(expected, rel=0.01)
    assert w.totals.board_c / mcu.time < 20e-6


class ComparatorMcu(AwakeMcu):
    """AwakeMcu plus a comparator that draws `analog_a` all the time (what AC0.consumed_c reports)."""

    def __init__(self, share: float, analog_a: float) -> None:
        super().__init__(share)
        self.analog_a = analog_a
        self.peripherals = {"AC0": self}

    def consumed_c(self) -> float:
        return self.analog_a * self.time


def test_the_board_draws_what_the_comparator_draws() -> None:
    w = make_world(load=ConstantCurrent(0.0))
    mcu = w.mcu = ComparatorMcu(0.006, 45e-6)
    for t in range(1, 31):
        mcu.tick(1_250_000)
        w.advance(float(t))
    b = w.board
    expected = b.mcu_sleep_a + 0.006 * (b.mcu_active_a - b.mcu_sleep_a) + 45e-6
    assert b.mcu_a == pytest.approx(expected, rel=1e-3)
    w.resolve()
    static = w.op.i_board - b.mcu_input_current(w.op.v_pack, b.mcu_a)
    assert w.totals.board_c == pytest.approx((static + b.mcu_input_current(w.op.v_pack, expected)) * 30,
                                             rel=1e-3)
