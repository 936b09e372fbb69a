"""The INA260 register file over the emulated I2C bus: values, pointer, write rules, reset, CVRF,
Meshtastic's probe and Adafruit's CircuitPython driver."""

from __future__ import annotations

import errno

import pytest
from fw_bench import INA260_ADDRESS, Bench
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

from ltobms.avr.i2c import I2CError, I2CNack

pytestmark = pytest.mark.xdist_group("firmware")

CELL_V = 2.4
LOAD_A = 0.1234


@pytest.fixture()
def bench(images: ImageBuilder) -> Bench:
    board = BoardModel(board="revC", cell_v=CELL_V, load_a=LOAD_A)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(2.5)
    return bench


def signed16(x: int) -> int:
    return x - 0x10000 if x & 0x8000 else x


def test_measurement_registers_within_one_lsb(bench: Bench) -> None:
    assert abs(signed16(bench.read_register(0x01)) - LOAD_A * 1000 / 1.25) <= 1
    assert abs(bench.read_register(0x02) - CELL_V * 1000 / 1.25) <= 1
    assert abs(bench.read_register(0x03) - CELL_V * LOAD_A * 1000 / 10) <= 1


def test_charging_current_is_negative(images: ImageBuilder) -> None:
    board = BoardModel(board="revC", cell_v=CELL_V, charger_v=CELL_V + 0.2 * 1.15, charger_ohm=1.0)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(2.5)
    assert abs(signed16(bench.read_register(0x01)) - (-200 / 1.25)) <= 1


class AlternatingLoad(BoardModel):
    """Current steps each second between two values whose register codes differ in both bytes:
    318.75 mA = 00FFh and 320.00 mA = 0100h. A torn read would show 0000h or 01FFh."""

    def current(self, t: float) -> float:
        if not self.switch_closed:
            return 0.0
        return 0.31875 if int(t) % 2 else 0.32


def test_reads_are_never_torn_by_a_measurement(images: ImageBuilder) -> None:
    from fw_bench import HostI2C

    from ltobms.avr.i2c import I2CBus

    board = AlternatingLoad(board="revC", cell_v=CELL_V)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(2.2)
    slow = HostI2C(I2CBus(bench.mcu, frequency_hz=1000.0))  # a 2-byte read spans ~20 ms
    slow.write(0x41, bytes([0x01]))
    seen = []
    while bench.time < 12.0:
        seen.append(int.from_bytes(slow.read(0x41, 2), "big"))
    assert set(seen) <= {0x00FF, 0x0100}, f"torn values: {sorted(set(seen) - {0x00FF, 0x0100})}"
    assert {0x00FF, 0x0100} <= set(seen)


def test_identification_and_power_on_values(bench: Bench) -> None:
    assert bench.read_register(0xFE) == 0x5449
    assert bench.read_register(0xFF) == 0x2270
    assert bench.read_register(0x00) == 0x6127
    assert bench.read_register(0x07) == 0x0000
    assert bench.read_register(0x04) == 0 and bench.read_register(0x80) == 0  # unknown registers


def test_pointer_persists_without_auto_increment(bench: Bench) -> None:
    bench.i2c.write(INA260_ADDRESS, bytes([0xFE]))
    first = bench.i2c.read(INA260_ADDRESS, 2)
    second = bench.i2c.read(INA260_ADDRESS, 2)
    assert first == second == bytes([0x54, 0x49])
    # A 4-byte read repeats the same register instead of moving to the next one.
    assert bench.i2c.read(INA260_ADDRESS, 4) == bytes([0x54, 0x49, 0x54, 0x49])


def test_write_rules(bench: Bench) -> None:
    bench.write_register(0x07, 0x1234)
    assert bench.read_register(0x07) == 0x1234
    # Bytes beyond the 16-bit value are ignored.
    bench.i2c.write(INA260_ADDRESS, bytes([0x07, 0xAB, 0xCD, 0xEF, 0x01, 0x02]))
    assert bench.read_register(0x07) == 0xABCD
    # A lone MSB does not change the register.
    bench.i2c.write(INA260_ADDRESS, bytes([0x07, 0x55]))
    assert bench.read_register(0x07) == 0xABCD
    # Read-only and unknown registers ignore writes.
    bench.write_register(0xFE, 0x0000)
    bench.write_register(0x02, 0x0000)
    bench.write_register(0x05, 0x1111)
    assert bench.read_register(0xFE) == 0x5449
    assert bench.read_register(0x05) == 0
    assert abs(bench.read_register(0x02) - CELL_V * 1000 / 1.25) <= 1
    # Config is writable.
    bench.write_register(0x00, 0x4127)
    assert bench.read_register(0x00) == 0x4127


