"""Meshtastic's INA260 path, replayed call by call on the Arduino Wire API. Written down from the
public sources (facts only: order, pauses, registers):

* meshtastic/firmware src/detect/ScanI2CTwoWire.cpp, scanPort(): every address 8..119 gets
  beginTransmission + endTransmission (an address-only write); 0 = a device. At INA_ADDR 0x40,
  INA_ADDR_ALTERNATE 0x41 and INA_ADDR_WAVESHARE_UPS 0x43 (src/configuration.h) it calls
  getRegisterValue(FEh, 2): beginTransmission, write(FEh), endTransmission() (with STOP),
  delay(20), requestFrom(addr, 2), MSB then LSB. 5449h: getRegisterValue(FFh, 2) the same way;
  2260h means INA226, anything else INA260. Not 5449h: INA219.
* src/modules/Telemetry/Sensor/INA260Sensor.cpp: runOnce() calls Adafruit_INA260::begin(addr, wire);
  getMetrics() sets voltage = readBusVoltage() / 1000 (V) and current = readCurrent() (mA);
  getBusVoltageMv() = lround(readBusVoltage()).
* adafruit/Adafruit_INA260 Adafruit_INA260.cpp, begin(): Adafruit_I2CDevice::begin() (detected():
  an address-only write), then mfg_register->read() must be 5449h and die_register bits 15:4 must be
  227h, then reset() and delay(2) "to give time for first measurement to finish". reset() is
  Adafruit_I2CRegisterBits(Config, 1, 15).write(1). readBusVoltage() = 02h x 1.25 (mV),
  readCurrent() = (int16_t) 01h x 1.25 (mA).
* adafruit/Adafruit_BusIO: a register read is write_then_read(reg, 1, buf, 2) = write without STOP
  (endTransmission(false)) then requestFrom(addr, 2) with STOP; a RegisterBits write reads the
  register first, then writes [reg, MSB, LSB] with STOP.
"""

from __future__ import annotations

from dataclasses import dataclass

from host_buses import ArduinoWire

INA_ADDRESSES = (0x40, 0x41, 0x43)  # INA_ADDR, INA_ADDR_ALTERNATE, INA_ADDR_WAVESHARE_UPS


def get_register_value(wire: ArduinoWire, address: int, register: int, width: int) -> int:
    """ScanI2CTwoWire::getRegisterValue (without the Lark zero padding)."""
    wire.beginTransmission(address)
    wire.write(register)
    wire.endTransmission()
    wire.delay(20)
    wire.requestFrom(address, width)
    value = 0
    if wire.available() > 1:
        value = wire.read() << 8
        value |= wire.read()
    elif wire.available():
        value = wire.read()
    for _ in range(width - 1):  # drain excess bytes
        if wire.available():
            wire.read()
    return value


def scan(wire: ArduinoWire) -> dict[int, str]:
    """scanPort(): the devices found, by address; only the INA case is classified here."""
    found: dict[int, str] = {}
    for address in range(8, 120):
        wire.beginTransmission(address)
        if wire.endTransmission() != 0:
            continue
        kind = "other"
        if address in INA_ADDRESSES:
            if get_register_value(wire, address, 0xFE, 2) == 0x5449:
                kind = "INA226" if get_register_value(wire, address, 0xFF, 2) == 0x2260 else "INA260"
            else:
                kind = "INA219"
        found[address] = kind
    return found


class AdafruitIna260:
    """Adafruit_INA260 over Adafruit_BusIO, as Meshtastic's INA260Sensor uses it."""

    def __init__(self, wire: ArduinoWire) -> None:
        self.wire = wire
        self.address = 0

    # Adafruit_BusIO --------------------------------------------------------------------------------
    def _detected(self) -> bool:
        self.wire.beginTransmission(self.address)
        return self.wire.endTransmission() == 0

    def _read_register(self, register: int) -> int:
        self.wire.beginTransmission(self.address)
        self.wire.write(register)
        if self.wire.endTransmission(False) != 0:
            return 0xFFFF  # BusIO's read() returns -1 on failure
        if self.wire.requestFrom(self.address, 2, True) != 2:
            return 0xFFFF
        return (self.wire.read() << 8) | self.wire.read()

    def _write_register(self, register: int, value: int) -> bool:
        self.wire.beginTransmission(self.address)
        self.wire.write(bytes([register, value >> 8, value & 0xFF]))
        return self.wire.endTransmission() == 0

    # Adafruit_INA260 -------------------------------------------------------------------------------
    def begin(self, address: int) -> bool:
        self.address = address
        if not self._detected():
            return False
        if self._read_register(0xFE) != 0x5449 or (self._read_register(0xFF) >> 4) & 0xFFF != 0x227:
            return False
        self.reset()
        self.wire.delay(2)
        return True

    def reset(self) -> None:
        config = self._read_register(0x00)
        self._write_register(0x00, config | 0x8000)

    def read_bus_voltage(self) -> float:
        return self._read_register(0x02) * 1.25

    def read_current(self) -> float:
        raw = self._read_register(0x01)
        return (raw - 0x10000 if raw & 0x8000 else raw) * 1.25


@dataclass(frozen=True)
class Metrics:
    voltage: float  # V
    current: float  # mA


class Ina260Sensor:
    """INA260Sensor: runOnce() initialises once; getMetrics() and getBusVoltageMv() read."""

    def __init__(self, wire: ArduinoWire, address: int) -> None:
        self.ina260 = AdafruitIna260(wire)
        self.address = address
        self.status = False

    def run_once(self) -> bool:
        if not self.status:
            self.status = self.ina260.begin(self.address)
        return self.status

    def get_metrics(self) -> Metrics:
        voltage = self.ina260.read_bus_voltage() / 1000
        return Metrics(voltage, self.ina260.read_current())

    def get_bus_voltage_mv(self) -> int:
        mv = self.ina260.read_bus_voltage()
        return int(mv + 0.5) if mv >= 0 else -int(-mv + 0.5)  # lround: halves away from zero
