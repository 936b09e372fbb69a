"""`ltobms flash FIRMWARE`: write the firmware into the board's flash over serialUPDI and verify it."""

from __future__ import annotations

import argparse

from ltobms.device.firmware import load_firmware, writable_fuses
from ltobms.device.programmer import Programmer, add_port_options

NAME = "flash"
HELP = "program a firmware (.elf or .hex) into the board over serialUPDI, verified"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("firmware", metavar="FIRMWARE", help="build/lto-bms-<CHEMISTRY>-<BOARD>.elf or .hex")
    parser.add_argument("--fuses", action="store_true", help="also program the fuses from the .fuse section")
    add_port_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, programmer_factory: type[Programmer] = Programmer) -> int:
    firmware = load_firmware(args.firmware)
    fuses = writable_fuses(firmware) if args.fuses else None  # checked before touching the board
    with programmer_factory(args.port, args.baud) as programmer:
        if fuses:
            programmer.write_fuses(fuses)
        programmer.write_flash(firmware.flash)
    return 0
