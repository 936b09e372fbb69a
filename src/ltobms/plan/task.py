"""One run on a worker (a local process or a Dask worker, which needs only the installed package):
the firmware image and the weather file arrive as bytes, are kept once per worker process, and the
run's scenario is simulated and reduced to its metrics."""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ltobms.atomicfile import write_atomic

ENGINE_ENV = "LTOBMS_ENGINE"  # the twin engine's selector (ltobms.avr), passed on to every worker


@dataclass(frozen=True)
class Blob:
    """A file sent to the workers: its name (the suffix tells weather formats apart) and contents."""

    name: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Task:
    key: str  # the cache key (see cache.py)
    scenario: dict[str, Any]
    engine: str | None = None


_materialized: dict[str, Path] = {}


def materialize(blob: Blob) -> Path:
    """The blob as a file in this worker's temp folder (written once per content)."""
    digest = blob.digest
    path = _materialized.get(digest)
    if path is not None and path.is_file():
        return path
    folder = Path(tempfile.gettempdir()) / f"ltobms-plan-{os.getuid()}" / digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / blob.name
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        write_atomic(path, blob.data)
    _materialized[digest] = path
    return path


def engine_name(requested: str | None) -> str:
    """The engine a run uses: what ltobms.avr picks for the request ('python' where the package has
    no engine choice)."""
    try:
        from ltobms.avr import engines  # type: ignore[attr-defined]
    except ImportError:
        return "python"
    return str(engines.engine_name(requested))


def run(task: Task, firmware: Blob, weather: Blob | None = None,
        progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Simulate one run; the result is JSON-able (metrics, trace, engine, wall time). `progress(share)`
    hears how far the run is, now and then."""
    if task.engine:
        os.environ[ENGINE_ENV] = task.engine
    from ltobms.plan.metrics import reduce
    from ltobms.sim.run import Simulation
    from ltobms.sim.scenario import Scenario

    data = copy.deepcopy(task.scenario)
    base = Path(tempfile.gettempdir())
    if weather is not None:
        data["weather"]["file"] = str(materialize(weather))
    scenario = Scenario.from_dict(data, base)
    elf = materialize(firmware)
    wall0 = time.perf_counter()
    sim = Simulation(scenario, elf)
    hook = None if progress is None else (lambda t, duration, wall: progress(min(t / duration, 1.0)))
    result = sim.run(progress=hook)
    metrics = reduce(result, sim.models.charger, sim.models.load.loads[0])
    return {"key": task.key, "complete": not result.interrupted, "engine": engine_name(task.engine),
            "wall_s": time.perf_counter() - wall0, **metrics}
