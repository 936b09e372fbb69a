"""`ltobms plan` figures: runs per minute and simulated days per wall minute of the README's example
sweep (examples/winter-node.toml: 2 packs × 2 panels × 1 synthetic season), shortened to the first
hours of a December day, on local processes with no cache, for the twin engine in use ($LTOBMS_ENGINE
or the default). BENCH_PLAN_HOURS sets each run's length (default 2 h), BENCH_PLAN_WORKERS the
processes (default: the cores)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ltobms.plan.backends import InProcess, LocalProcesses
from ltobms.plan.cache import RunCache
from ltobms.plan.planfile import load_plan
from ltobms.plan.runner import prepare, run_sweep
from ltobms.sim.firmware import firmware_image

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "winter-node.toml"


def main() -> None:
    hours = float(os.environ.get("BENCH_PLAN_HOURS", "2"))
    workers = int(os.environ.get("BENCH_PLAN_WORKERS", os.cpu_count() or 1))
    full = load_plan(EXAMPLE)
    plan = dataclasses.replace(full, days=hours / 24, start=full.start.replace(hour=8))
    sweep, jobs = prepare(plan, firmware_image(plan.chemistry, plan.board), os.environ.get("LTOBMS_ENGINE"))
    backend = InProcess() if workers == 1 else LocalProcesses(workers)
    run_sweep(sweep, jobs, backend, RunCache(None))
    minutes = sweep.wall_s / 60.0
    results = list(sweep.results.values())
    engines = ", ".join(sorted({r["engine"] for r in results}))
    per_run = sum(r["simulated_days"] * 86400 / r["wall_s"] for r in results) / len(results)
    days = sum(r["simulated_days"] for r in results)
    whole = full.runs * full.days
    print(f"plan sweep ({EXAMPLE.name}, {hours:g} h runs): {len(results)} runs on {backend.name}, "
          f"engine {engines}: {len(results) / minutes:6.2f} runs per minute, "
          f"{days / minutes:6.3f} simulated days per wall minute ({sweep.wall_s:.0f} s; "
          f"{per_run:.0f}x real time per run, process start-up counted in the total); the whole example "
          f"({whole:g} simulated days) would take ~{whole / (days / minutes):.0f} wall minutes")


if __name__ == "__main__":
    main()
