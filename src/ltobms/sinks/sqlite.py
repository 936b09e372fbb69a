"""The default sink: an embedded SQLite file, one row per record, idempotent on (series, time)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from ltobms.sinks.base import SinkUnavailable, require_stamped
from ltobms.telemetry import INTEGER_FIELDS, REQUIRED_FIELDS, Record

_COLUMNS = ", ".join(f'"{name}" INTEGER' for name in INTEGER_FIELDS)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS telemetry (
    measurement TEXT NOT NULL,
    id TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    {_COLUMNS},
    state TEXT NOT NULL,
    extra_fields TEXT NOT NULL DEFAULT '{{}}',
    extra_tags TEXT NOT NULL DEFAULT '{{}}',
    PRIMARY KEY (measurement, id, time_ns)
) WITHOUT ROWID;
"""
_INSERT_COLUMNS = ["measurement", "id", "time_ns", *REQUIRED_FIELDS, "extra_fields", "extra_tags"]
_QUOTED_COLUMNS = ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)


STORE_FILENAME = "telemetry.sqlite"  # the store's name in any directory (the simulator's output too)


def default_path() -> Path:
    """Where `ltobms log` stores data when nothing else is configured."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "ltobms" / STORE_FILENAME


class SqliteSink:
    """`SqliteSink(path).write(records)`; `records()` reads them back in time order."""

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the logger's threads (and the simulator's), serialised by a lock.
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")  # lets `ltobms plot` read while the logger writes
        self._db.executescript(SCHEMA)

    def write(self, records: Sequence[Record]) -> None:
        require_stamped(records)
        rows = []
        for record in records:
            extra_fields = {k: v for k, v in record.fields.items() if k not in REQUIRED_FIELDS}
            extra_tags = {k: v for k, v in record.tags.items() if k != "id"}
            rows.append((record.measurement, record.tags["id"], record.time_ns,
                         *(record.fields[name] for name in REQUIRED_FIELDS),
                         json.dumps(extra_fields), json.dumps(extra_tags)))
        placeholders = ", ".join("?" for _ in _INSERT_COLUMNS)
        try:
            with self._lock, self._db:
                self._db.executemany(
                    f"INSERT OR REPLACE INTO telemetry ({_QUOTED_COLUMNS}) VALUES ({placeholders})", rows)
        except sqlite3.OperationalError as exc:  # disk full, file locked: report and keep logging
            raise SinkUnavailable(f"{self.path}: {exc}") from None

    def records(self, measurement: str | None = None, serial_id: str | None = None,
                since_ns: int | None = None, until_ns: int | None = None) -> list[Record]:
        query = f"SELECT {_QUOTED_COLUMNS} FROM telemetry"
        where, params = [], []
        for clause, value in (("measurement = ?", measurement), ("id = ?", serial_id),
                              ("time_ns >= ?", since_ns), ("time_ns <= ?", until_ns)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY time_ns, measurement, id"
        out = []
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        for row in rows:
            measurement_, id_, time_ns = row[0], row[1], row[2]
            fields = dict(zip(REQUIRED_FIELDS, row[3: 3 + len(REQUIRED_FIELDS)], strict=True))
            fields.update(json.loads(row[-2]))
            tags = {"id": id_, **json.loads(row[-1])}
            out.append(Record(measurement_, tags, fields, time_ns))
        return out

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM telemetry").fetchone()[0])

    def close(self) -> None:
        self._db.close()
