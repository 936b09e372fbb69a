"""What every sink shares: the interface, the 'not now' error, the timestamp rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ltobms.telemetry import Record


class SinkUnavailable(Exception):
    """The destination did not accept the records this time (network, server down, HTTP error, disk)."""


class Sink(Protocol):
    name: str

    def write(self, records: Sequence[Record]) -> None: ...

    def close(self) -> None: ...


def require_stamped(records: Sequence[Record]) -> None:
    for record in records:
        if record.time_ns is None:
            raise ValueError("records must carry a timestamp (Record.stamped) before they are stored")
