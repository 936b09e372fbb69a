"""`ltobms eeprom`: build, inspect and program the EEPROM configuration image (design §4.3)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ltobms import config
from ltobms.atomicfile import write_atomic
from ltobms.config import Chemistry, Config
from ltobms.device.hexfile import read_eeprom_file, to_intel_hex
from ltobms.device.programmer import Programmer, add_port_options
from ltobms.errors import UserError

NAME = "eeprom"
HELP = "build an EEPROM configuration image (hex to stdout, -f binary, --hex Intel HEX), decode or program it"

# option name -> (Config field, help)
VALUE_OPTIONS = {
    "sn": ("serial_number", "serial number of the board, 0..65535 (decimal or 0x...)"),
    "temp-offset": ("temp_offset", "temperature offset in K added to the sensor, -50..50"),
    "ovlo-cutoff": ("ovlo_cutoff", "over-voltage cutoff, mV"),
    "ovlo-release": ("ovlo_release", "over-voltage release, mV"),
    "uvlo-release": ("uvlo_release", "under-voltage release, mV"),
    "uvlo-cutoff": ("uvlo_cutoff", "under-voltage cutoff, mV"),
    "max-current": ("max_current", f"over-current limit, mA, {config.MIN_CURRENT_MA}.."
                    f"{config.BOARD_MAX_CURRENT_MA} (PTC F1 hold current)"),
    "oclo-timeout": ("oclo_timeout", "over-current lockout hold time, s, {}..{}".format(
        *config.OCLO_TIMEOUT_RANGE_S)),
}


def add_image_options(parser: argparse.ArgumentParser) -> None:
    """The original tool's options (also used by `ltobms manufacture`); values are checked by config."""
    parser.add_argument("--chemistry", default="LTO", metavar="LTO|NAION",
                        help="cell chemistry: sets the defaults and the safe window (default LTO)")
    for option, (_, text) in VALUE_OPTIONS.items():
        parser.add_argument(f"--{option}", metavar="N", default=None, help=text)


def config_from_args(args: argparse.Namespace, serial_number: int | None = None) -> tuple[Config, Chemistry]:
    chemistry = config.parse_chemistry(args.chemistry)
    changes: dict[str, int] = {}
    for option, (field, _) in VALUE_OPTIONS.items():
        text = getattr(args, option.replace("-", "_"))
        if text is not None:
            changes[field] = config.parse_int(option, text)
    if serial_number is not None:
        changes["serial_number"] = serial_number
    cfg = config.defaults(chemistry).with_changes(**changes)
    return config.validate(cfg, chemistry), chemistry


def register(parser: argparse.ArgumentParser) -> None:
    add_image_options(parser)
    parser.add_argument("-f", "--file", metavar="FILE", help="write the 20-byte binary image to FILE")
    parser.add_argument("--hex", metavar="FILE", help="write an Intel HEX file with the image at 0x810000")
    parser.add_argument("--decode", metavar="FILE", help="show the settings in a binary or Intel HEX image")
    parser.add_argument("--write", action="store_true", help="program the image into the board (serialUPDI)")
    parser.add_argument("--read", action="store_true", help="read and decode the board's EEPROM")
    add_port_options(parser)
    parser.set_defaults(func=run)


def describe(data: bytes, chemistry: Chemistry | None = None) -> str:
    """A table of the image's settings, its magic/CRC status and what the firmware will do with it."""
    decoded = config.decode(data)
    cfg = decoded.config
    rows = [
        ("magic", f"0x{decoded.magic:04X}",
         "ok" if decoded.magic_ok else f"INVALID (expected 0x{config.MAGIC:04X})"),
        ("serial number", f"{cfg.serial_number} (id={cfg.serial_number:04x})", ""),
        ("temp offset", f"{cfg.temp_offset} K", ""),
        ("ovlo cutoff", f"{cfg.ovlo_cutoff} mV", ""),
        ("ovlo release", f"{cfg.ovlo_release} mV", ""),
        ("uvlo release", f"{cfg.uvlo_release} mV", ""),
        ("uvlo cutoff", f"{cfg.uvlo_cutoff} mV", ""),
        ("max current", f"{cfg.max_current} mA", ""),
        ("oclo timeout", f"{cfg.oclo_timeout} s", ""),
        ("crc", f"0x{decoded.crc_stored:04X}",
         "ok" if decoded.crc_ok else f"INVALID (computed 0x{decoded.crc_computed:04X})"),
    ]
    lines = [f"{name:<14} {value:<22} {note}".rstrip() for name, value, note in rows]
    if decoded.valid:
        verdicts = []
        for chem in [chemistry] if chemistry else list(Chemistry):
            try:
                config.validate(cfg, chem)
                verdicts.append(f"{chem}: within limits")
            except config.ConfigError as exc:
                verdicts.append(f"{chem}: {exc}")
        lines.append("image valid; " + "; ".join(verdicts))
    else:
        lines.append("image INVALID: the firmware ignores it and runs on the chemistry defaults")
    return "\n".join(lines)


def run(args: argparse.Namespace, programmer_factory: type[Programmer] = Programmer) -> int:
    if args.read:
        with programmer_factory(args.port, args.baud) as programmer:
            data = programmer.read_eeprom()
        print(describe(data))
        return 0 if config.decode(data).valid else 1
    if args.decode:
        chemistry = config.parse_chemistry(args.chemistry) if args.chemistry != "LTO" else None
        data = read_eeprom_file(args.decode)
        print(describe(data, chemistry))
        return 0 if config.decode(data).valid else 1
    if args.sn is None:
        raise UserError("--sn is required: the serial number of the board, 0..65535")
    cfg, _ = config_from_args(args)
    image = config.encode(cfg)
    if args.file:
        _write(Path(args.file), image)
    if args.hex:
        _write(Path(args.hex), to_intel_hex(image, config.EEPROM_HEX_ADDRESS).encode())
    if args.write:
        with programmer_factory(args.port, args.baud) as programmer:
            programmer.write_eeprom(image)
    if not (args.file or args.hex or args.write):
        print(image.hex())
    return 0


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    print(f"wrote {path} ({len(data)} bytes)", file=sys.stderr)
