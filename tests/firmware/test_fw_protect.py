"""Protection proven on the running image: thresholds, the 50 mV rules, over-current both ways,
and the switch state from reset."""

from __future__ import annotations

import pytest
from fw_bench import Bench
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

from ltobms.telemetry import parse_line

pytestmark = pytest.mark.xdist_group("firmware")

PERIOD_S = 1.0
MEASURE_S = 0.05  # generous bound on one measurement's duration
# One ADC count at the cell: 3 x Vref / 4096.
ADC_STEP_MV = {"LTO": 3 * 1024 / 4096, "NAION": 3 * 2048 / 4096}
DEFAULTS = {
    "LTO": {"ovlo_cutoff": 2800, "ovlo_release": 2700, "uvlo_release": 1800, "uvlo_cutoff": 1700},
    "NAION": {"ovlo_cutoff": 3900, "ovlo_release": 3800, "uvlo_release": 2200, "uvlo_cutoff": 2000},
}
RAMP_MV_PER_S = 0.25  # slow: one period moves the cell by a third of an LTO ADC step


def ramp(start_mv: float, rate_mv_s: float, t0: float = 0.0, before_mv: float | None = None):
    """Cell voltage in V: `before_mv` until t0 (to set up a lockout), then a ramp from start_mv."""

    def cell(t: float) -> float:
        if t < t0 and before_mv is not None:
            return before_mv / 1000
        return (start_mv + rate_mv_s * (t - t0)) / 1000

    return cell


# (threshold, direction of the ramp, the switch state the crossing must produce, lockout set-up)
CROSSINGS = [
    ("uvlo_cutoff", -1, False, None),
    ("uvlo_release", +1, True, "uvlo_cutoff"),
    ("ovlo_cutoff", +1, False, None),
    ("ovlo_release", -1, True, "ovlo_cutoff"),
]


@pytest.mark.parametrize("chemistry", ["LTO", "NAION"])
@pytest.mark.parametrize("crossing", CROSSINGS, ids=[c[0] for c in CROSSINGS])
def test_threshold_crossing_switches_within_one_period_at_the_threshold(
    images: ImageBuilder, chemistry: str, crossing: tuple
) -> None:
    name, direction, closed_after, lockout = crossing
    limits = DEFAULTS[chemistry]
    threshold = limits[name]
    approach_mv = 6.0  # starts 24 s before the crossing
    t0 = 0.0
    before = None
    if lockout is not None:
        # Lock out first (well past the cutoff), then start the slow ramp towards the release.
        t0 = 3.0
        before = limits[lockout] + (-30 if lockout == "uvlo_cutoff" else 30)
    cell = ramp(threshold - direction * approach_mv, direction * RAMP_MV_PER_S, t0, before)
    # With the switch open the load terminal floats at the cell voltage (no charger, no load pulling
    # it), so neither 50 mV recovery rule applies and only the threshold moves the switch.
    board = BoardModel(board="revC", cell_v=cell, open_load_v=None)
    bench = Bench(images.elf(Variant(chemistry, "revC")), board)
    t_cross = t0 + approach_mv / RAMP_MV_PER_S
    # Two ADC steps away the decision must not have flipped yet (the converter's noise is < 1 step).
    bench.run_until(t_cross - 2 * ADC_STEP_MV[chemistry] / RAMP_MV_PER_S)
    assert board.switch_closed is (not closed_after), f"before the {name} crossing"
    bench.run_until(t_cross + PERIOD_S + MEASURE_S)
    assert board.switch_closed is closed_after, f"{name}: switch did not follow within one period"
    t_switch = [t for t, closed in board.switch_events if closed is closed_after][-1]
    assert t_switch <= t_cross + PERIOD_S + MEASURE_S
    # At the threshold within one ADC step (and the ramp's movement during one measurement).
    v_at_switch = cell(t_switch) * 1000
    assert abs(v_at_switch - threshold) <= ADC_STEP_MV[chemistry] + RAMP_MV_PER_S * MEASURE_S + 0.5


@pytest.mark.parametrize("board_rev", ["revC", "revB"])
def test_switch_open_from_reset_until_first_measurement(images: ImageBuilder, board_rev: str) -> None:
    board = BoardModel(board=board_rev, cell_v=2.4)
    bench = Bench(images.elf(Variant("LTO", board_rev)), board)
    assert not board.switch_closed, "reset state must be disconnected"
    assert not board.qwiic_on
    bench.run_until(0.5)
    assert board.switch_closed, "a healthy cell is connected after the first measurement"
    assert board.qwiic_on, "QWIIC 3.3 V on in normal operation"
    first_close = next(t for t, closed in board.switch_events if closed)
    assert first_close > 0.0
    # Protection is active well within 2 s of reset.
    assert first_close < 0.2
    # Polarity: rev C drives CUTOFF high, rev B low, to connect.
    cutoff = board.pins["PA4"]
    assert cutoff.output and cutoff.level == (1 if board_rev == "revC" else 0)


