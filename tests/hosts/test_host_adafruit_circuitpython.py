"""Adafruit's CircuitPython INA260 driver (adafruit-circuitpython-ina260 from PyPI, unmodified) on
the emulated firmware through a busio.I2C that fails on a NACK as Blinka does on Linux: every
property the driver has, against the twin's truth and the datasheet's rules."""

from __future__ import annotations

import sys

import adafruit_ina260
import pytest
from adafruit_ina260 import INA260, AveragingCount, ConversionTime, Mode
from adafruit_register.i2c_bit import ROBit, RWBit
from adafruit_register.i2c_bits import ROBits, RWBits
from adafruit_register.i2c_struct import ROUnaryStruct
from fw_bench import INA260_ADDRESS, QUICK_CONVERSION_S, Bench, assert_matches_truth, running_bench
from fw_images import ImageBuilder, Variant
from host_buses import BusioI2C

pytestmark = pytest.mark.xdist_group("hosts")  # may run beside the "firmware" group

CELL_V = 2.4
LOAD_A = 0.1234
# Every register-backed attribute and property of the driver's INA260 class, each exercised below.
COVERED = {
    "_raw_current", "_raw_voltage", "_raw_power", "current", "voltage", "power",
    "_manufacturer_id", "_device_id", "revision_id", "reset_bit", "mode",
    "averaging_count", "voltage_conversion_time", "current_conversion_time",
    "mask_enable", "alert_limit", "overcurrent_limit", "under_current_limit",
    "bus_voltage_over_voltage", "bus_voltage_under_voltage", "power_over_limit", "conversion_ready",
    "alert_function_flag", "_conversion_ready_flag", "math_overflow_flag", "alert_polarity_bit",
    "alert_latch_enable",
}


@pytest.fixture()
def bench(images: ImageBuilder) -> Bench:
    return running_bench(images.elf(Variant("LTO", "revC")), CELL_V, LOAD_A)


@pytest.fixture()
def sensor(bench: Bench) -> INA260:
    return INA260(BusioI2C(bench), address=INA260_ADDRESS)


def readings(sensor: INA260) -> tuple[float, float, float]:
    """The driver's readings in V, A, W (it reports V, mA, mW)."""
    return sensor.voltage, sensor.current / 1000, sensor.power / 1000


def test_the_driver_covers_no_property_the_tests_miss() -> None:
    kinds = (property, ROBit, RWBit, ROBits, RWBits, ROUnaryStruct)
    driver = {name for name, value in vars(INA260).items() if isinstance(value, kinds)}
    assert driver == COVERED, f"untested: {sorted(driver - COVERED)}; gone: {sorted(COVERED - driver)}"


def test_identification(sensor: INA260) -> None:
    assert sensor._manufacturer_id == INA260.TEXAS_INSTRUMENT_ID == 0x5449
    assert sensor._device_id == INA260.INA260_ID == 0x227
    assert sensor.revision_id == 0


def test_nothing_at_the_default_address(bench: Bench) -> None:
    """The driver's default is 0x40; the board answers at 0x41. The probe's NACK must surface."""
    with pytest.raises(ValueError, match="No I2C device"):
        INA260(BusioI2C(bench))
    assert BusioI2C(bench).scan() == [INA260_ADDRESS]


def test_continuous_readings_match_the_truth(bench: Bench, sensor: INA260) -> None:
    assert sensor.mode == Mode.CONTINUOUS
    assert_matches_truth(bench, *readings(sensor), quick=False)
    assert sensor.current == sensor._raw_current * 1.25
    assert sensor.voltage == sensor._raw_voltage * 0.00125
    assert sensor.power == sensor._raw_power * 10
    # Charging reads negative, as on the INA260.
    bench.board.load_a = -0.050
    bench.run_for(1.0)
    assert sensor.current == pytest.approx(-50.0, abs=1.25 + 0.1)


def test_reset_bit_restores_the_defaults_and_fresh_data_follows(bench: Bench, sensor: INA260) -> None:
    sensor.averaging_count = AveragingCount.COUNT_1024
    sensor.alert_limit = 0x1234
    sensor.alert_latch_enable = True
    bench.run_to_mid_period()
    bench.board.load_a = 0.300
    sensor.reset_bit = True
    after_reset = bench.time
    assert sensor.reset_bit is False, "self-clearing"
    assert (sensor.averaging_count, sensor.mode, sensor.alert_limit, sensor.alert_latch_enable) == (
        AveragingCount.COUNT_1, Mode.CONTINUOUS, 0, False)
    bench.run_until(after_reset + QUICK_CONVERSION_S)
    assert_matches_truth(bench, *readings(sensor), quick=True)


