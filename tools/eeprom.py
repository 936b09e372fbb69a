#!/usr/bin/env python3
"""The original tool's entry point: `python eeprom.py --sn 7 --temp-offset 5` (same as `ltobms eeprom`)."""

import sys
from pathlib import Path

try:
    from ltobms.cli import main
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from ltobms.cli import main

if __name__ == "__main__":
    sys.exit(main(["eeprom", *sys.argv[1:]]))