# A cell 50 mV past each chemistry's cutoff (DEFAULTS): (under-voltage, over-voltage) in V.
LOCKED_CELL_V = {"LTO": (1.650, 2.850), "NAION": (1.950, 3.950)}


@pytest.mark.parametrize("chemistry", ["LTO", "NAION"])
def test_under_voltage_lockout_closes_only_for_a_charger_50mv_above(images: ImageBuilder,
                                                                  chemistry: str) -> None:
    cell = LOCKED_CELL_V[chemistry][0]
    board = BoardModel(board="revC", cell_v=cell)  # below the cutoff: locked out
    bench = Bench(images.elf(Variant(chemistry, "revC")), board)
    bench.run_until(2.5)
    assert not board.switch_closed and not board.qwiic_on
    board.charger_v, board.charger_ohm = cell + 0.040, 1.0  # 40 mV above: not a charger
    bench.run_for(2.0)
    assert not board.switch_closed
    board.charger_v = cell + 0.060  # 60 mV above: charging allowed
    bench.run_for(1.5)
    assert board.switch_closed
    bench.run_for(3.0)
    assert board.switch_closed, "stays connected while the charging current flows"
    board.charger_v = None  # charger gone: no charging current
    bench.run_for(1.5)
    assert not board.switch_closed


@pytest.mark.parametrize("chemistry", ["LTO", "NAION"])
def test_over_voltage_lockout_closes_only_for_a_load_50mv_below(images: ImageBuilder, chemistry: str) -> None:
    cell = LOCKED_CELL_V[chemistry][1]
    board = BoardModel(board="revC", cell_v=cell)  # above the cutoff: locked out
    board.open_load_v = cell
    bench = Bench(images.elf(Variant(chemistry, "revC")), board)
    bench.run_until(2.5)
    assert not board.switch_closed
    assert board.qwiic_on, "QWIIC 3.3 V stays on while over-voltage locked"
    board.open_load_v = cell - 0.040
    board.load_a = 0.050
    bench.run_for(2.0)
    assert not board.switch_closed
    board.open_load_v = cell - 0.060
    bench.run_for(1.5)
    assert board.switch_closed, "discharge allowed"
    bench.run_for(3.0)
    assert board.switch_closed, "stays connected while the discharge current flows"
    board.load_a = 0.0
    board.open_load_v = cell
    bench.run_for(1.5)
    assert not board.switch_closed


@pytest.mark.parametrize("amps", [1.2, -1.2], ids=["discharge", "charge"])
def test_over_current_both_directions_with_hold_time(images: ImageBuilder, amps: float) -> None:
    board = BoardModel(board="revB", cell_v=2.4)
    bench = Bench(images.elf(Variant("LTO", "revB")), board)
    bench.run_until(1.5)
    assert board.switch_closed and board.qwiic_on
    if amps > 0:
        board.load_a = amps
    else:
        board.charger_ohm = 0.1
        board.charger_v = 2.4 + (-amps) * (board.charger_ohm + 0.15)
    t_fault = bench.time
    bench.run_for(PERIOD_S + MEASURE_S)
    assert not board.switch_closed, "over-current must open within one period"
    assert not board.qwiic_on
    t_open = board.switch_events[-1][0]
    assert t_open - t_fault <= PERIOD_S + MEASURE_S
    bench.run_until(t_open + 10.0 - 0.5)
    assert not board.switch_closed, "held open for oclo_timeout (10 s)"
    bench.run_until(t_open + 10.0 + 0.5)
    reclose = [t for t, closed in board.switch_events if closed and t > t_open]
    assert reclose and abs(reclose[0] - t_open - 10.0) <= MEASURE_S + 0.01
    # The fault is still there: tripped again at the next measurement.
    bench.run_for(PERIOD_S)
    assert not board.switch_closed


def test_watchdog_resets_a_hung_firmware_and_the_switch_opens(images: ImageBuilder) -> None:
    board = BoardModel(board="revC", cell_v=2.4)
    bench = Bench(images.elf(Variant("LTO", "revC", debug=True)), board)
    bench.run_until(3.2)
    assert board.switch_closed
    t_hang = bench.time
    bench.poke("debug_hang", b"\x01")
    # The loop kicks the watchdog once more at the next 1 s wake-up, then spins; 2.0 s later it bites.
    bench.run_for(3.5)
    opened = [t for t, closed in board.switch_events if not closed and t > t_hang]
    assert opened, "the watchdog reset must open the switch"
    t_reset = opened[0]
    assert 2.0 <= t_reset - t_hang <= 1.0 + 2.0 + 0.05
    reclosed = [t for t, closed in board.switch_events if closed and t > t_reset]
    assert reclosed, "re-measured and reconnected after the reset"
    assert reclosed[0] > t_reset
    lines = bench.lines()
    log = [line for line in lines if not line.startswith("#")]
    assert "reset_flags=8i" in log[-1], "the line after the reset reports a watchdog reset"
    # DEBUG output only on '#' lines; everything else is a valid log line.
    assert any(line.startswith("# ") for line in lines)
    for line in log:
        parse_line(line)
