"""`ltobms fuses [FIRMWARE]`: program the fuse values the firmware declares in its `.fuse` section."""

from __future__ import annotations

import argparse

from ltobms.device.firmware import FUSE_NAMES, load_firmware, writable_fuses
from ltobms.device.programmer import Programmer, add_port_options

NAME = "fuses"
HELP = "program the fuses declared in the firmware's .fuse section (default build/lto-bms-LTO-revC.elf)"
DEFAULT_FIRMWARE = "build/lto-bms-LTO-revC.elf"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("firmware", metavar="FIRMWARE", nargs="?", default=DEFAULT_FIRMWARE,
                        help=f"firmware .elf (or .hex with the .elf beside it); default {DEFAULT_FIRMWARE}")
    parser.add_argument("--show", action="store_true", help="print the fuse values, do not program")
    add_port_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, programmer_factory: type[Programmer] = Programmer) -> int:
    fuses = writable_fuses(load_firmware(args.firmware))
    if args.show:
        for offset, value in sorted(fuses.items()):
            print(f"{FUSE_NAMES[offset]:<8} (fuse {offset}) = 0x{value:02X}")
        return 0
    with programmer_factory(args.port, args.baud) as programmer:
        programmer.write_fuses(fuses)
    return 0
