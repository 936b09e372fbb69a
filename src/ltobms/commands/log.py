"""`ltobms log PORT`: the board's UART log into SQLite (default), InfluxDB v2 or InfluxDB v1.

Each line is validated (design §4.2) and stamped with the host time; bad and cut lines are counted and
reported, never stored; `#` lines from DEBUG firmware are shown, not stored. Stored lines are echoed
to stdout as line protocol with their timestamp (as the original log.py did), so stdout is a capture
that `--from-file` imports again. InfluxDB writes go through a disk spool (store and forward), and a
lost serial port is reopened with backoff.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ltobms.errors import UserError
from ltobms.sinks import InfluxV1Sink, InfluxV2Sink, SinkUnavailable, SpoolingSink, SqliteSink
from ltobms.sinks.sqlite import default_path as default_sqlite_path
from ltobms.telemetry import (
    LineAssembler,
    LineStats,
    Record,
    TelemetryError,
    UptimeClock,
    is_comment,
    parse_line,
    uptime_step_s,
)

NAME = "log"
HELP = "log the board's UART lines (9600 baud) to SQLite (default) or InfluxDB, with store and forward"
BAUD = 9600
ENV_KEYS = ("INFLUXDB_URL", "INFLUXDB_TOKEN", "INFLUXDB_ORG", "INFLUXDB_BUCKET",
            "INFLUXDB_DATABASE", "INFLUXDB_USER", "INFLUXDB_PASSWORD")
IMPORT_BATCH = 1000
MAX_BACKOFF_S = 30.0


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("port", metavar="PORT", nargs="?",
                        help="serial port of the board's TXD, e.g. /dev/ttyUSB0")
    parser.add_argument("--baud", type=int, default=BAUD, help=f"baud rate (default {BAUD})")
    parser.add_argument("--from-file", metavar="FILE", help="import a captured log instead of reading a port")
    parser.add_argument("--start", metavar="ISO-TIME",
                        help="--from-file: time of the first line without a timestamp (default: derived "
                        "from the file's modification time and the uptime field)")
    parser.add_argument("--sqlite", metavar="PATH", help=f"SQLite file (default {default_sqlite_path()} "
                        "when no InfluxDB is configured)")
    parser.add_argument("--env-file", default=".env",
                        help="settings file (default .env in the current directory)")
    parser.add_argument("--influx-url", help="InfluxDB URL (env INFLUXDB_URL)")
    parser.add_argument("--influx-token", help="InfluxDB v2 token (env INFLUXDB_TOKEN)")
    parser.add_argument("--influx-org", help="InfluxDB v2 organisation (env INFLUXDB_ORG)")
    parser.add_argument("--influx-bucket", help="InfluxDB v2 bucket (env INFLUXDB_BUCKET)")
    parser.add_argument("--influx-database",
                        help="InfluxDB v1 database; selects the v1 API (env INFLUXDB_DATABASE)")
    parser.add_argument("--influx-user", help="InfluxDB v1 user (env INFLUXDB_USER)")
    parser.add_argument("--influx-password", help="InfluxDB v1 password (env INFLUXDB_PASSWORD)")
    parser.add_argument("--spool", metavar="DIR", help="store-and-forward directory for InfluxDB "
                        "(default under ~/.local/state/ltobms)")
    parser.add_argument("--count", type=int, default=None, help="stop after this many stored lines")
    parser.add_argument("--quiet", action="store_true", help="do not echo stored lines")
    parser.set_defaults(func=run)


# -- settings and sinks ----------------------------------------------------------------------------
def load_settings(args: argparse.Namespace, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Command line over environment over the .env file (python-dotenv never overrides the environment)."""
    from dotenv import dotenv_values

    env = dict(os.environ if environ is None else environ)
    settings: dict[str, str] = {}
    env_file = Path(args.env_file)
    if env_file.is_file():
        settings.update({k: v for k, v in dotenv_values(env_file).items() if k in ENV_KEYS and v})
    settings.update({k: env[k] for k in ENV_KEYS if env.get(k)})
    for key in ENV_KEYS:
        value = getattr(args, key.lower().replace("influxdb_", "influx_"), None)
        if value:
            settings[key] = value
    return settings


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "ltobms"


