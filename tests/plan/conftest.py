"""Fixtures for `ltobms plan`'s tests: tiny plans (a quarter of an hour of a December noon, 2 × 2
combinations, one synthetic season — seconds of emulation per run) and one local-process sweep of the
standard tiny plan, shared by the tests that read its outputs or its cache."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# A pack 0.2 % above its UVLO cutoff at noon: one cell on a 0.02 W panel runs into UVLO within the quarter
# hour, three cells or a 1 W panel keep the node up — a front of two smallest combinations.
TINY_PLAN = """\
name = "tiny"
seed = 3

[site]
latitude = 50.1
longitude = 14.4
timezone = "Europe/Prague"

[period]
start = 2026-12-01T11:00:00
days = {days}

[pack]
soc = 0.020

[panel]
tilt = 60

[weather]
seasons = {seasons}

[sweep]
pack.cells_parallel = [1, 3]
panel.watts = {watts}
"""
QUARTER_HOUR_DAYS = 0.25 / 24


def write_plan(folder: Path, name: str = "tiny.toml", *, days: float = QUARTER_HOUR_DAYS, seasons: int = 1,
               watts: str = "[0.02, 1.0]", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(TINY_PLAN.format(days=days, seasons=seasons, watts=watts) + extra)
    return path


def ltobms(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ltobms", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


@dataclass
class PlanRun:
    plan: Path
    cache: Path
    out: Path
    stdout: str
    report: dict

    def runs(self) -> dict[tuple, dict]:
        """(cells, watts) → the combination's run metrics (no wall time, no trace)."""
        return {(c["values"]["pack.cells_parallel"], c["values"]["panel.watts"]):
                [{k: v for k, v in r.items() if k not in ("wall_s",)} for r in c["runs"]]
                for c in self.report["combinations"]}


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> PlanRun:
    """The tiny plan on two local processes, with a fresh cache."""
    root = tmp_path_factory.mktemp("plan-local")
    plan, cache, out = write_plan(root), root / "cache", root / "out"
    done = ltobms("plan", str(plan), "--workers", "2", "--cache", str(cache), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    return PlanRun(plan, cache, out, done.stdout, json.loads((out / "plan.json").read_text()))
