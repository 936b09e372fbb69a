"""A whole sweep: expand the plan, take what the cache already holds, send the rest to a backend and
store every result the moment it arrives — so Ctrl-C, a crash or an extended plan loses nothing that
finished."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ltobms.plan.backends import Job
from ltobms.plan.cache import RunCache, run_key
from ltobms.plan.planfile import Plan
from ltobms.plan.sweep import RunSpec, expand
from ltobms.plan.task import Blob, Task


class Backend(Protocol):
    name: str
    workers: int

    def run(self, jobs: list[Job], progress: Callable[[float], None] | None = None) -> Any: ...


class Progress(Protocol):
    def start(self, total: int, cached: int) -> None: ...

    def run_progress(self, share: float) -> None: ...

    def run_done(self, result: dict[str, Any]) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Sweep:
    plan: Plan
    specs: list[RunSpec]
    keys: list[str]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → result
    cached: int = 0
    ran: int = 0
    interrupted: bool = False
    wall_s: float = 0.0
    backend: str = ""

    def result(self, spec_index: int) -> dict[str, Any] | None:
        return self.results.get(self.keys[spec_index])

    @property
    def missing(self) -> int:
        return sum(1 for k in set(self.keys) if k not in self.results)


def prepare(plan: Plan, firmware: Path, engine: str | None = None) -> tuple[Sweep, list[Job]]:
    """The sweep's specs and cache keys, and a job per distinct run."""
    fw = Blob("firmware.elf", firmware.read_bytes())
    weather: dict[str, Blob] = {}
    for path in plan.weather.files:
        weather[str(path)] = Blob(path.name, path.read_bytes())
    specs = expand(plan)
    keys, jobs, seen = [], [], set()
    for spec in specs:
        blob = weather.get(spec.weather_file) if spec.weather_file else None
        key = run_key(fw.digest, spec.scenario, blob.digest if blob else None)
        keys.append(key)
        if key not in seen:
            seen.add(key)
            jobs.append(Job(Task(key, spec.scenario, engine), fw, blob))
    return Sweep(plan, specs, keys), jobs


def run_sweep(sweep: Sweep, jobs: list[Job], backend: Backend, cache: RunCache,
              progress: Progress | None = None) -> Sweep:
    wall0 = time.perf_counter()
    todo = []
    for job in jobs:
        stored = cache.get(job.task.key)
        if stored is not None:
            sweep.results[job.task.key] = stored
        else:
            todo.append(job)
    sweep.cached = len(jobs) - len(todo)
    sweep.backend = backend.name
    if progress is not None:
        progress.start(len(todo), sweep.cached)
    try:
        for result in backend.run(todo, progress.run_progress if progress is not None else None):
            if not result.get("complete"):
                sweep.interrupted = True  # a run stopped by Ctrl-C inside this process
                break
            cache.put(result)
            sweep.results[result["key"]] = result
            sweep.ran += 1
            if progress is not None:
                progress.run_done(result)
    except KeyboardInterrupt:
        sweep.interrupted = True
    finally:
        if progress is not None:
            progress.stop()
        sweep.wall_s = time.perf_counter() - wall0
    return sweep
