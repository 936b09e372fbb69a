"""Linux's hwmon `ina2xx` driver for an "ina260" device, replayed transfer by transfer through
i2c-dev messages (smbus2's i2c_msg, sent with LinuxI2cDev.i2c_rdwr as the kernel's i2c_transfer
would). Written down from the public source (facts only: order, registers, arithmetic):

* drivers/hwmon/ina2xx.c (mainline, with INA260 support): regmap with 8-bit register numbers and
  16-bit values; registers 01h-04h are volatile, Configuration, Mask/Enable and Alert limit are
  cached after their first access (REGCACHE_MAPLE). use_single_read/write.
* drivers/base/regmap/regmap-i2c.c: a read is one i2c_transfer of two messages, [reg] then a
  2-byte read (repeated START); a write is one message [reg, MSB, LSB]; values big-endian.
* regmap_update_bits(): read (cache if cached), new = (old & ~mask) | (val & mask), write only if
  it changed; the cache keeps what was written.
* probe, ina2xx_init(): internal shunt INA260_RSHUNT = 2000 uOhm, so current LSB 1250 uA and power
  LSB 8 x 1250 = 10000 uW; write Configuration 6527h (16 averages, continuous); alerts: update
  Mask/Enable LEN|APOL to LEN (plus APOL with ti,alert-polarity-active-high); no calibration
  write and no ID check for the INA260. Nothing waits: reads may follow at once.
* sysfs: in1_input (mV) = round(02h x 1250 / 1000); in0_input (mV) = round((s16) 01h / 400);
  curr1_input (mA) = round((s16) 01h x 1250 / 1000) - the driver reads register 01h by its
  INA2XX_SHUNT_VOLTAGE name; power1_input (uW) = 03h x 10000; update_interval (ms) =
  round(averages x 2200 / 1000) from the cached Configuration.
* alarms (curr1_crit_alarm, in1_lcrit_alarm, ...): Mask/Enable read past the cache; 1 when the
  function's bit and AFF are both set. Limits (curr1_crit = over-current in mA, curr1_lcrit,
  in1_crit / in1_lcrit in mV, power1_crit in uW): update Mask/Enable bits 15:10 to 0, write the
  Alert limit, then update bits 15:10 to the function's bit; reading a limit gives 0 when its
  function is not the one enabled.
"""

from __future__ import annotations

from host_buses import LinuxI2cDev
from smbus2 import i2c_msg

CONFIG, SHUNT_VOLTAGE, BUS_VOLTAGE, POWER, MASK_ENABLE, ALERT_LIMIT = 0x00, 0x01, 0x02, 0x03, 0x06, 0x07
VOLATILE = {0x01, 0x02, 0x03, 0x04}
INA260_CONFIG_DEFAULT = 0x6527
ALERT_LATCH_ENABLE, ALERT_POLARITY = 0x0001, 0x0002
ALERT_CONFIG_MASK, ALERT_FUNCTION_FLAG = 0xFC00, 0x0010
SHUNT_OVER, SHUNT_UNDER, BUS_OVER, BUS_UNDER, POWER_OVER = 0x8000, 0x4000, 0x2000, 0x1000, 0x0800
SHUNT_DIV = 400
BUS_VOLTAGE_LSB_UV = 1250
CURRENT_LSB_UA = 1250  # DIV_ROUND_CLOSEST(1e9 / 400, 2000 uOhm)
POWER_LSB_UW = 8 * CURRENT_LSB_UA
AVERAGES = (1, 4, 16, 64, 128, 256, 512, 1024)
TOTAL_CONV_TIME_DEFAULT_US = 2200


