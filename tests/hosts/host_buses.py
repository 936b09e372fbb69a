"""The emulated I2C bus as three kinds of real host software see it, so their own code runs on the
twin unchanged. Each adapter sits on `fw_bench.HostI2C` (a transfer completes or raises) and keeps
its platform's error rules:

* `LinuxI2cDev`: Linux's i2c-dev, as smbus2 reaches it: `i2c_rdwr` with smbus2's own `i2c_msg`
  messages (one combined transfer: repeated START between messages, STOP at the end) and the SMBus
  word calls; a NACK raises OSError(EREMOTEIO) and a clock stretched past the host's timeout
  OSError(ETIMEDOUT), as the Raspberry Pi's controller driver (i2c-bcm2835) reports them.
* `BusioI2C`: CircuitPython's `busio.I2C` as Adafruit-Blinka offers it on Linux (the same errors).
  `install_busio()` puts it in `sys.modules` as `busio`, so Adafruit's drivers import it instead of
  Blinka's board-detecting one.
* `ArduinoWire`: Arduino's TwoWire, which reports instead of raising: endTransmission() returns
  0, 2 (address NACK) or 3 (data NACK); requestFrom() returns the number of bytes received.
"""

from __future__ import annotations

import ctypes
import errno
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

from fw_bench import AddressNack, Bench

from ltobms.avr.i2c import I2CError, I2CNack, I2CTimeout


@contextmanager
def linux_errors() -> Iterator[None]:
    try:
        yield
    except I2CNack as exc:
        raise OSError(errno.EREMOTEIO, f"Remote I/O error ({exc})") from None
    except I2CTimeout as exc:
        raise OSError(errno.ETIMEDOUT, f"Connection timed out ({exc})") from None


class LinuxI2cDev:
    """An open /dev/i2c-N (smbus2.SMBus-like): the calls the Linux host code here makes."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench

    def i2c_rdwr(self, *msgs) -> None:  # noqa: ANN002 - smbus2.i2c_msg
        """The kernel's i2c_transfer: [write], [read] or [write, read] to one address (what
        regmap-i2c and i2c-tools send); read messages get their data in place."""
        from smbus2.smbus2 import I2C_M_RD

        kinds = tuple("r" if m.flags & I2C_M_RD else "w" for m in msgs)
        if kinds not in (("w",), ("r",), ("w", "r")) or len({m.addr for m in msgs}) != 1:
            raise NotImplementedError(f"i2c_rdwr of {kinds}: the emulated bus offers write, read, write+read")
        address = msgs[0].addr
        with linux_errors():
            if kinds == ("w",):
                self.bench.i2c.write(address, bytes(msgs[0]))
                return
            if kinds == ("r",):
                data = self.bench.i2c.read(address, len(msgs[0]))
            else:
                data = self.bench.i2c.write_read(address, bytes(msgs[0]), len(msgs[1]))
        ctypes.memmove(msgs[-1].buf, data, len(data))

    # SMBus word transfers are little-endian on the wire order of their data bytes.
    def read_word_data(self, address: int, register: int) -> int:
        with linux_errors():
            data = self.bench.i2c.write_read(address, bytes([register]), 2)
        return data[0] | (data[1] << 8)

    def write_word_data(self, address: int, register: int, value: int) -> None:
        with linux_errors():
            self.bench.i2c.write(address, bytes([register, value & 0xFF, value >> 8]))

    def write_quick(self, address: int) -> None:
        with linux_errors():
            self.bench.i2c.write(address, b"")

    def close(self) -> None:
        pass


class BusioI2C:
    """busio.I2C: the lock and the three transfer calls Adafruit's bus-device layer uses, plus
    scan(). `bench` stands where busio takes its SCL and SDA pins."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self._locked = False

    def try_lock(self) -> bool:
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self) -> None:
        self._locked = False

    def deinit(self) -> None:
        self._locked = False

    def __enter__(self) -> BusioI2C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.deinit()

    def scan(self) -> list[int]:
        return [a for a in range(0x08, 0x78) if self.bench.i2c.probe(a)]

    def writeto(self, address: int, buffer: bytes, *, start: int = 0, end: int | None = None) -> None:
        with linux_errors():
            self.bench.i2c.write(address, bytes(buffer[start:end]))

    def readfrom_into(self, address: int, buffer: bytearray, *, start: int = 0,
                      end: int | None = None) -> None:
        end = len(buffer) if end is None else end
        with linux_errors():
            buffer[start:end] = self.bench.i2c.read(address, end - start)

    def writeto_then_readfrom(self, address: int, buffer_out: bytes, buffer_in: bytearray, *,
                              out_start: int = 0, out_end: int | None = None, in_start: int = 0,
                              in_end: int | None = None) -> None:
        in_end = len(buffer_in) if in_end is None else in_end
        with linux_errors():
            buffer_in[in_start:in_end] = self.bench.i2c.write_read(
                address, bytes(buffer_out[out_start:out_end]), in_end - in_start)


class _NoSpi:
    """busio.SPI only as a name: adafruit_bus_device's spi_device module annotates with it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError("the emulated board has no SPI bus")


def install_busio() -> None:
    """Give Adafruit's driver stack the `busio` it imports, and hide `digitalio` (only used for an
    annotation, and Blinka's probes the machine for a board). Must run before they are imported."""
    busio = types.ModuleType("busio")
    busio.__doc__ = "busio for the emulated lto-bms board (tests/hosts/host_buses.py)"
    busio.I2C = BusioI2C
    busio.SPI = _NoSpi
    sys.modules["busio"] = busio
    sys.modules["digitalio"] = None  # `import digitalio` raises ImportError, which they expect


class ArduinoWire:
    """TwoWire (Arduino's Wire): buffered like the real one. A write ended without STOP
    (endTransmission(false)) is sent with the next requestFrom as write + repeated START + read;
    its status is known only then, so endTransmission(false) reports 0."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self._address = 0
        self._tx = bytearray()
        self._pending: tuple[int, bytes] | None = None
        self._rx = bytearray()

    def begin(self) -> None:
        pass

    def beginTransmission(self, address: int) -> None:  # noqa: N802 - Arduino's name
        self._flush_pending()
        self._address, self._tx = address, bytearray()

    def write(self, data: int | bytes) -> int:
        chunk = bytes([data & 0xFF]) if isinstance(data, int) else bytes(data)
        self._tx += chunk
        return len(chunk)

    def endTransmission(self, stop: bool = True) -> int:  # noqa: N802
        if not stop:
            self._pending = (self._address, bytes(self._tx))
            return 0
        try:
            self.bench.i2c.write(self._address, bytes(self._tx))
        except AddressNack:
            return 2
        except I2CNack:
            return 3
        except I2CError:
            return 5  # timeout
        return 0

    def requestFrom(self, address: int, quantity: int, stop: bool = True) -> int:  # noqa: N802
        pending, self._pending = self._pending, None
        try:
            if pending is not None and pending[0] == address:
                data = self.bench.i2c.write_read(address, pending[1], quantity)
            else:
                if pending is not None:
                    self.bench.i2c.write(*pending)
                data = self.bench.i2c.read(address, quantity)
        except I2CError:
            data = b""
        self._rx = bytearray(data)
        return len(data)

    def available(self) -> int:
        return len(self._rx)

    def read(self) -> int:
        return self._rx.pop(0) if self._rx else -1

    def delay(self, ms: float) -> None:
        """Arduino's delay(): the host waits, the twin runs on."""
        self._flush_pending()
        self.bench.run_for(ms / 1000)

    def _flush_pending(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            try:
                self.bench.i2c.write(*pending)
            except I2CError:
                pass
