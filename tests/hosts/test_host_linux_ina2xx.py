"""Linux's hwmon ina2xx driver bound as "ina260" at 0x41 (replayed in linux_ina2xx.py from the
kernel source): probe, the sysfs readings against the twin's truth, limits and alarms; and the
toolkit's own smbus reader (`ltobms read`) on the same i2c-dev adapter."""

from __future__ import annotations

import errno

import pytest
from fw_bench import INA260_ADDRESS, Bench, assert_matches_truth, running_bench
from fw_images import ImageBuilder, Variant
from host_buses import LinuxI2cDev
from linux_ina2xx import Ina260Hwmon

from ltobms.device.ina260 import Ina260
from ltobms.errors import UserError

pytestmark = pytest.mark.xdist_group("hosts")  # may run beside the "firmware" group

# sysfs units: mV, mA, uW; the driver rounds to them.
RESOLUTION = (0.0005, 0.0005, 0.0)


@pytest.fixture(params=[("LTO", 2.4), ("NAION", 3.3)], ids=["LTO", "NAION"])
def bench(images: ImageBuilder, request: pytest.FixtureRequest) -> Bench:
    chemistry, cell_v = request.param
    return running_bench(images.elf(Variant(chemistry, "revC")), cell_v, 0.1234)


def sysfs_readings(hwmon: Ina260Hwmon) -> tuple[float, float, float]:
    return hwmon.in1_input() / 1000, hwmon.curr1_input() / 1000, hwmon.power1_input() / 1e6


def test_probe_and_readings(bench: Bench) -> None:
    """The probe writes 6527h and sets the alert latch; readings follow at once, as the driver
    reads without waiting: the values of the latest measurement, then fresh ones."""
    hwmon = Ina260Hwmon(LinuxI2cDev(bench), INA260_ADDRESS)
    assert bench.read_register(0x00) == 0x6527
    assert bench.read_register(0x06) & 0x0003 == 0x0001, "LEN set, APOL clear"
    assert hwmon.update_interval() == 35  # 16 averages x 2.2 ms
    bench.run_for(0.003)
    assert_matches_truth(bench, *sysfs_readings(hwmon), quick=True, resolution=RESOLUTION)
    bench.run_for(1.0)
    assert_matches_truth(bench, *sysfs_readings(hwmon), quick=False, resolution=RESOLUTION)
    # in0_input is the "shunt voltage" in mV: for the INA260 the driver divides the current
    # register by 400, i.e. the voltage over its 2 mOhm internal shunt.
    assert hwmon.in0_input() == round(hwmon.curr1_input() * 0.002)


def test_current_limit_and_alarm(bench: Bench) -> None:
    hwmon = Ina260Hwmon(LinuxI2cDev(bench), INA260_ADDRESS)
    hwmon.set_curr1_crit(100)  # mA, below the 123.4 mA load
    assert hwmon.curr1_crit() == 100
    assert bench.read_register(0x06) & 0xFC00 == 0x8000 and bench.read_register(0x07) == 80
    bench.run_to_mid_period()
    # The alarm is read past the cache each time; latched (the probe set LEN) and still true.
    assert hwmon.curr1_crit_alarm() == 1
    assert hwmon.curr1_crit_alarm() == 1
    hwmon.set_curr1_crit(200)
    assert hwmon.curr1_crit_alarm() == 0
    hwmon.set_in1_lcrit(int(bench.board.cell(0) * 1000) + 50)  # under-voltage limit above the cell
    assert hwmon.curr1_crit() == 0, "one function at a time"
    assert hwmon.in1_lcrit_alarm() == 1


def test_nothing_at_0x40_is_an_error(bench: Bench) -> None:
    with pytest.raises(OSError) as exc:
        Ina260Hwmon(LinuxI2cDev(bench), 0x40)
    assert exc.value.errno == errno.EREMOTEIO


def test_ltobms_read_over_smbus(bench: Bench) -> None:
    """`ltobms read`'s reader (SMBus word reads, byte-swapped) on the same i2c-dev adapter."""
    reading = Ina260(LinuxI2cDev(bench)).read()
    assert (reading.manufacturer_id, reading.die_id) == (0x5449, 0x2270)
    assert_matches_truth(bench, reading.voltage_v, reading.current_a, reading.power_w, quick=False)
    with pytest.raises(UserError, match="no device answered at 0x40"):
        Ina260(LinuxI2cDev(bench), address=0x40).read()
