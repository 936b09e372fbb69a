"""The same runs on every backend give the same results for the same seeds: local processes (the
shared sweep), this process, and a dask.distributed LocalCluster started here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PlanRun, ltobms

from ltobms.plan.backends import InProcess
from ltobms.plan.cache import RunCache
from ltobms.plan.planfile import load_plan
from ltobms.plan.runner import prepare, run_sweep
from ltobms.sim.firmware import firmware_image

VARIES = ("wall_s",)  # how long a run took is the only thing allowed to differ

# One worker runs them all: they share the session's sweep (and its two processes).
pytestmark = pytest.mark.xdist_group("plan")


def comparable(runs: dict) -> dict:
    return {combo: [{k: v for k, v in r.items() if k not in VARIES} for r in rs]
            for combo, rs in runs.items()}


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster
    cluster.close()


def test_a_dask_cluster_gives_the_local_results(local_run: PlanRun, dask_cluster, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = ltobms("plan", str(local_run.plan), "--dask", dask_cluster.scheduler_address, "--no-cache",
                  "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "running 4 on Dask cluster at" in done.stdout
    report = json.loads((out / "plan.json").read_text())
    assert report["sweep"]["ran"] == 4 and report["sweep"]["backend"].startswith("Dask cluster")
    again = {(c["values"]["pack.cells_parallel"], c["values"]["panel.watts"]): c["runs"]
             for c in report["combinations"]}
    assert comparable(again) == comparable(local_run.runs())
    assert report["recommendations"] == local_run.report["recommendations"]


def test_this_process_gives_the_local_results(local_run: PlanRun) -> None:
    plan = load_plan(local_run.plan)
    sweep, jobs = prepare(plan, firmware_image("LTO", "revC"))
    weak = next(j for j, s in zip(jobs, sweep.specs, strict=True)
                if dict(s.combination.values) == {"pack.cells_parallel": 1, "panel.watts": 0.02})
    shares: list[float] = []
    run_sweep(sweep, [weak], InProcess(), RunCache(None), _Recorder(shares))
    (result,) = sweep.results.values()
    expected = local_run.runs()[(1, 0.02)][0]
    same = {k: v for k, v in result.items() if k not in (*VARIES, "soc_trace")}
    assert same == expected
    assert shares and shares[-1] == pytest.approx(1.0)  # progress inside the run


class _Recorder:
    def __init__(self, shares: list[float]) -> None:
        self.shares = shares

    def start(self, total: int, cached: int) -> None:
        assert (total, cached) == (1, 0)

    def run_progress(self, share: float) -> None:
        self.shares.append(share)

    def run_done(self, result: dict) -> None:
        pass

    def stop(self) -> None:
        pass


def test_an_unreachable_cluster_is_a_one_line_error(tmp_path: Path, local_run: PlanRun) -> None:
    done = ltobms("plan", str(local_run.plan), "--dask", "tcp://127.0.0.1:9", "--no-cache",
                  "--out", str(tmp_path), timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "cannot reach the Dask scheduler" in done.stderr