def test_reset_bit_restores_every_register(bench: Bench) -> None:
    bench.write_register(0x00, 0x4527)
    bench.write_register(0x06, 0x8001)
    bench.write_register(0x07, 0x0100)
    bench.write_register(0x00, 0x8000)
    assert bench.read_register(0x00) == 0x6127, "bit 15 self-clears and Config is back at 6127h"
    assert bench.read_register(0x06) & 0xFC03 == 0
    assert bench.read_register(0x07) == 0


def test_conversion_ready_flag_set_per_measurement_cleared_by_reading(bench: Bench) -> None:
    assert bench.read_register(0x06) & 0x0008, "CVRF set after a measurement"
    assert not bench.read_register(0x06) & 0x0008, "reading 06h cleared it"
    bench.run_for(1.0)
    assert bench.read_register(0x06) & 0x0008


def test_alert_function_flag_follows_the_limit(bench: Bench) -> None:
    # Over-current limit below the present 98-LSB current: AFF set at the next measurement.
    bench.write_register(0x07, 50)
    bench.write_register(0x06, 0x8000)
    bench.run_for(1.0)
    assert bench.read_register(0x06) & 0x0010
    bench.write_register(0x07, 200)
    bench.run_for(1.0)
    assert not bench.read_register(0x06) & 0x0010


def test_a_nack_fails_the_transfer(bench: Bench) -> None:
    """Nothing answers at 0x40: every transfer there raises, as on Linux; only the probe reports."""
    assert not bench.i2c.probe(0x40)
    with pytest.raises(I2CNack):
        bench.i2c.write(0x40, bytes([0x00, 0x61, 0x27]))
    with pytest.raises(I2CNack):
        bench.i2c.read(0x40, 2)
    with pytest.raises(I2CNack):
        bench.i2c.write_read(0x40, bytes([0xFE]), 2)
    with pytest.raises(OSError):
        BusioBridge(bench).writeto(0x40, b"")
    assert bench.i2c.probe(INA260_ADDRESS)


def test_meshtastic_probe_identifies_an_ina260(bench: Bench) -> None:
    assert bench.i2c.probe(INA260_ADDRESS), "address-only write must be ACKed"
    assert not bench.i2c.probe(0x40)
    found = {}
    for reg in (0xFE, 0xFF):
        bench.i2c.write(INA260_ADDRESS, bytes([reg]))
        bench.run_for(0.020)
        found[reg] = int.from_bytes(bench.i2c.read(INA260_ADDRESS, 2), "big")
    assert found[0xFE] == 0x5449 and found[0xFF] != 0x2260


class BusioBridge:
    """busio.I2C-compatible object over the emulated bus (what Adafruit drivers call); a NACK
    raises OSError, as busio does on Linux."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.locked = False

    def try_lock(self) -> bool:
        if self.locked:
            return False
        self.locked = True
        return True

    def unlock(self) -> None:
        self.locked = False

    def scan(self) -> list[int]:
        return [a for a in range(0x08, 0x78) if self.bench.i2c.probe(a)]

    def writeto(self, address: int, buffer: bytes, *, start: int = 0, end: int | None = None) -> None:
        try:
            self.bench.i2c.write(address, bytes(buffer[start:end]))
        except I2CError as exc:
            raise OSError(errno.EREMOTEIO, str(exc)) from None

    def readfrom_into(
        self, address: int, buffer: bytearray, *, start: int = 0, end: int | None = None
    ) -> None:
        end = len(buffer) if end is None else end
        try:
            buffer[start:end] = self.bench.i2c.read(address, end - start)
        except I2CError as exc:
            raise OSError(errno.EREMOTEIO, str(exc)) from None

    def writeto_then_readfrom(
        self, address: int, out_buffer: bytes, in_buffer: bytearray, *, out_start: int = 0,
        out_end: int | None = None, in_start: int = 0, in_end: int | None = None,
    ) -> None:
        in_end = len(in_buffer) if in_end is None else in_end
        try:
            data = self.bench.i2c.write_read(address, bytes(out_buffer[out_start:out_end]), in_end - in_start)
        except I2CError as exc:
            raise OSError(errno.EREMOTEIO, str(exc)) from None
        in_buffer[in_start:in_end] = data


def test_adafruit_circuitpython_driver_reads_the_bms(bench: Bench) -> None:
    import adafruit_ina260

    bus = BusioBridge(bench)
    assert INA260_ADDRESS in bus.scan()
    sensor = adafruit_ina260.INA260(bus, address=INA260_ADDRESS)
    assert sensor.voltage == pytest.approx(CELL_V, abs=0.00125)
    assert sensor.current == pytest.approx(LOAD_A * 1000, abs=1.25)
    assert sensor.power == pytest.approx(CELL_V * LOAD_A * 1000, abs=10)
