"""`ltobms plot SOURCE`: PNG plots of logged telemetry from a captured log file or the SQLite store."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from ltobms.errors import UserError
from ltobms.sinks.sqlite import SqliteSink
from ltobms.sinks.sqlite import default_path as default_sqlite_path
from ltobms.telemetry import LineStats, Record, UptimeClock, parse_lines

NAME = "plot"
HELP = "plot logged telemetry (a captured log file or the SQLite store) to PNG, one file per board"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", nargs="?", default=None,
                        help=f"log file (line protocol) or SQLite file (default {default_sqlite_path()})")
    parser.add_argument("-o", "--output", default="plots", help="output directory (default ./plots)")
    parser.add_argument("--id", dest="serial_id", help="only this board (4 hex digits as in the id tag)")
    parser.set_defaults(func=run)


def load_records(source: Path) -> list[Record]:
    """Records from an SQLite store or a line-protocol capture (lines without a timestamp are skipped)."""
    if not source.is_file():
        raise UserError(f"source {source} does not exist")
    with source.open("rb") as handle:
        is_sqlite = handle.read(16) == b"SQLite format 3\x00"
    if is_sqlite:
        try:
            sink = SqliteSink(source)
            try:
                return sink.records()
            finally:
                sink.close()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{source} is not an ltobms SQLite store: {exc}") from None
    stats = LineStats()
    with source.open(errors="replace") as handle:
        # A raw capture (no timestamps) is plotted on the board's own uptime axis.
        clocks: dict[tuple[str, str], UptimeClock] = {}
        records = [clocks.setdefault((r.measurement, r.tags["id"]), UptimeClock(0)).stamp(r)
                   for r in parse_lines(handle, stats)]
    if stats.rejected:
        print(f"{source}: {stats.rejected} malformed lines skipped")
    return records


def run(args: argparse.Namespace) -> int:
    source = Path(args.source) if args.source else default_sqlite_path()
    records = load_records(source)
    if args.serial_id:
        records = [r for r in records if r.tags.get("id", "").lower() == args.serial_id.lower()]
    if not records:
        raise UserError(f"{source} holds no log records" + (f" for id={args.serial_id}"
                                                              if args.serial_id else ""))
    boards: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        boards.setdefault((record.measurement, record.tags["id"]), []).append(record)
    from ltobms.plotting import plot_records  # matplotlib is slow to import; only this command needs it

    out_dir = Path(args.output)
    for (measurement, serial_id), board_records in sorted(boards.items()):
        path = plot_records(board_records, out_dir / f"{measurement}-{serial_id}.png")
        print(f"wrote {path} ({len(board_records)} records)")
    return 0
