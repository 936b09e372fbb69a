"""The plan file: every key checked with a one-line error naming it, the mapping onto scenarios, the
sweep's expansion and seeds, and the synthetic seasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import write_plan

from ltobms.cli import main
from ltobms.plan.planfile import PlanError, load_plan
from ltobms.plan.seasons import synthetic_days
from ltobms.plan.sweep import expand
from ltobms.sim.scenario import Scenario


def test_the_tiny_plan_maps_onto_scenarios(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, seasons=2))
    assert (plan.combinations, plan.weather.samples, plan.runs) == (4, 2, 8)
    assert [a.path for a in plan.axes] == ["pack.cells_parallel", "panel.watts"]
    specs = expand(plan)
    assert len(specs) == 8
    first = specs[0].scenario
    assert first["start"] == dt.datetime(2026, 12, 1, 11, 0) and first["days"] == pytest.approx(0.25 / 24)
    assert first["pack"] == {"soc": 0.02, "cells_parallel": 1, "chemistry": "LTO"}
    assert first["panel"] == {"p_mpp_w": 0.02, "tilt_deg": 60}
    assert first["sky"]["latitude_deg"] == 50.1 and first["sky"]["timezone"] == "Europe/Prague"
    assert first["charger"] == {"v_cv": 2.75, "type": "solar"}
    assert first["load"] == {"type": "meshtastic"}
    # Every combination meets the same weather and the same radio traffic in sample k.
    for k in (0, 1):
        same = [s for s in specs if s.sample == k]
        assert len({s.seed for s in same}) == 1
        assert len({tuple(s.scenario["sky"]["day_cloud"]) for s in same}) == 1
    assert specs[0].seed != specs[1].seed
    for spec in specs[:2]:
        Scenario.from_dict(spec.scenario, tmp_path)  # every run is a valid scenario


def test_synthetic_seasons_have_the_asked_for_statistics(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, days=366, extra=""))
    w = plan.weather
    days = synthetic_days(plan, 0)
    assert days == synthetic_days(plan, 0) and days != synthetic_days(plan, 1)  # seeded per sample
    sunny = [d >= w.sunny[0] for d in days]
    assert all(w.grey[0] <= d <= w.grey[1] or w.sunny[0] <= d <= w.sunny[1] for d in days)
    share = sum(sunny) / len(sunny)
    assert abs(share - w.clear_share) < 0.1
    spells, run = [], 0
    for s in sunny:
        if not s:
            run += 1
        elif run:
            spells.append(run)
            run = 0
    mean_spell = sum(spells) / len(spells)
    expected = 1 / ((1 - w.persistence) * w.clear_share)  # 6.7 days for the defaults
    assert expected / 1.6 < mean_spell < expected * 1.6


MINIMAL = """{top}
[site]
latitude = 50.0
{site}
[period]
start = 2026-12-01
days = 1
[panel]
{panel}
[pack]
{pack}
[node]
{node}
[weather]
seasons = 1
"""


def minimal(top: str = "", site: str = "", panel: str = "", pack: str = "", node: str = "") -> str:
    return MINIMAL.format(top=top, site=site, panel=panel, pack=pack, node=node)


BAD = [
    (minimal(top='colour = "red"'), "colour: unknown key"),
    (minimal(panel="wattage = 2"), "[panel] wattage: unknown key"),
    (minimal(panel='watts = "big"'), "[panel] watts = 'big': must be a number in (0, 1000] Wp"),
    (minimal(panel="watts = 5000"), "[panel] watts = 5000: must be in (0, 1000] Wp"),
    (minimal(panel="tilt = 120"), "[panel] tilt = 120: must be in [0, 90]"),
    (minimal(pack="cells_parallel = 0"), "[pack] cells_parallel = 0: must be in [1, 100]"),
    (minimal(pack="cells_parallel = 2.5"), "[pack] cells_parallel = 2.5: must be a whole number"),
    (minimal(node="power_saving = 1"), "[node] power_saving = 1: must be true or false"),
    (minimal(site='timezone = "Mars/Base"'), "[site] timezone: timezone 'Mars/Base'"),
    (minimal(top='chemistry = "LiPo"'), "chemistry = 'LiPo': allowed LTO, NAION"),
]


@pytest.mark.parametrize("text, fragment", BAD)
def test_bad_keys_are_one_line_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)
    load_plan(_write(tmp_path / "good.toml", minimal()))  # the same plan without the mistake is fine


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


HEAD = "[period]\nstart = 2026-12-01\ndays = 3\n[site]\nlatitude = 50\n[weather]\n"


@pytest.mark.parametrize("text, fragment", [
    ("[period]\nstart = 2026-12-01\ndays = 400\n", "[period] days = 400: must be in (0, 366] days"),
    ("[period]\nstart = 2026-12-01\nend = 2026-11-01\n", "must be after start"),
    ("[period]\nstart = 2026-12-01\n", "give either days = N or end = DATE"),
    ("[period]\ndays = 3\n", "[period] start: missing"),
    ('[period]\nstart = "soon"\ndays = 3\n', "must be a TOML date"),
    (HEAD + "file = \"nowhere.epw\"\n",
     "[weather] file 'nowhere.epw':"),
    (HEAD + "seasons = 2\nfile = \"x.epw\"\n",
     "not both"),
    (HEAD + "", "needs file"),
    ("[period]\nstart = 2026-12-01\ndays = 3\n[weather]\nseasons = 2\n", "[site] latitude: missing"),
    (HEAD + "seasons = 2\n"
     "[sweep]\nsite.latitude = [40, 50]\n", "[sweep] site.latitude: not a sweepable key"),
    (HEAD + "seasons = 2\n"
     "[sweep]\npanel.watts = []\n", "must be a non-empty list"),
    (HEAD + "seasons = 2\n"
     "[sweep]\npanel.watts = [1, -2]\n", "[sweep] panel.watts = -2: must be in (0, 1000] Wp"),
    (HEAD + "seasons = 1000\n"
     "[sweep]\npanel.watts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n"
     "pack.cells_parallel = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",
     "at most 100000"),
    (HEAD + "seasons = 2\nformat = \"epw\"\n",
     "applies to weather files only"),
    (HEAD + "seasons = 2\n[config]\nsn = 7\n",
     "[config] sn: unknown key"),
    ("[period\n", "not valid TOML"),
])
def test_bad_plans_are_one_line_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert fragment in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[panel]\nwatts = 5000\n")
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ltobms plan: error: ") and err.count("\n") == 1
    assert main(["plan", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plan", str(path), "--workers", "0"])
    assert "--workers" in capsys.readouterr().err


def test_a_model_parameter_the_plan_cannot_check_fails_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 3600 bursts an hour of 2 s each leave no time to receive: the Meshtastic model refuses it.
    plan = write_plan(tmp_path, extra="")
    node = "[node]\ntx_per_hour = 3600\ntx_airtime_s = 2\n\n[panel]"
    plan.write_text(plan.read_text().replace("[panel]", node))
    assert main(["plan", str(plan), "--no-cache", "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "[load]" in captured.err and "no time to receive" in captured.err
    assert not (tmp_path / "out").exists()


def test_dry_run_counts_the_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = write_plan(tmp_path, seasons=3)
    assert main(["plan", str(plan), "--dry-run", "--cache", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "4 combinations × 3 weather samples = 12 runs" in out and "0 in the cache" in out