def test_triggered_mode_measures_once_per_trigger(bench: Bench, sensor: INA260) -> None:
    """In triggered mode the driver spins on the conversion-ready flag before each reading, and
    only a new trigger (writing the mode again) brings another conversion."""
    bench.run_to_mid_period()
    got = []
    for load in (0.200, 0.050, 0.400):
        bench.board.load_a = load
        for name in ("current", "voltage", "power"):
            sensor.mode = Mode.TRIGGERED
            triggered = bench.time
            got.append(getattr(sensor, name))
            assert bench.time - triggered < 0.010, f"{name}: {1e3 * (bench.time - triggered):.1f} ms"
        current_ma, volts, power_mw = got[-3:]
        assert_matches_truth(bench, volts, current_ma / 1000, power_mw / 1000, quick=True)
    assert sensor.mode == Mode.TRIGGERED


def test_shutdown_holds_the_readings(bench: Bench, sensor: INA260) -> None:
    bench.run_to_mid_period()
    held = readings(sensor)
    sensor.mode = Mode.SHUTDOWN
    bench.board.load_a = 0.350
    bench.run_for(2.0)
    assert readings(sensor) == held
    assert sensor.mode == Mode.SHUTDOWN
    sensor.mode = Mode.CONTINUOUS
    bench.run_for(QUICK_CONVERSION_S)
    assert_matches_truth(bench, *readings(sensor), quick=True)


@pytest.mark.parametrize("field", ["averaging_count", "voltage_conversion_time", "current_conversion_time"])
def test_configuration_fields_read_back(sensor: INA260, field: str) -> None:
    for value in range(8):
        setattr(sensor, field, value)
        assert getattr(sensor, field) == value
    assert sensor.mode == Mode.CONTINUOUS  # the other fields untouched
    assert [AveragingCount.get_averaging_count(v) for v in range(8)] == [1, 4, 16, 64, 128, 256, 512, 1024]
    assert ConversionTime.get_seconds(ConversionTime.TIME_1_1_ms) == 1.1e-3


@pytest.mark.parametrize(("function", "limit", "alerts"), [
    ("overcurrent_limit", 90, True), ("overcurrent_limit", 110, False),          # 98.7 LSB
    ("under_current_limit", 110, True), ("under_current_limit", 90, False),
    ("bus_voltage_over_voltage", 1900, True), ("bus_voltage_over_voltage", 1940, False),  # 1920
    ("bus_voltage_under_voltage", 1940, True), ("bus_voltage_under_voltage", 1900, False),
    ("power_over_limit", 25, True), ("power_over_limit", 35, False),             # 29.6 LSB
])
def test_alert_functions(bench: Bench, sensor: INA260, function: str, limit: int, alerts: bool) -> None:
    sensor.alert_limit = limit
    setattr(sensor, function, True)
    assert getattr(sensor, function) is True and sensor.alert_limit == limit
    bench.run_for(1.0)
    assert sensor.alert_function_flag is alerts


def test_alert_latch_polarity_and_flags(bench: Bench, sensor: INA260) -> None:
    sensor.alert_limit = 50
    sensor.overcurrent_limit = True
    sensor.alert_latch_enable = True
    sensor.alert_polarity_bit = True
    sensor.conversion_ready = True
    assert sensor.alert_latch_enable and sensor.alert_polarity_bit and sensor.conversion_ready
    assert sensor.mask_enable & 0xFC03 == 0x8403
    bench.run_for(1.0)
    bench.run_to_mid_period()
    # Latched: reading Mask/Enable clears AFF, but the condition still holds, so it is set again.
    assert sensor.alert_function_flag is True
    assert sensor.alert_function_flag is True
    assert sensor.math_overflow_flag is False
    sensor.mask_enable = 0
    assert (sensor.overcurrent_limit, sensor.alert_latch_enable, sensor.alert_polarity_bit,
            sensor.conversion_ready) == (False, False, False, False)


def test_conversion_ready_flag(bench: Bench, sensor: INA260) -> None:
    bench.run_for(1.0)
    assert sensor._conversion_ready_flag is True
    assert sensor._conversion_ready_flag is False, "reading Mask/Enable cleared it"
    bench.run_for(1.0)
    assert sensor._conversion_ready_flag is True


def test_the_pinned_driver_runs_without_blinkas_hardware_layer() -> None:
    """The compatibility claim is for the pinned release, and the driver needs nothing of Blinka
    but `micropython.const`: its board detection never runs."""
    assert adafruit_ina260.__version__ == "1.3.22"
    assert sys.modules["busio"].I2C is BusioI2C
    assert not {"board", "adafruit_platformdetect", "adafruit_blinka"} & set(sys.modules)
