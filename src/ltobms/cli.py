"""The `ltobms` command: one subcommand per module in `ltobms.commands`.

Each command module defines `NAME`, `HELP` and `register(parser)`, where `register` adds the
command's arguments and sets `func` (called with the parsed namespace, returns an exit code).
New commands are new files; this module never needs to change for them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import ltobms.commands
from ltobms import __version__
from ltobms.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ltobms",
        description="lto-bms toolkit: configuration images, flashing, logging, read-out, plots and the "
        "digital twin of the board.",
    )
    parser.add_argument("--version", action="version", version=f"ltobms {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(ltobms.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ltobms.commands.{info.name}")
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.register(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"ltobms {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ltobms {args.command}: interrupted", file=sys.stderr)
        return 130
