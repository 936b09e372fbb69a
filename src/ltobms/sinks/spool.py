"""Store and forward: records go to a disk spool first, then to the server, in order.

The spool is an append-only line-protocol file (with timestamps) plus a small file holding how many
bytes of it the server has accepted. A record is on disk (fsynced) before delivery is tried, so a
server outage or a logger restart loses nothing; a crash between delivery and bookkeeping resends a
batch, which the server stores as the same points (same series + timestamp), so nothing duplicates.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from ltobms.atomicfile import write_atomic
from ltobms.errors import UserError
from ltobms.sinks.base import SinkUnavailable, require_stamped
from ltobms.telemetry import Record, TelemetryError, parse_line

BATCH_LINES = 5000


class SpoolingSink:
    """Wrap a network sink: `write()` never loses records; `flush()` delivers what is pending."""

    def __init__(self, inner: object, directory: str | os.PathLike[str],
                 retry_interval_s: float = 5.0, max_retry_interval_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.name = f"{getattr(inner, 'name', 'sink')} (spooled)"
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data_path = self.directory / "spool.lp"
        self.offset_path = self.directory / "spool.offset"
        self.retry_interval_s = retry_interval_s
        self.max_retry_interval_s = max_retry_interval_s
        self._interval = retry_interval_s
        self._clock = clock
        self._next_try = 0.0
        self.last_error: str | None = None
        self.delivered = 0
        self.corrupt = 0
        self._lock_handle = self._lock()
        self._repair()

    # -- bookkeeping -------------------------------------------------------------------------------
    def _lock(self) -> TextIO:
        """One writer per spool: a second logger on the same spool would reorder and resend records."""
        handle = (self.directory / "lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError(f"spool {self.directory} is in use by another logger "
                            "(give this one its own --spool DIR)") from None
        return handle

    def _repair(self) -> None:
        """Drop a half-written last line (crash mid-append) and a stale offset."""
        if not self.data_path.exists():
            self.data_path.touch()
        data = self.data_path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.data_path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
        if self._offset() > self.data_path.stat().st_size:
            self._set_offset(0)

    def _offset(self) -> int:
        try:
            return int(self.offset_path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _set_offset(self, offset: int) -> None:
        write_atomic(self.offset_path, f"{offset}\n")

    @property
    def pending(self) -> int:
        """Records on disk not yet accepted by the server."""
        with self.data_path.open("rb") as handle:
            handle.seek(self._offset())
            return sum(1 for line in handle if line.strip())

    # -- sink interface ----------------------------------------------------------------------------
    def write(self, records: Sequence[Record]) -> None:
        require_stamped(records)
        if records:
            payload = "".join(r.to_line_protocol() + "\n" for r in records).encode()
            with self.data_path.open("ab") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        self.flush(force=True)

    def tick(self) -> None:
        """Call now and then while idle: retries delivery once the retry interval has passed."""
        self.flush(force=False)

    def flush(self, force: bool = True) -> bool:
        """Deliver pending records in order; True when nothing is left pending."""
        if not force and self._clock() < self._next_try:
            return False
        offset = self._offset()
        with self.data_path.open("rb") as handle:
            handle.seek(offset)
            while True:
                lines = []
                for raw in handle:
                    lines.append(raw)
                    if len(lines) >= BATCH_LINES:
                        break
                if not lines:
                    break
                records = []
                for raw in lines:
                    try:
                        records.append(parse_line(raw.decode("ascii")))
                    except (TelemetryError, UnicodeDecodeError):
                        self.corrupt += 1  # only a damaged disk gets here: skip the line, keep the rest
                try:
                    self.inner.write(records)  # type: ignore[attr-defined]
                except SinkUnavailable as exc:
                    self.last_error = str(exc)
                    # Back off while the server stays away: each failed try may block for a timeout.
                    self._next_try = self._clock() + self._interval
                    self._interval = min(self._interval * 2, self.max_retry_interval_s)
                    return False
                offset += sum(len(raw) for raw in lines)
                self._set_offset(offset)
                self.delivered += len(records)
        self.last_error = None
        self._interval = self.retry_interval_s
        if offset and offset == self.data_path.stat().st_size:
            # Everything delivered: start a fresh spool so it never grows without bound.
            with self.data_path.open("r+b") as handle:
                handle.truncate(0)
            self._set_offset(0)
        return True

    def close(self) -> None:
        self.inner.close()  # type: ignore[attr-defined]
        self._lock_handle.close()
