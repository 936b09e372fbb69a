"""The INA260 register file over the emulated I2C bus, as the datasheet describes what a host sees:
values, pointer, write and read lengths, reset, the conversion-ready flag, the operating modes
(continuous, triggered, power-down), the alert flags and their latch, and the host adapter's own
rule that a NACK fails. The real clients (Adafruit's driver, Linux ina2xx, Meshtastic) are in
tests/hosts."""

from __future__ import annotations

import pytest
from fw_bench import (
    INA260_ADDRESS,
    QUICK_CONVERSION_S,
    Bench,
    assert_reads_truth,
    ina260_registers,
    running_bench,
)
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

from ltobms.avr.i2c import I2CNack

pytestmark = pytest.mark.xdist_group("firmware")

CELL_V = 2.4
LOAD_A = 0.1234
CVRF, AFF, LEN = 0x0008, 0x0010, 0x0001
OCL, UCL, BOL, BUL, POL = 0x8000, 0x4000, 0x2000, 0x1000, 0x0800
# Configuration values: AVG/VBUSCT/ISHCT of the power-on value 6127h with another MODE.
CONTINUOUS, TRIGGERED, POWER_DOWN = 0x6127, 0x6123, 0x6120
CURRENT_TRIGGERED, BUS_CONTINUOUS, POWER_DOWN_100 = 0x6121, 0x6126, 0x6124


@pytest.fixture()
def bench(images: ImageBuilder) -> Bench:
    return running_bench(images.elf(Variant("LTO", "revC")), CELL_V, LOAD_A)


def converted(bench: Bench, config: int) -> dict[str, int]:
    """Write Configuration, wait the quick conversion's time from the end of the write, read the
    registers: the conversion-ready flag must be set by then."""
    bench.write_register(0x00, config)
    bench.run_until(bench.time + QUICK_CONVERSION_S)
    regs = ina260_registers(bench)
    assert regs["mask_enable"] & CVRF, f"no conversion {QUICK_CONVERSION_S * 1e3:.0f} ms after {config:04X}h"
    return regs


def signed16(x: int) -> int:
    return x - 0x10000 if x & 0x8000 else x


# --- values, pointer, lengths --------------------------------------------------------------------
def test_measurement_registers_within_one_lsb(bench: Bench) -> None:
    assert_reads_truth(bench, ina260_registers(bench), quick=False)


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
    slow.write(INA260_ADDRESS, bytes([0x01]))
    seen = []
    while bench.time < 12.0:
        seen.append(int.from_bytes(slow.read(INA260_ADDRESS, 2), "big"))
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


def test_a_long_read_of_mask_enable_has_its_side_effects_once(bench: Bench) -> None:
    """The value is latched at the start of the read: all six bytes show the CVRF that was set,
    and the flag is cleared once, for the next read."""
    first = bench.i2c.write_read(INA260_ADDRESS, bytes([0x06]), 6)
    assert first[0::2] == first[:1] * 3 and first[1::2] == first[1:2] * 3
    assert int.from_bytes(first[:2], "big") & CVRF
    assert not bench.read_register(0x06) & CVRF


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
    # Only the Mask/Enable function and alert bits are writable; its flags are not.
    bench.write_register(0x06, 0xFFFF)
    assert bench.read_register(0x06) & 0xFC1F & ~(AFF | CVRF) == 0xFC03


def test_a_long_write_after_the_reset_bit_changes_nothing_more(bench: Bench) -> None:
    """Bytes after the value are ignored, also when the value reset the register file: the 4127h
    that follows must not land in Configuration."""
    bench.write_register(0x07, 0x0100)
    bench.i2c.write(INA260_ADDRESS, bytes([0x00, 0x80, 0x00, 0x41, 0x27]))
    assert bench.read_register(0x00) == 0x6127
    assert bench.read_register(0x07) == 0


def test_averaging_and_conversion_times_read_back(bench: Bench) -> None:
    for avg in range(8):
        for ct in (0, 3, 7):
            value = (avg << 9) | (ct << 6) | ((7 - ct) << 3) | 0b111
            bench.write_register(0x00, value)
            assert bench.read_register(0x00) == value


def test_a_nack_fails_the_transfer(bench: Bench) -> None:
    """Nothing answers at 0x40: every transfer there raises, as on Linux; only the probe reports."""
    assert not bench.i2c.probe(0x40)
    with pytest.raises(I2CNack):
        bench.i2c.write(0x40, bytes([0x00, 0x61, 0x27]))
    with pytest.raises(I2CNack):
        bench.i2c.read(0x40, 2)
    with pytest.raises(I2CNack):
        bench.i2c.write_read(0x40, bytes([0xFE]), 2)
    assert bench.i2c.probe(INA260_ADDRESS)


