"""`ltobms plan PLAN.toml`: sizing sweeps on the real firmware — which pack and panel keep the node up
over a period, under real or synthetic weather (docs/planning.md)."""

from __future__ import annotations

import argparse
import copy
import os
import sys
from pathlib import Path
from typing import Any

from ltobms.errors import UserError

NAME = "plan"
HELP = "sizing sweeps on the real firmware: which pack and panel keep the node up (a plan .toml)"
MAX_WORKERS = 256
ENGINES = ("auto", "c", "python")


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number in [1, {MAX_WORKERS}]") from None
    if not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{value}: must be in [1, {MAX_WORKERS}]")
    return value


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="PLAN", help="plan file (.toml); see README, 'Plan your node'")
    parser.add_argument("--out", metavar="DIR", help="output directory (default ./plan-out/NAME)")
    parser.add_argument("--workers", type=_workers, metavar="N",
                        help=f"local processes running the runs (default: the cores, {os.cpu_count()})")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on an existing Dask cluster instead, e.g. tcp://scheduler:8786")
    parser.add_argument("--engine", choices=ENGINES,
                        help="twin engine (default: $LTOBMS_ENGINE, else auto); passed on to every worker")
    parser.add_argument("--firmware", metavar="ELF", help="firmware image (default: the project's build "
                        "of the plan's chemistry and board, built if needed)")
    parser.add_argument("--cache", metavar="DIR", help="result cache (default ~/.cache/ltobms/plan)")
    parser.add_argument("--no-cache", action="store_true", help="run everything, store nothing")
    parser.add_argument("--dry-run", action="store_true", help="say how many runs there are and stop")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


class RichProgress:
    """A progress bar over the runs, with an ETA (rich), on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Any = None
        self.done = 0

    def start(self, total: int, cached: int) -> None:
        if self.quiet or total == 0:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("runs", total=total)
        self.progress.start()

    def run_progress(self, share: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done + share)

    def run_done(self, result: dict[str, Any]) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _engine(choice: str | None) -> str | None:
    """The engine request passed to the workers (None: leave it to ltobms.avr's default)."""
    from ltobms.plan.task import ENGINE_ENV, engine_name

    requested = choice or os.environ.get(ENGINE_ENV) or None
    if requested not in (None, *ENGINES):
        raise UserError(f"{ENGINE_ENV}={requested!r}: must be one of {', '.join(ENGINES)}")
    if requested == "c" and engine_name("c") != "c":
        raise UserError("--engine c: this installation of ltobms has no C twin engine")
    return requested


def _check_scenarios(plan: Any, sweep: Any) -> None:
    """Every distinct scenario builds before anything runs (one-line errors for model parameters)."""
    from ltobms.sim.scenario import Scenario

    for spec in sweep.specs:
        if spec.sample and spec.combination.index:
            continue  # every combination with the first sample, every sample with the first combination
        data = copy.deepcopy(spec.scenario)
        if spec.weather_file:
            data["weather"]["file"] = spec.weather_file
        Scenario.from_dict(data, plan.base_dir)


def run(args: argparse.Namespace) -> int:
    from ltobms.plan import report
    from ltobms.plan.backends import DaskCluster, InProcess, LocalProcesses
    from ltobms.plan.cache import RunCache, default_dir
    from ltobms.plan.planfile import load_plan
    from ltobms.plan.results import recommend, summarize
    from ltobms.plan.runner import prepare, run_sweep
    from ltobms.sim.firmware import firmware_image

    if args.dask and args.workers:
        raise UserError("give --workers (local processes) or --dask (a cluster), not both")
    if args.no_cache and args.cache:
        raise UserError("give --cache DIR or --no-cache, not both")
    plan = load_plan(args.plan)
    out = Path(args.out) if args.out else Path("plan-out") / plan.name
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    engine = _engine(args.engine)
    elf = firmware_image(plan.chemistry, plan.board, args.firmware)
    sweep, jobs = prepare(plan, elf, engine)
    _check_scenarios(plan, sweep)
    cache = RunCache(None if args.no_cache else Path(args.cache) if args.cache else default_dir())
    cached = sum(1 for job in jobs if cache.get(job.task.key) is not None)
    cache.hits = 0
    samples = plan.weather.samples
    print(f"plan {plan.name}: {plan.combinations} combination{'s' if plan.combinations != 1 else ''} × "
          f"{samples} weather sample{'s' if samples != 1 else ''} = {len(jobs)} runs of {plan.days:g} days "
          f"on {elf.name}; {cached} in the cache", flush=True)
    if args.dry_run:
        return 0
    if args.dask:
        backend: Any = DaskCluster(args.dask)
    else:
        workers = args.workers or os.cpu_count() or 1
        backend = InProcess() if workers == 1 or len(jobs) - cached <= 1 else LocalProcesses(workers)
    try:
        if len(jobs) > cached:
            print(f"running {len(jobs) - cached} on {backend.name}"
                  f"{f', engine {engine}' if engine else ''} -> {out}/", flush=True)
        run_sweep(sweep, jobs, backend, cache, RichProgress(args.quiet))
    finally:
        if isinstance(backend, DaskCluster):
            backend.close()
    summaries = summarize(sweep)
    if not any(s.done for s in summaries):
        if sweep.interrupted:
            print("interrupted before the first run finished: nothing to report", file=sys.stderr)
            return 130
        raise UserError("no run finished: nothing to report")
    recs = recommend(plan.axes, summaries)
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    console.print(report.table(sweep, summaries, recs))
    for line in report.recommendation_lines(recs, sweep.missing):
        console.print(line)
    done = len(jobs) - sweep.missing
    engines = sorted({r.get("engine", "?") for r in sweep.results.values()})
    if sweep.ran:
        minutes = sweep.wall_s / 60.0
        sim_days = sweep.ran * plan.days
        console.print(f"{sweep.ran} runs in {sweep.wall_s:.0f} s ({sweep.ran / minutes:.1f} runs/min, "
                      f"{sim_days / minutes:.2f} simulated days per wall minute, "
                      f"engine {', '.join(engines)}); {sweep.cached} from the cache")
    files = report.write_outputs(out, sweep, summaries, recs)
    console.print(f"wrote {files['csv']}, {files['json']}, {files['heatmap']}, {files['soc']}")
    if sweep.interrupted:
        console.print(f"interrupted: {done} of {len(jobs)} runs finished and are cached; the same command "
                      "runs the rest")
        return 130
    return 0