def build_sinks(args: argparse.Namespace, settings: dict[str, str]) -> tuple[list[Any], str]:
    """The sinks to write to, and one sentence saying where the data goes."""
    sinks: list[Any] = []
    where: list[str] = []
    url = settings.get("INFLUXDB_URL")
    if url:
        if settings.get("INFLUXDB_DATABASE"):
            inner: Any = InfluxV1Sink(url, settings["INFLUXDB_DATABASE"], settings.get("INFLUXDB_USER"),
                                      settings.get("INFLUXDB_PASSWORD"))
            target = f"InfluxDB v1 {url} database {settings['INFLUXDB_DATABASE']}"
        else:
            needed = ("INFLUXDB_TOKEN", "INFLUXDB_ORG", "INFLUXDB_BUCKET")
            missing = [k for k in needed if not settings.get(k)]
            if missing:
                raise UserError(f"INFLUXDB_URL={url} is set but {', '.join(missing)} is missing (InfluxDB v2 "
                                "needs token, org and bucket; set INFLUXDB_DATABASE for InfluxDB v1)")
            inner = InfluxV2Sink(url, settings["INFLUXDB_TOKEN"], settings["INFLUXDB_ORG"],
                                 settings["INFLUXDB_BUCKET"])
            target = f"InfluxDB v2 {url} bucket {settings['INFLUXDB_BUCKET']}"
        # One spool per destination and source: two loggers (two boards) never share a spool.
        source = args.from_file or args.port or ""
        key = hashlib.sha256(f"{target}|{source}".encode()).hexdigest()[:12]
        spool_dir = Path(args.spool) if args.spool else _state_dir() / f"spool-{key}"
        sinks.append(SpoolingSink(inner, spool_dir))
        where.append(f"{target} (spool {spool_dir})")
    if args.sqlite or not url:
        path = Path(args.sqlite) if args.sqlite else default_sqlite_path()
        try:
            sinks.append(SqliteSink(path))
        except Exception as exc:  # sqlite3 and OS errors: a path the user chose that cannot be used
            raise UserError(f"cannot open SQLite file {path}: {exc}") from None
        where.append(f"SQLite {path}")
    return sinks, "storing to " + " and ".join(where)


# -- the logger ------------------------------------------------------------------------------------
class TelemetryLogger:
    """Validates lines, stamps them, writes them to the sinks, and reports what happened."""

    def __init__(self, sinks: Sequence[Any], out: TextIO | None = None, err: TextIO | None = None,
                 clock: Callable[[], int] = time.time_ns, echo: bool = True) -> None:
        self.sinks = list(sinks)
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.clock = clock
        self.echo = echo
        self.stats = LineStats()
        self._spool_errors: dict[int, str | None] = {}

    def accept(self, line: str, time_ns: int | None = None, stamp: bool = True) -> Record | None:
        """Validate one line; returns the record (not yet written) or None.

        A line's own timestamp is kept; otherwise it gets `time_ns` or the host clock (unless `stamp`
        is False, for callers that derive timestamps themselves)."""
        if not line.strip():
            return None
        if is_comment(line):
            self.stats.comments += 1
            print(line.strip(), file=self.err)
            return None
        try:
            record = parse_line(line)
        except TelemetryError as exc:
            self.stats.reject(line, str(exc))
            print(f"rejected ({exc}): {line.strip()[:100]!r}", file=self.err)
            return None
        self.stats.accepted += 1
        if record.time_ns is None and stamp:
            record = record.stamped(self.clock() if time_ns is None else time_ns)
        return record

    def store(self, records: Sequence[Record]) -> None:
        if not records:
            return
        for sink in self.sinks:
            try:
                sink.write(records)
            except SinkUnavailable as exc:  # only an unspooled sink gets here
                print(f"{sink.name}: {exc}", file=self.err)
        if self.echo:
            for record in records:
                print(record.to_line_protocol(), file=self.out)
            self.out.flush()
        self._report_spools()

    def handle_line(self, line: str) -> Record | None:
        record = self.accept(line)
        if record is not None:
            self.store([record])
        return record

    def tick(self) -> None:
        for sink in self.sinks:
            if hasattr(sink, "tick"):
                sink.tick()
        self._report_spools()

    def _report_spools(self) -> None:
        """One message when a server becomes unreachable and one when it is back, not one per line."""
        for sink in self.sinks:
            if not isinstance(sink, SpoolingSink):
                continue
            before = self._spool_errors.get(id(sink))
            now = sink.last_error
            if now and not before:
                print(f"{sink.inner.name} not accepting writes ({now}); spooling to {sink.directory}",
                      file=self.err)
            elif before and not now:
                print(f"{sink.inner.name} reachable again; spool delivered", file=self.err)
            self._spool_errors[id(sink)] = now

    def close(self) -> None:
        for sink in self.sinks:
            if isinstance(sink, SpoolingSink) and sink.pending:
                print(f"{sink.inner.name}: {sink.pending} records stay spooled in {sink.directory} and are "
                      "sent by the next run", file=self.err)
            sink.close()