# --- reset and the conversion-ready flag ---------------------------------------------------------
def test_reset_bit_restores_every_register(bench: Bench) -> None:
    bench.write_register(0x00, 0x4527)
    bench.write_register(0x06, 0x8001)
    bench.write_register(0x07, 0x0100)
    bench.write_register(0x00, 0x8000)
    assert bench.read_register(0x00) == 0x6127, "bit 15 self-clears and Config is back at 6127h"
    assert bench.read_register(0x06) & 0xFC03 == 0
    assert bench.read_register(0x07) == 0


def test_fresh_measurements_within_3_ms_of_a_reset(bench: Bench) -> None:
    """A real INA260 has new results 2.2 ms after a reset at default settings; Adafruit's Arduino
    library (Meshtastic's begin()) waits 2 ms. The load changes with the reset, so the values
    seen 3 ms later must come from a measurement taken after it."""
    bench.run_to_mid_period()
    bench.board.load_a = 0.250
    bench.write_register(0x00, 0x8000)
    written = bench.time
    assert bench.read_register(0x01) == 0, "reset: the measurement registers read 0 at first"
    bench.run_until(written + QUICK_CONVERSION_S)
    regs = ina260_registers(bench)
    assert regs["mask_enable"] & CVRF
    assert_reads_truth(bench, regs, quick=True)


def test_a_configuration_write_clears_the_conversion_ready_flag(bench: Bench) -> None:
    bench.run_to_mid_period()
    bench.write_register(0x00, CONTINUOUS)
    written = bench.time
    assert not bench.read_register(0x06) & CVRF
    # ...and a new conversion starts: the flag is back within the quick measurement's time.
    bench.run_until(written + QUICK_CONVERSION_S)
    assert bench.read_register(0x06) & CVRF


def test_selecting_power_down_leaves_the_conversion_ready_flag(bench: Bench) -> None:
    """Datasheet: CVRF clears on a Configuration write except one that selects power-down."""
    bench.run_to_mid_period()
    bench.write_register(0x00, POWER_DOWN)
    assert bench.read_register(0x06) & CVRF


def test_conversion_ready_set_per_measurement_cleared_by_reading(bench: Bench) -> None:
    assert bench.read_register(0x06) & CVRF, "CVRF set after a measurement"
    assert not bench.read_register(0x06) & CVRF, "reading 06h cleared it"
    bench.run_for(1.0)
    assert bench.read_register(0x06) & CVRF


# --- operating modes -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [POWER_DOWN, POWER_DOWN_100])
def test_power_down_holds_the_measurement_registers(bench: Bench, mode: int) -> None:
    bench.run_to_mid_period()
    held = ina260_registers(bench)
    bench.write_register(0x00, mode)
    bench.read_register(0x06)  # clear CVRF
    bench.board.load_a = 0.300
    bench.run_for(3.0)
    now = ina260_registers(bench)
    assert (now["current"], now["bus_voltage"], now["power"]) == (
        held["current"], held["bus_voltage"], held["power"])
    assert not now["mask_enable"] & CVRF, "no conversion in power-down"
    # Back to continuous: a fresh measurement within the quick measurement's time.
    assert_reads_truth(bench, converted(bench, CONTINUOUS), quick=True)


def test_triggered_mode_delivers_one_measurement_per_trigger(bench: Bench) -> None:
    bench.run_to_mid_period()
    bench.board.load_a = 0.200
    first = converted(bench, TRIGGERED)
    assert_reads_truth(bench, first, quick=True)
    # No further conversions until the next trigger: the once-a-second measurement runs for
    # protection, but the registers hold and CVRF stays clear.
    bench.board.load_a = 0.050
    bench.run_for(2.5)
    held = ina260_registers(bench)
    assert held["current"] == first["current"] and not held["mask_enable"] & CVRF
    # Writing the same triggered mode again is a new trigger.
    bench.run_to_mid_period()
    assert_reads_truth(bench, converted(bench, TRIGGERED), quick=True)


def test_single_channel_modes_update_only_their_registers(bench: Bench) -> None:
    bench.run_to_mid_period()
    before = ina260_registers(bench)
    bench.board.cell_v = 2.6
    bench.board.load_a = 0.300
    # Current only, triggered: current updates; bus voltage and power (computed after a bus
    # voltage conversion) hold.
    regs = converted(bench, CURRENT_TRIGGERED)
    assert abs(signed16(regs["current"]) - 300 / 1.25) <= 1
    assert (regs["bus_voltage"], regs["power"]) == (before["bus_voltage"], before["power"])
    # Bus voltage only, continuous: bus voltage and power follow, current holds.
    bench.board.load_a = 0.100
    bench.write_register(0x00, BUS_CONTINUOUS)
    bench.run_for(1.5)
    regs2 = ina260_registers(bench)
    assert regs2["current"] == regs["current"]
    assert abs(regs2["bus_voltage"] - 2600 / 1.25) <= 2
    assert abs(regs2["power"] - 2.6 * 0.100 * 100) <= 1


