"""Read the board's INA260-compatible registers over Linux I2C (smbus2).

SMBus word transfers are little-endian, the INA260 sends MSB first: every word read is byte-swapped.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from ltobms.errors import UserError

DEFAULT_ADDRESS = 0x41
REG_CONFIGURATION = 0x00
REG_CURRENT = 0x01
REG_BUS_VOLTAGE = 0x02
REG_POWER = 0x03
REG_MASK_ENABLE = 0x06
REG_MANUFACTURER_ID = 0xFE
REG_DIE_ID = 0xFF
MANUFACTURER_ID = 0x5449  # "TI"
CURRENT_LSB_A = 0.00125
VOLTAGE_LSB_V = 0.00125
POWER_LSB_W = 0.010


def swap16(word: int) -> int:
    return ((word & 0xFF) << 8) | ((word >> 8) & 0xFF)


def to_signed16(value: int) -> int:
    return value - 0x10000 if value & 0x8000 else value


@dataclass(frozen=True)
class Ina260Reading:
    voltage_v: float
    current_a: float  # positive = discharge
    power_w: float
    manufacturer_id: int
    die_id: int

    def format(self) -> str:
        return (f"voltage {self.voltage_v:.4f} V  current {self.current_a * 1000:+.2f} mA  "
                f"power {self.power_w * 1000:.0f} mW")


class Ina260:
    """`Ina260(bus_number).read()`; `bus` may also be an open smbus2.SMBus-like object."""

    def __init__(self, bus: int | Any, address: int = DEFAULT_ADDRESS) -> None:
        self.address = address
        if isinstance(bus, int):
            from smbus2 import SMBus

            self.bus_name = f"/dev/i2c-{bus}"
            try:
                self.bus = SMBus(bus)
            except FileNotFoundError:
                raise UserError(f"I2C bus {self.bus_name} does not exist (enable I2C and load i2c-dev; "
                                "list buses with `ls /dev/i2c-*`)") from None
            except PermissionError:
                raise UserError(f"no permission to open {self.bus_name} (join the i2c group)") from None
        else:
            self.bus_name = "I2C bus"
            self.bus = bus

    def read_register(self, register: int) -> int:
        try:
            return swap16(self.bus.read_word_data(self.address, register))
        except OSError as exc:
            if exc.errno in (errno.EREMOTEIO, errno.ENXIO, errno.EIO):
                raise UserError(f"no device answered at 0x{self.address:02X} on {self.bus_name}") from None
            raise UserError(f"I2C read of 0x{register:02X} failed on {self.bus_name}: {exc}") from None

    def read(self) -> Ina260Reading:
        manufacturer = self.read_register(REG_MANUFACTURER_ID)
        die = self.read_register(REG_DIE_ID)
        if manufacturer != MANUFACTURER_ID:
            raise UserError(f"device at 0x{self.address:02X} reports manufacturer ID 0x{manufacturer:04X}, "
                            f"not an INA260 (0x{MANUFACTURER_ID:04X})")
        current = to_signed16(self.read_register(REG_CURRENT)) * CURRENT_LSB_A
        voltage = self.read_register(REG_BUS_VOLTAGE) * VOLTAGE_LSB_V
        power = self.read_register(REG_POWER) * POWER_LSB_W
        return Ina260Reading(round(voltage, 5), round(current, 5), round(power, 3), manufacturer, die)

    def close(self) -> None:
        close = getattr(self.bus, "close", None)
        if close:
            close()
