"""`ltobms manufacture FIRMWARE --start-sn N`: the production loop, one board after another.

Per board: fuses, firmware, EEPROM with the next serial number, each verified. A failed board keeps
its serial number for the retry; every attempt is appended to a CSV record (flushed per row), so a
restarted session continues after the last programmed number when --start-sn is omitted.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ltobms import config
from ltobms.commands.eeprom import add_image_options, config_from_args
from ltobms.device.firmware import load_firmware, writable_fuses
from ltobms.device.programmer import Programmer, ProgrammingError, add_port_options
from ltobms.errors import UserError

NAME = "manufacture"
HELP = "production loop: fuses, firmware and EEPROM with an auto-incremented serial number per board"
CSV_FIELDS = ["time_utc", "serial_number", "id", "result", "firmware", "firmware_sha256", "chemistry",
              "detail"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("firmware", metavar="FIRMWARE", help="firmware .elf (carries the fuse values)")
    parser.add_argument("--start-sn", metavar="N", default=None,
                        help="first serial number (default: one after the last success in the CSV record)")
    parser.add_argument("--count", type=int, default=None, help="stop after this many boards succeeded")
    parser.add_argument("--record", default="manufacture.csv", help="CSV record of every board (appended)")
    parser.add_argument("--yes", action="store_true", help="do not wait for Enter before each board")
    parser.add_argument("--max-attempts", type=int, default=3,
                        help="with --yes: stop after this many failures of one board in a row (default 3)")
    add_image_options(parser)
    add_port_options(parser)
    parser.set_defaults(func=run)


def next_serial_from_record(path: Path) -> int | None:
    if not path.exists():
        return None
    with path.open(newline="") as handle:
        done = [int(row["serial_number"]) for row in csv.DictReader(handle) if row.get("result") == "ok"]
    return max(done) + 1 if done else None


def _append_row(path: Path, row: dict[str, object]) -> None:
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)
        handle.flush()
        os.fsync(handle.fileno())  # the record must survive a crash of the station


def run(args: argparse.Namespace, programmer_factory: Callable[..., Programmer] = Programmer,
        ask: Callable[[str], str] = input) -> int:
    firmware = load_firmware(args.firmware)
    fuses = writable_fuses(firmware)
    record = Path(args.record)
    if args.start_sn is not None:
        serial = config.parse_int("start-sn", args.start_sn)
    else:
        serial = next_serial_from_record(record)
        if serial is None:
            raise UserError(f"--start-sn is required: {record} has no programmed board to continue from")
    digest = hashlib.sha256(firmware.flash).hexdigest()[:16]
    done = failed = streak = 0
    while args.count is None or done < args.count:
        cfg, chemistry = config_from_args(args, serial_number=serial)  # validates the serial number too
        if not args.yes:
            try:
                answer = ask(f"connect board for SN {serial} (id={serial:04x}), "
                             "Enter to program, q to quit: ")
            except EOFError:
                break
            if answer.strip().lower() in ("q", "quit"):
                break
        row: dict[str, object] = {
            "time_utc": datetime.now(UTC).isoformat(timespec="seconds"), "serial_number": serial,
            "id": f"{serial:04x}", "firmware": str(firmware.path), "firmware_sha256": digest,
            "chemistry": str(chemistry),
        }
        try:
            with programmer_factory(args.port, args.baud) as programmer:
                programmer.write_fuses(fuses)
                programmer.write_flash(firmware.flash)
                programmer.write_eeprom(config.encode(cfg))
        except ProgrammingError as exc:
            failed += 1
            _append_row(record, {**row, "result": "failed", "detail": str(exc)})
            print(f"SN {serial}: FAILED: {exc} -- the same serial number is used for the retry")
            streak += 1
            if args.yes and streak >= args.max_attempts:
                raise UserError(f"SN {serial} failed {streak} times in a row; stopping ({record})") from None
            continue
        _append_row(record, {**row, "result": "ok", "detail": ""})
        print(f"SN {serial}: ok")
        streak = 0
        done += 1
        serial += 1
    print(f"{done} boards programmed, {failed} failed attempts; record: {record}")
    return 0