def test_continuous_mode_updates_every_second(bench: Bench) -> None:
    seen = set()
    for step in range(3):
        bench.board.load_a = 0.100 + 0.05 * step
        bench.run_for(1.0)
        seen.add(signed16(bench.read_register(0x01)))
    assert len(seen) == 3


# --- alert flags ---------------------------------------------------------------------------------
def test_alert_function_flag_follows_the_limit(bench: Bench) -> None:
    # Over-current limit below the present 98-LSB current: AFF set at the next measurement.
    bench.write_register(0x07, 50)
    bench.write_register(0x06, OCL)
    bench.run_for(1.0)
    assert bench.read_register(0x06) & AFF
    bench.write_register(0x07, 200)
    bench.run_for(1.0)
    assert not bench.read_register(0x06) & AFF


@pytest.mark.parametrize(("function", "limit", "alerts"), [
    (OCL, 90, True), (OCL, 110, False),          # current 98.7 LSB
    (UCL, 110, True), (UCL, 90, False),
    (BOL, 1900, True), (BOL, 1940, False),       # bus voltage 1920 LSB
    (BUL, 1940, True), (BUL, 1900, False),
    (POL, 25, True), (POL, 35, False),           # power 29.6 LSB
    (OCL | BUL, 90, True), (BUL | POL, 25, False),  # the most significant function wins
])
def test_alert_functions(bench: Bench, function: int, limit: int, alerts: bool) -> None:
    bench.write_register(0x07, limit)
    bench.write_register(0x06, function)
    bench.run_for(1.0)
    assert bool(bench.read_register(0x06) & AFF) == alerts


def test_latched_alert_stays_while_the_condition_holds(bench: Bench) -> None:
    """Latch mode: reading 06h clears AFF, but a real INA260 converts again within ms and sets it
    again while the condition holds; the flag must not vanish until the next second."""
    bench.write_register(0x07, 50)
    bench.write_register(0x06, OCL | LEN)
    bench.run_for(1.0)
    bench.run_to_mid_period()
    assert bench.read_register(0x06) & AFF
    assert bench.read_register(0x06) & AFF, "condition still true: set again"


@pytest.mark.parametrize(("latch", "first_read"), [(LEN, AFF), (0, 0)])
def test_alert_latch_keeps_a_condition_that_has_gone(bench: Bench, latch: int, first_read: int) -> None:
    """The condition is met at a measurement, then goes (the limit rises) before the host reads:
    latched, the flag shows it once; transparent, the next conversion has already cleared it."""
    bench.write_register(0x07, 50)
    bench.write_register(0x06, OCL | latch)
    bench.run_for(1.0)
    bench.run_to_mid_period()
    bench.write_register(0x07, 200)
    assert bench.read_register(0x06) & AFF == first_read
    assert not bench.read_register(0x06) & AFF


def test_transparent_alert_clears_with_the_condition(bench: Bench) -> None:
    bench.write_register(0x07, 50)
    bench.write_register(0x06, OCL)
    bench.run_for(1.0)
    bench.run_to_mid_period()
    assert bench.read_register(0x06) & AFF
    assert bench.read_register(0x06) & AFF, "transparent: reading does not clear it"
    bench.write_register(0x07, 200)
    assert not bench.read_register(0x06) & AFF, "the next conversion without the condition clears it"


def test_alert_flag_holds_in_triggered_mode(bench: Bench) -> None:
    """Without conversions nothing re-judges the alert: a latched flag read once is gone."""
    bench.write_register(0x07, 50)
    bench.write_register(0x06, OCL | LEN)
    bench.write_register(0x00, TRIGGERED)
    bench.run_for(QUICK_CONVERSION_S)
    assert bench.read_register(0x06) & AFF
    bench.run_for(2.0)
    assert not bench.read_register(0x06) & AFF


# --- identification as the three hosts check it (the full sequences are in tests/hosts) ---------
def test_identification_as_hosts_check_it(bench: Bench) -> None:
    assert bench.i2c.probe(INA260_ADDRESS), "address-only write must be ACKed"
    assert bench.read_register(0xFE) == 0x5449
    assert bench.read_register(0xFF) >> 4 == 0x227 and bench.read_register(0xFF) != 0x2260
