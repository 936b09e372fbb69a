"""`ltobms plan` end to end on the real firmware: the table, the recommendation, the files, the cache
(a rerun and an extended sweep) and Ctrl-C."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.image
import pytest
from conftest import PlanRun, ltobms, write_plan

# One worker runs them all: they share the session's sweep (and its two processes).
pytestmark = pytest.mark.xdist_group("plan")


def test_the_tiny_plan_names_the_smallest_surviving_combinations(local_run: PlanRun) -> None:
    runs = local_run.runs()
    assert set(runs) == {(1, 0.02), (1, 1.0), (3, 0.02), (3, 1.0)}
    weak = runs[(1, 0.02)][0]
    # One cell on a 0.02 W panel: the node drains it into UVLO, the BMS cuts the load, the node is down.
    assert not weak["survived"] and weak["lockouts"]["UVLO"] >= 1
    assert weak["hours_cut"] > 0 and weak["outage_hours"] > 0 and weak["days_with_cut"] == 1
    assert weak["energy_margin"] < 0  # the panel cannot pay for the node even at noon
    assert 0.0 < weak["soc_min"] < 0.020  # stopped inside the usable window
    for key in ((3, 0.02), (1, 1.0), (3, 1.0)):
        assert runs[key][0]["survived"] and runs[key][0]["hours_cut"] == 0, key
    assert runs[(1, 1.0)][0]["energy_margin"] > 0
    (rec,) = local_run.report["recommendations"]
    values = [(v["pack.cells_parallel"], v["panel.watts"]) for v in rec["smallest"]]
    assert values == [(1, 1.0), (3, 0.02)]  # neither undercuts the other on both axes
    assert rec["recommended"] == {"pack.cells_parallel": 1, "panel.watts": 1.0}
    assert rec["next_smaller"] == {"pack.cells_parallel": 1, "panel.watts": 0.02}
    out = local_run.stdout
    assert "★ recommended" in out and "next smaller" in out
    assert "smallest surviving: cells=1, panel Wp=1; cells=3, panel Wp=0.02" in out
    assert "runs/min" in out and "simulated days per wall minute" in out


def test_the_files_agree_and_the_plots_are_pictures(local_run: PlanRun) -> None:
    rows = list(csv.DictReader((local_run.out / "plan.csv").open()))
    assert [(int(r["pack.cells_parallel"]), float(r["panel.watts"])) for r in rows] == \
        [(1, 0.02), (1, 1.0), (3, 0.02), (3, 1.0)]
    by_combo = {(c["values"]["pack.cells_parallel"], c["values"]["panel.watts"]): c
                for c in local_run.report["combinations"]}
    for r in rows:
        c = by_combo[(int(r["pack.cells_parallel"]), float(r["panel.watts"]))]
        assert bool(int(r["survives"])) == c["survives"]
        assert float(r["outage_hours_max"]) == c["outage_hours_max"]
    assert [r["mark"] for r in rows] == ["next smaller", "recommended", "smallest", ""]
    for name in ("survival.png", "soc_worst.png"):
        image = matplotlib.image.imread(local_run.out / name)
        assert image.shape[0] > 300 and image.shape[1] > 400
        assert image[..., :3].std() > 0.05  # not a blank canvas


def test_a_rerun_is_served_from_the_cache(local_run: PlanRun, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(local_run.cache, cache)
    done = ltobms("plan", str(local_run.plan), "--cache", str(cache), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "= 4 runs" in done.stdout and "4 in the cache" in done.stdout
    assert "running" not in done.stdout and "runs/min" not in done.stdout
    again = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert again["sweep"]["from_cache"] == 4 and again["sweep"]["ran"] == 0
    assert again["combinations"] == local_run.report["combinations"]


def test_an_extended_sweep_runs_only_what_is_new(local_run: PlanRun, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(local_run.cache, cache)
    plan = write_plan(tmp_path, watts="[0.02, 0.3, 1.0]")
    done = ltobms("plan", str(plan), "--cache", str(cache), "--out", str(tmp_path / "out"), "--workers", "2",
                  "--quiet")
    assert done.returncode == 0, done.stderr
    assert "= 6 runs" in done.stdout and "4 in the cache" in done.stdout and "running 2 on" in done.stdout
    report = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert report["sweep"]["ran"] == 2
    assert len(list(cache.rglob("*.json"))) == 6


def test_ctrl_c_keeps_what_finished(tmp_path: Path) -> None:
    plan, cache, out = write_plan(tmp_path), tmp_path / "cache", tmp_path / "out"
    args = [sys.executable, "-m", "ltobms", "plan", str(plan), "--workers", "2", "--cache", str(cache),
            "--out", str(out), "--quiet"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list(cache.rglob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    stdout, stderr = proc.communicate(timeout=120)
    finished = len(list(cache.rglob("*.json")))
    assert proc.returncode == 130, stderr
    assert 1 <= finished < 4
    assert f"interrupted: {finished} of 4 runs finished and are cached" in stdout
    assert "Traceback" not in stderr
    report = json.loads((out / "plan.json").read_text())
    assert report["sweep"]["interrupted"] and report["sweep"]["missing"] == 4 - finished
    # The same command runs the rest.
    done = ltobms("plan", str(plan), "--workers", "2", "--cache", str(cache), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"{finished} in the cache" in done.stdout and f"running {4 - finished} on" in done.stdout
    assert len(list(cache.rglob("*.json"))) == 4


def test_a_plan_on_a_weather_file(tmp_path: Path, pvlib_sample) -> None:
    """pvlib's bundled TMY3 for Greensboro: the site comes from the file, one sample, in this process."""
    plan = tmp_path / "greensboro.toml"
    plan.write_text('name = "greensboro"\n[period]\nstart = 2026-01-15T11:00:00\ndays = 0.0104\n'
                    '[pack]\nsoc = 0.5\n[weather]\nfile = "pvlib:723170TYA.CSV"\n'
                    '[sweep]\npanel.watts = [0.5]\n')
    done = ltobms("plan", str(plan), "--workers", "1", "--no-cache", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert report["plan"]["weather_samples"] == ["pvlib:723170TYA.CSV"]
    (combo,) = report["combinations"]
    assert combo["survives"] and combo["runs"][0]["energy_wh"]["solar_available"] > 0
    assert pvlib_sample("723170TYA.CSV").is_file()
