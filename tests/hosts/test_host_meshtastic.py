"""Meshtastic finding the board and reading it as an INA260 (replayed in meshtastic_host.py from
ScanI2CTwoWire.cpp, INA260Sensor.cpp and Adafruit_INA260/Adafruit_BusIO): the scan's
classification, begin() with its reset and 2 ms pause, and the telemetry readings against the
twin's truth."""

from __future__ import annotations

import pytest
from fw_bench import INA260_ADDRESS, Bench, assert_matches_truth, running_bench
from fw_images import ImageBuilder, Variant
from host_buses import ArduinoWire
from meshtastic_host import Ina260Sensor, get_register_value, scan

pytestmark = pytest.mark.xdist_group("hosts")  # may run beside the "firmware" group


@pytest.fixture(params=[("LTO", "revC", 2.4), ("NAION", "revB", 3.3)], ids=["LTO-revC", "NAION-revB"])
def bench(images: ImageBuilder, request: pytest.FixtureRequest) -> Bench:
    chemistry, revision, cell_v = request.param
    return running_bench(images.elf(Variant(chemistry, revision)), cell_v, 0.085, board=revision, until=1.5)


def test_scan_finds_an_ina260_at_0x41(bench: Bench) -> None:
    assert scan(ArduinoWire(bench)) == {INA260_ADDRESS: "INA260"}


def test_begin_resets_and_the_first_telemetry_is_fresh(bench: Bench) -> None:
    """begin() resets the chip and waits 2 ms; Meshtastic reads on its telemetry interval, but
    even a read straight after begin() must see a measurement taken after the reset."""
    wire = ArduinoWire(bench)
    sensor = Ina260Sensor(wire, INA260_ADDRESS)
    bench.run_to_mid_period()
    bench.board.load_a = 0.150  # changes with the reset: stale values would show 85 mA
    assert sensor.run_once()
    wire.delay(1)  # the reads themselves take ~1 ms more at 100 kHz
    metrics = sensor.get_metrics()
    assert_matches_truth(bench, metrics.voltage, metrics.current / 1000, None, quick=True)
    assert_matches_truth(bench, sensor.get_bus_voltage_mv() / 1000, metrics.current / 1000, None,
                         quick=True, resolution=(0.0005, 0.0, 0.0))  # lround to mV
    # Later telemetry: the once-a-second measurements.
    bench.run_for(60.0)
    metrics = sensor.get_metrics()
    assert_matches_truth(bench, metrics.voltage, metrics.current / 1000, None, quick=False)


def test_begin_fails_where_nothing_answers(bench: Bench) -> None:
    wire = ArduinoWire(bench)
    assert not Ina260Sensor(wire, 0x40).run_once()
    wire.beginTransmission(0x40)
    assert wire.endTransmission() == 2, "Arduino's code for an address NACK"
    assert get_register_value(wire, 0x40, 0xFE, 2) == 0
