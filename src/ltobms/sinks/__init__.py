"""Where validated telemetry records go: SQLite (default), InfluxDB v2, InfluxDB v1, and a disk spool
that stores and forwards records while a server is unreachable.

Every sink has `write(records)` (records stamped with `time_ns`) and `close()`. A sink that cannot
deliver raises SinkUnavailable; the spool keeps the records and replays them in order later. Writes
are idempotent: a point is identified by measurement + tags + timestamp, so a replay overwrites
instead of duplicating.
"""

from __future__ import annotations

from ltobms.sinks.base import Sink, SinkUnavailable, require_stamped
from ltobms.sinks.influx_v1 import InfluxV1Sink
from ltobms.sinks.influx_v2 import InfluxV2Sink
from ltobms.sinks.spool import SpoolingSink
from ltobms.sinks.sqlite import SqliteSink

__all__ = ["InfluxV1Sink", "InfluxV2Sink", "Sink", "SinkUnavailable", "SpoolingSink", "SqliteSink",
           "require_stamped"]
