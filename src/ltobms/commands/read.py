"""`ltobms read`: voltage, current and power from the board's INA260-compatible I2C registers."""

from __future__ import annotations

import argparse
import time

from ltobms.config import parse_int
from ltobms.device.ina260 import DEFAULT_ADDRESS, Ina260

NAME = "read"
HELP = "read voltage, current and power over Linux I2C (INA260 registers, address 0x41)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bus", default="1", help="I2C bus number N of /dev/i2c-N (default 1)")
    parser.add_argument("--address", default=f"0x{DEFAULT_ADDRESS:02x}", help="7-bit address (default 0x41)")
    parser.add_argument("--watch", action="store_true", help="read once a second until Ctrl-C")
    parser.add_argument("--interval", type=float, default=1.0, help="--watch period in seconds (default 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, device: Ina260 | None = None, reads: int | None = None) -> int:
    from ltobms.config import ConfigError

    bus = parse_int("bus", args.bus)
    address = parse_int("address", args.address)
    if not 0x08 <= address <= 0x77:
        raise ConfigError(f"address=0x{address:02x} is outside the 7-bit range 0x08..0x77")
    sensor = device or Ina260(bus, address)
    try:
        count = 0
        while True:
            reading = sensor.read()
            print(reading.format(), flush=True)
            count += 1
            if not args.watch or (reads is not None and count >= reads):
                return 0
            time.sleep(args.interval)
    finally:
        sensor.close()
