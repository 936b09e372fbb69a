"""Where a sweep's runs execute. Each backend takes jobs (a task, the firmware image, the weather file)
and yields results as runs finish, in whatever order they finish:

* `InProcess` — one after the other in this process (`--workers 1`), with progress inside a run;
* `LocalProcesses` — a pool of N fresh Python processes on this machine (`--workers N`);
* `DaskCluster` — an existing dask.distributed cluster (`--dask ADDRESS`): each task is one run, the
  firmware image and weather file go to the workers once (scattered), the workers need only the
  installed package.

Ctrl-C stops the backend: runs not finished are dropped (the pool is terminated, Dask futures are
cancelled); everything yielded before stays with the caller.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ltobms.errors import UserError
from ltobms.plan import task as run_task
from ltobms.plan.task import Blob, Task

Progress = Callable[[float], None]  # share (0..1) of the current run done (InProcess only)


@dataclass(frozen=True)
class Job:
    task: Task
    firmware: Blob
    weather: Blob | None = None


def _run_job(job: Job) -> dict[str, Any]:
    return run_task.run(job.task, job.firmware, job.weather)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: it terminates the pool; a worker must not die half-way
    # through a run on its own and leave the pool broken.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class InProcess:
    name = "this process"
    workers = 1

    def run(self, jobs: list[Job], progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        for job in jobs:
            yield run_task.run(job.task, job.firmware, job.weather, progress=progress)


class LocalProcesses:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.name = f"{workers} local processes"

    def run(self, jobs: list[Job], progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        if not jobs:
            return
        # spawn: fresh interpreters, no copy of this process's threads (rich's refresh, Dask's loop)
        ctx = multiprocessing.get_context("spawn")
        pool = ctx.Pool(min(self.workers, len(jobs)), initializer=_ignore_sigint)
        try:
            yield from pool.imap_unordered(_run_job, jobs, chunksize=1)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()


def _reachable(address: str) -> None:
    """A scheduler that refuses the connection is an error at once (the client would retry for 15 s)."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--dask {address}: expected an address like tcp://scheduler:8786")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        reason = exc.strerror or exc
        raise UserError(f"--dask {address}: cannot reach the Dask scheduler ({reason})") from None


class DaskCluster:
    def __init__(self, address: str) -> None:
        from distributed import Client

        self.address = address
        _reachable(address)
        try:
            self.client = Client(address, timeout="15s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"--dask {address}: cannot reach the Dask scheduler ({exc})") from None
        workers = self.client.scheduler_info()["workers"].values()
        self.workers = max(sum(w.get("nthreads", 1) for w in workers), 1)
        self.name = f"Dask cluster at {address} ({self.workers} worker threads)"

    def run(self, jobs: list[Job], progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        client = self.client
        blobs: dict[str, Any] = {}
        for job in jobs:  # each distinct file goes to the cluster once
            for blob in (job.firmware, job.weather):
                if blob is not None and blob.digest not in blobs:
                    blobs[blob.digest] = client.scatter(blob, broadcast=True, hash=False)
        futures = [client.submit(run_task.run, job.task, blobs[job.firmware.digest],
                                 blobs[job.weather.digest] if job.weather else None,
                                 key=f"ltobms-plan-{job.task.key}", pure=False)
                   for job in jobs]
        try:
            for future in as_completed(futures, loop=client.loop):
                yield future.result()
        except BaseException:
            client.cancel(futures)
            raise

    def close(self) -> None:
        self.client.close()
