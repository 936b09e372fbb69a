"""Where validated telemetry records go: SQLite (default), InfluxDB v2, InfluxDB v1, and a disk spool
that stores and forwards records while a server is unreachable.

Every sink has `write(records)` (records stamped with `time_ns`) and `close()`. A sink that cannot
deliver raises SinkUnavailable; the spool keeps the records and replays them in order later. Writes
are idempotent: a point is identified by measurement + tags + timestamp, so a replay overwrites
instead of duplicating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ltobms.telemetry import Record


class SinkUnavailable(Exception):
    """The destination did not accept the records this time (network, server down, HTTP error)."""


class Sink(Protocol):
    name: str

    def write(self, records: Sequence[Record]) -> None: ...

    def close(self) -> None: ...


def require_stamped(records: Sequence[Record]) -> None:
    for record in records:
        if record.time_ns is None:
            raise ValueError("records must carry a timestamp (Record.stamped) before they are stored")


from ltobms.sinks.influx_v1 import InfluxV1Sink  # noqa: E402
from ltobms.sinks.influx_v2 import InfluxV2Sink  # noqa: E402
from ltobms.sinks.spool import SpoolingSink  # noqa: E402
from ltobms.sinks.sqlite import SqliteSink  # noqa: E402

__all__ = ["InfluxV1Sink", "InfluxV2Sink", "Sink", "SinkUnavailable", "SpoolingSink", "SqliteSink",
           "require_stamped"]
