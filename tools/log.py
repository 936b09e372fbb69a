#!/usr/bin/env python3
"""The original entry point: `python3 log.py PORT`, InfluxDB settings from .env (= `ltobms log`)."""

import sys
from pathlib import Path

try:
    from ltobms.cli import main
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from ltobms.cli import main

if __name__ == "__main__":
    sys.exit(main(["log", *sys.argv[1:]]))
