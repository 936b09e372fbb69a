"""Each built-in scenario, shortened around the moment that matters, run on the real firmware: the
assertions are what a user checks — lockouts, the switch, the pack's state, the safe window."""

from __future__ import annotations

import datetime as dt

import pytest

from ltobms.sim.run import SimResult
from ltobms.sim.scenario import builtin_names


def states(result: SimResult) -> list[str]:
    return [r.state for r in result.records]


def switch_events(result: SimResult) -> list[tuple[float, str]]:
    return [(e.t, e.detail) for e in result.events if e.kind == "switch"]


def assert_inside_safe_window(result: SimResult) -> None:
    lo, hi = result.safe_window
    assert lo <= result.totals.v_min and result.totals.v_max <= hi, (result.totals.v_min, result.totals.v_max)


def test_every_builtin_is_covered_here() -> None:
    assert set(builtin_names()) == {"solar-week", "winter-deficit", "bench-charge", "overload",
                                    "short-circuit", "naion-solar"}


def test_winter_deficit_reaches_uvlo_cuts_the_load_and_recovers_in_the_sun(simulate) -> None:
    # A pack at 2 % (1.72 V) before a December dawn: the node drains it into UVLO in the dark, the sun
    # comes up (~08:10 solar time at 50° N) and the charger refills it.
    result = simulate("winter-deficit", start=dt.datetime(2026, 12, 12, 6, 30), days=3.5 / 24,
                      pack={"soc": 0.02}, sky={"day_cloud": [1.0], "variability": 0.0})
    seq = states(result)
    assert "BMS_STATE_UVLO" in seq
    first_uvlo = seq.index("BMS_STATE_UVLO")
    assert any(s != "BMS_STATE_UVLO" for s in seq[first_uvlo:]), "never left UVLO after sunrise"
    # While locked out in the dark the load gets nothing.
    dark_uvlo = [s for s in result.samples
                 if s.log.get("state") == "BMS_STATE_UVLO" and s.truth["charger_ma"] == 0]
    assert dark_uvlo and all(s.truth["switch_closed"] == 0 and s.truth["load_ma"] == 0 for s in dark_uvlo)
    # Recovered: the switch is closed again and the pack gained charge from its lowest point.
    assert switch_events(result)[-1][1] == "closed"
    assert result.samples[-1].truth["soc"] > min(s.truth["soc"] for s in result.samples)
    assert_inside_safe_window(result)
    # State of charge is defined on the usable capacity: the UVLO stops the pack above 0 %.
    assert 0.0 < min(s.truth["soc"] for s in result.samples) < 0.03


def test_bench_charge_ends_in_ovlo_with_the_pack_near_full(simulate) -> None:
    result = simulate("bench-charge", days=2.0 / 24, pack={"soc": 0.97})
    assert states(result)[-1] == "BMS_STATE_OVLO"
    assert 0.98 <= result.pack_soc[1] <= 1.0  # the OVLO stops the pack at, not past, 100 %
    last = result.samples[-1].truth
    assert last["switch_closed"] == 0 and last["cell_current_ma"] <= 0.0  # charging stopped
    assert_inside_safe_window(result)


@pytest.mark.parametrize("name", ["overload", "short-circuit"])
def test_faults_open_the_switch(simulate, name: str) -> None:
    # The fault starts 100 s after power-up; the log line at 120 s falls inside it.
    fault_start = 100.0
    result = simulate(name, days=300 / 86400, faults=[_fault(name, start_s=fault_start, duration_s=60)])
    opened = [t for t, what in switch_events(result) if what == "open" and t >= fault_start]
    assert opened, "the switch never opened during the fault"
    assert opened[0] - fault_start <= 1.1  # within one measurement period
    assert "BMS_STATE_OCLO" in states(result)
    # After the fault the BMS closes again (oclo_timeout) and the node runs.
    assert result.samples[-1].truth["switch_closed"] == 1
    assert_inside_safe_window(result)


def _fault(name: str, start_s: float, duration_s: float) -> dict:
    if name == "overload":
        return {"kind": "overload", "start_s": start_s, "duration_s": duration_s, "amps": 1.5}
    return {"kind": "short", "start_s": start_s, "duration_s": duration_s, "ohms": 0.3}


def test_naion_solar_charges_in_the_sun(simulate) -> None:
    result = simulate("naion-solar", start=dt.datetime(2026, 7, 1, 11, 0), days=1.0 / 24,
                      sky={"day_cloud": [1.0], "variability": 0.0})
    assert {r.measurement for r in result.records} == {"nai-bms"}
    assert "BMS_STATE_CHARGING" in states(result)
    assert result.pack_soc[1] > result.pack_soc[0]
    assert_inside_safe_window(result)


def test_solar_week_night_discharges_the_pack(simulate) -> None:
    result = simulate("solar-week", start=dt.datetime(2026, 4, 1, 1, 0), days=1.0 / 24)
    assert "BMS_STATE_DISCHARGING" in states(result)
    assert result.pack_soc[1] < result.pack_soc[0]
    assert result.totals.load_j > 0 and result.totals.charger_j == 0
    assert_inside_safe_window(result)


@pytest.mark.parametrize("chemistry", ["LTO", "NAION"])
def test_board_revision_b_runs_its_own_build(elf, chemistry: str) -> None:
    # rev B drives CUTOFF low to connect and enables QWIIC on PB3; its firmware build must agree with
    # the board model, or the node would never get power.
    from ltobms.sim.firmware import firmware_image
    from ltobms.sim.run import Simulation
    from ltobms.sim.scenario import Scenario

    scenario = Scenario.load("overload").with_changes(board="revB", days=90 / 86400, faults=[],
                                                      pack={"chemistry": chemistry})
    result = Simulation(scenario, firmware_image(chemistry, "revB")).run()
    assert [what for _, what in switch_events(result)] == ["closed"]
    assert any(e.kind == "qwiic" and e.detail == "on" for e in result.events)
    assert result.samples[-1].truth["load_ma"] > 5 and result.samples[-1].ina["current_ma"] > 5