def div_round_closest(x: int, d: int) -> int:
    """The kernel's DIV_ROUND_CLOSEST for a positive divisor: halves away from zero."""
    return (x + d // 2) // d if x >= 0 else -((-x + d // 2) // d)


def s16(x: int) -> int:
    return x - 0x10000 if x & 0x8000 else x


class Regmap:
    """regmap-i2c with the driver's cache rules."""

    def __init__(self, bus: LinuxI2cDev, address: int) -> None:
        self.bus, self.address = bus, address
        self.cache: dict[int, int] = {}

    def read_bypassed(self, reg: int) -> int:
        out, into = i2c_msg.write(self.address, [reg]), i2c_msg.read(self.address, 2)
        self.bus.i2c_rdwr(out, into)
        msb, lsb = list(into)
        return (msb << 8) | lsb

    def read(self, reg: int) -> int:
        if reg in VOLATILE:
            return self.read_bypassed(reg)
        if reg not in self.cache:
            self.cache[reg] = self.read_bypassed(reg)
        return self.cache[reg]

    def write(self, reg: int, value: int) -> None:
        self.bus.i2c_rdwr(i2c_msg.write(self.address, [reg, value >> 8, value & 0xFF]))
        if reg not in VOLATILE:
            self.cache[reg] = value

    def update_bits(self, reg: int, mask: int, value: int) -> None:
        old = self.read(reg)
        new = (old & ~mask) | (value & mask)
        if new != old:
            self.write(reg, new)


class Ina260Hwmon:
    """The bound driver: probe in the constructor, sysfs attributes as methods."""

    def __init__(self, bus: LinuxI2cDev, address: int, alert_active_high: bool = False) -> None:
        self.regmap = Regmap(bus, address)
        self.regmap.write(CONFIG, INA260_CONFIG_DEFAULT)
        self.regmap.update_bits(MASK_ENABLE, ALERT_LATCH_ENABLE | ALERT_POLARITY,
                                ALERT_LATCH_ENABLE | (ALERT_POLARITY if alert_active_high else 0))

    # inputs ----------------------------------------------------------------------------------------
    def in1_input(self) -> int:
        return div_round_closest(self.regmap.read(BUS_VOLTAGE) * BUS_VOLTAGE_LSB_UV, 1000)

    def in0_input(self) -> int:
        return div_round_closest(s16(self.regmap.read(SHUNT_VOLTAGE)), SHUNT_DIV)

    def curr1_input(self) -> int:
        return div_round_closest(s16(self.regmap.read(SHUNT_VOLTAGE)) * CURRENT_LSB_UA, 1000)

    def power1_input(self) -> int:
        return self.regmap.read(POWER) * POWER_LSB_UW

    def update_interval(self) -> int:
        avg = AVERAGES[(self.regmap.read(CONFIG) >> 9) & 7]
        return div_round_closest(avg * TOTAL_CONV_TIME_DEFAULT_US, 1000)

    # alerts ----------------------------------------------------------------------------------------
    def alarm(self, mask: int) -> int:
        value = self.regmap.read_bypassed(MASK_ENABLE)
        return int(bool(value & mask) and bool(value & ALERT_FUNCTION_FLAG))

    def curr1_crit_alarm(self) -> int:
        return self.alarm(SHUNT_OVER)

    def in1_lcrit_alarm(self) -> int:
        return self.alarm(BUS_UNDER)

    def set_limit(self, mask: int, value: int, register_value: int) -> None:
        """ina226_alert_limit_write(): alerts off, the limit, then the one function (if value)."""
        if value < 0:
            raise OSError(22, "Invalid argument")  # -EINVAL, as the sysfs write returns
        self.regmap.update_bits(MASK_ENABLE, ALERT_CONFIG_MASK, 0)
        self.regmap.write(ALERT_LIMIT, register_value)
        if value:
            self.regmap.update_bits(MASK_ENABLE, ALERT_CONFIG_MASK, mask)

    def set_curr1_crit(self, ma: int) -> None:
        raw = div_round_closest(ma * 1000, CURRENT_LSB_UA)
        self.set_limit(SHUNT_OVER, ma, max(-0x8000, min(0x7FFF, raw)) & 0xFFFF)

    def set_in1_lcrit(self, mv: int) -> None:
        raw = div_round_closest(max(0, min(200000, mv)) * 1000, BUS_VOLTAGE_LSB_UV)
        self.set_limit(BUS_UNDER, mv, min(0xFFFF, raw))

    def limit(self, mask: int, to_units) -> int:  # noqa: ANN001 - register value -> sysfs units
        if not self.regmap.read(MASK_ENABLE) & mask:
            return 0
        return to_units(self.regmap.read(ALERT_LIMIT))

    def curr1_crit(self) -> int:
        return self.limit(SHUNT_OVER, lambda v: div_round_closest(s16(v) * CURRENT_LSB_UA, 1000))