# -- sources ---------------------------------------------------------------------------------------
def follow_serial(port: str, baud: int, logger: TelemetryLogger, stop: threading.Event | None = None,
                  count: int | None = None, open_port: Callable[..., Any] | None = None) -> None:
    """Read lines until `stop` is set or `count` records are stored; survive the port going away."""
    import serial

    stop = stop or threading.Event()
    opener = open_port or (lambda: serial.Serial(port, baud, timeout=0.5))
    try:
        conn = opener()
    except (serial.SerialException, OSError) as exc:
        raise UserError(f"cannot open serial port {port}: {exc}") from None
    assembler = LineAssembler()
    print(f"reading {port} at {baud} baud", file=logger.err)
    try:
        while not stop.is_set():
            try:
                data = conn.read(max(1, conn.in_waiting))
            except (serial.SerialException, OSError) as exc:
                print(f"serial port {port} lost ({exc}); reconnecting", file=logger.err)
                _close_quietly(conn)
                assembler.reset()  # the half line before the break must never be glued to the next one
                conn = _reopen(opener, port, stop, logger)
                if conn is None:
                    return
                continue
            for line in assembler.feed(data):
                logger.handle_line(line)
                if count is not None and logger.stats.accepted >= count:
                    return
            logger.tick()
    finally:
        if conn is not None:
            _close_quietly(conn)


def _reopen(opener: Callable[[], Any], port: str, stop: threading.Event, logger: TelemetryLogger) -> Any:
    delay = 0.25
    while not stop.wait(delay):
        try:
            conn = opener()
        except Exception:  # the port is still gone: wait longer
            delay = min(delay * 2, MAX_BACKOFF_S)
            logger.tick()
            continue
        print(f"serial port {port} reconnected", file=logger.err)
        return conn
    return None


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # closing a vanished port may fail; it is closed either way
        pass


def import_lines(lines: Iterable[str], logger: TelemetryLogger, start_ns: int | None) -> None:
    """Captured lines: a line's own timestamp wins; otherwise time follows the uptime field from start."""
    clock = UptimeClock(start_ns if start_ns is not None else time.time_ns())
    batch: list[Record] = []
    for line in lines:
        record = logger.accept(line, stamp=False)
        if record is None:
            continue
        batch.append(clock.stamp(record))
        if len(batch) >= IMPORT_BATCH:
            logger.store(batch)
            batch = []
    logger.store(batch)


def _import_start(path: Path, start: str | None) -> int | None:
    if start:
        try:
            return int(datetime.fromisoformat(start).timestamp() * 1e9)
        except ValueError:
            raise UserError(f"--start={start!r} is not an ISO time like 2026-01-31T12:00:00+00:00") from None
    # Without --start: the file was last written when its last line arrived; walk back by uptime.
    span, last = 0, None
    with path.open(errors="replace") as handle:
        for line in handle:
            try:
                uptime = int(parse_line(line).fields["uptime"])
            except TelemetryError:
                continue
            span += uptime_step_s(last, uptime)
            last = uptime
    return int(path.stat().st_mtime * 1e9) - span * 1_000_000_000


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    if not args.port and not args.from_file:
        raise UserError("give the serial PORT of the board (e.g. /dev/ttyUSB0) or --from-file FILE")
    settings = load_settings(args)
    sinks, where = build_sinks(args, settings)
    logger = TelemetryLogger(sinks, echo=not args.quiet)
    print(where, file=sys.stderr)
    # systemd stops services with SIGTERM: end like Ctrl-C, with the summary and the spool state.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.from_file:
            path = Path(args.from_file)
            if not path.is_file():
                raise UserError(f"--from-file {path} does not exist")
            start = _import_start(path, args.start)
            with path.open(errors="replace") as handle:
                import_lines(handle, logger, start)
        else:
            follow_serial(args.port, args.baud, logger, count=args.count)
    finally:
        signal.signal(signal.SIGTERM, previous)
        logger.close()
        print(logger.stats.summary(), file=sys.stderr)
    return 0
