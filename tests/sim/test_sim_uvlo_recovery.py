"""UVLO recovery with the switch open: the solar charger faces the node alone (docs/simulator.md, "The
switch open"). An MPPT buck charger of the CN3791/CN3722 class with no battery behind it is a
power-limited source: its output sits where what the panel gives balances what the node takes. In weak
sun that is inside the node's own under-voltage ramp (≈ 0.87 V), far below the BMS's reconnect rule
(load side ≥ cell + 50 mV), and the pack is rightly left alone — connecting it would only drain it
further. In strong sun the output rises to the charger's CV voltage, the BMS reconnects and the pack
charges. A charger whose precharge (trickle) current cannot carry the node keeps the terminal down even
in full sun."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ltobms.sim.board import Board
from ltobms.sim.cell import LTO, Pack
from ltobms.sim.charger import SolarCharger
from ltobms.sim.load import Meshtastic
from ltobms.sim.run import Simulation
from ltobms.sim.scenario import Scenario
from ltobms.sim.solar import Panel, Sky
from ltobms.sim.world import SimWorld

START = dt.datetime(2026, 12, 1, 11, 0)


def constant_sun(tmp_path: Path, w_m2: float) -> Path:
    path = tmp_path / f"sun-{w_m2:g}.csv"
    path.write_text(f"seconds,w_m2\n0,{w_m2}\n100000,{w_m2}\n")
    return path


def open_world(tmp_path: Path, w_m2: float, **charger: float) -> SimWorld:
    sky = Sky(50.0, START, csv_path=constant_sun(tmp_path, w_m2))
    solar = SolarCharger(Panel(p_mpp_w=0.6), sky, lambda t: 0.0, v_cv=2.75, **charger)
    node = Meshtastic(seed=1, tx_per_hour=0.0)  # receiving only: a steady 35 mW
    return SimWorld(Board(), Pack(LTO, 3, soc=0.01), solar, node, lambda t: 0.0, lambda t: 0.5)


def test_weak_sun_holds_the_terminal_in_the_nodes_under_voltage_ramp(tmp_path: Path) -> None:
    w = open_world(tmp_path, 20.0)  # ~11 mW from the panel, the node wants ~35 mW
    w.advance(60.0)
    op = w.op
    node = w.load
    assert node.v_off - 0.05 < op.v_term < node.v_off  # ≈ 0.87 V
    assert op.i_load == pytest.approx(op.i_charger - op.v_term / w.board.divider_ohm, abs=1e-6)
    assert op.v_term < op.v_pack + 0.05  # the BMS's reconnect rule is not met


def test_strong_sun_lifts_the_terminal_to_the_cv_voltage(tmp_path: Path) -> None:
    w = open_world(tmp_path, 500.0)
    w.advance(60.0)
    assert w.op.v_term == pytest.approx(2.75, abs=0.011)  # inside the 10 mV CV band
    assert w.op.v_term >= w.op.v_pack + 0.05


def test_a_trickle_current_below_the_nodes_draw_keeps_the_terminal_down_in_full_sun(tmp_path: Path) -> None:
    # i_max 0.1 A: 17.5 mA of precharge below 1.83 V, less than the node takes at 0.9 V (~39 mA).
    stuck = open_world(tmp_path, 500.0, i_max=0.1)
    stuck.advance(60.0)
    assert stuck.op.v_term < stuck.load.v_off
    assert stuck.op.i_charger == pytest.approx(0.175 * 0.1)
    free = open_world(tmp_path, 500.0, i_max=0.1, precharge_current=1.0)
    free.advance(60.0)
    assert free.op.v_term == pytest.approx(2.75, abs=0.011)


def test_the_terminal_keeps_its_history(tmp_path: Path) -> None:
    """Once up at CV the terminal stays up while the charger can feed the node; pulled down (a cloud
    leaves less than the node needs) it comes back only when the sun can carry the node again."""
    w = open_world(tmp_path, 500.0)
    sun = tmp_path / "cloud.csv"
    sun.write_text("seconds,w_m2\n0,500\n100,500\n110,20\n200,20\n210,500\n400,500\n")
    w.charger.sky = Sky(50.0, START, csv_path=sun)
    w.resolve()
    levels = {}
    for t in (50.0, 150.0, 205.0, 300.0):
        w.advance(t)
        levels[t] = w.op.v_term
    assert levels[50.0] > 2.7 and levels[300.0] > 2.7
    assert levels[150.0] < w.load.v_off
    # At 205 s the sun is back to 260 W/m² (interpolated), more than the node needs: up again.
    assert levels[205.0] > 2.7


def recovery(tmp_path: Path, elf, w_m2: float):  # noqa: ANN001, ANN201 - fixture callable, SimResult
    scenario = Scenario.from_dict({
        "name": "uvlo-recovery", "days": 600 / 86400, "start": START, "seed": 1,
        "pack": {"chemistry": "LTO", "soc": 0.01},  # 1.62 V: below the 1.7 V UVLO cutoff at once
        "climate": {"mean_c": 0.0, "day_swing_c": 0.0},
        "sky": {"latitude_deg": 50.0, "csv": constant_sun(tmp_path, w_m2).name},
        "panel": {"p_mpp_w": 0.6},
        "charger": {"type": "solar", "v_cv": 2.75, "i_max": 0.5},
        "load": {"type": "meshtastic", "tx_per_hour": 0.0},
        "host": {"poll_s": 10},
    }, tmp_path)
    return Simulation(scenario, elf("LTO")).run()


def test_firmware_stays_locked_out_in_weak_sun(tmp_path: Path, elf) -> None:
    result = recovery(tmp_path, elf, 20.0)
    assert {r.state for r in result.records} == {"BMS_STATE_UVLO"}
    later = [s for s in result.samples if s.t > 60]
    assert all(s.truth["switch_closed"] == 0 for s in later)
    assert all(0.8 < s.truth["load_v"] < 0.9 for s in later)  # the node browned out on the charger
    assert result.pack_soc[1] < result.pack_soc[0]  # only the board's own µA


def test_firmware_reconnects_in_strong_sun_and_the_pack_charges(tmp_path: Path, elf) -> None:
    result = recovery(tmp_path, elf, 500.0)
    closed = [e.t for e in result.events if e.kind == "switch" and e.detail == "closed"]
    assert closed and closed[0] < 5.0  # the first measurement sees the charger's CV on the load side
    later = [s for s in result.samples if s.t > 60]
    assert all(s.truth["switch_closed"] == 1 and s.truth["cell_current_ma"] > 50 for s in later)
    assert result.pack_soc[1] > result.pack_soc[0]
