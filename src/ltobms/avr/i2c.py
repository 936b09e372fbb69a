"""Host side of the I2C bus to the emulated TWI0 client: `write`, `read`, `write_read` (repeated
START) and `probe` (address-only write), byte by byte, with per-byte ACK/NACK and a host timeout when
the client holds the clock too long. Between bus events the emulator runs for the bytes' bit times,
so the firmware services the bus in (simulated) real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.mcu import Mcu


class I2CError(Exception):
    """A transfer did not complete (NACK or timeout)."""


class I2CNack(I2CError):
    pass


class I2CTimeout(I2CError):
    pass


@dataclass
class I2CResult:
    address_ack: bool
    acks: list[bool] = field(default_factory=list)  # one per data byte written
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.address_ack and all(self.acks)


class I2CBus:
    def __init__(self, mcu: Mcu, client_name: str = "TWI0", frequency_hz: float = 100_000.0,
                 timeout_s: float = 0.025) -> None:
        self.mcu = mcu
        self.client = mcu.peripherals[client_name]
        self.frequency_hz = frequency_hz
        self.timeout_s = timeout_s
        self.timeouts = 0

    @property
    def bit_time(self) -> float:
        return 1.0 / self.frequency_hz

    # --- low-level steps ----------------------------------------------------------------------------
    def _wait_release(self) -> None:
        """Let the firmware run until it releases the clock; raise I2CTimeout after `timeout_s`."""
        c = self.client
        if not c.holding():
            return
        c.waiting = True
        try:
            self.mcu.run(self.timeout_s)
        finally:
            c.waiting = False
            self.mcu.stop = False
        if c.holding():
            self.timeouts += 1
            raise I2CTimeout(f"client held the clock for more than {self.timeout_s * 1e3:.0f} ms")

    def _start(self, address: int, read: bool) -> bool:
        self.mcu.run(10 * self.bit_time)  # START + 8 address bits + ACK slot
        c = self.client
        if not c.matches(address):
            return False
        c.address(address, read)
        self._wait_release()
        resp = c.response
        return resp is not None and (resp & 3) == 3 and not resp & 0x04

    def _stop(self) -> None:
        self.mcu.run(self.bit_time)
        self.client.stop()
        self.mcu.run(self.bit_time)

    def _write_byte(self, byte: int) -> bool:
        self.mcu.run(8 * self.bit_time)
        c = self.client
        c.data_from_host(byte)
        self._wait_release()
        self.mcu.run(self.bit_time)
        resp = c.response
        return resp is not None and (resp & 3) == 3 and not resp & 0x04

    def _read_bytes(self, n: int) -> bytes:
        c = self.client
        out = bytearray()
        for _ in range(n):
            c.data_to_host_request(host_nack_previous=False)
            self._wait_release()
            self.mcu.run(8 * self.bit_time)
            out.append(c.reg(0x0D))
            self.mcu.run(self.bit_time)  # the host's ACK (or NACK after the last byte)
        if n:
            # The host NACKed the last byte: the client sees DIF with RXACK and completes.
            c.data_to_host_request(host_nack_previous=True)
            try:
                self._wait_release()
            except I2CTimeout:
                pass  # the host does not wait after a NACK; it sends STOP regardless
        return bytes(out)

    # --- transfers --------------------------------------------------------------------------------
    def write(self, address: int, data: bytes | list[int] = b"") -> I2CResult:
        """START, address+W, data bytes (stopping at the first NACK), STOP."""
        try:
            res = I2CResult(self._start(address, read=False))
            if res.address_ack:
                for b in bytes(data):
                    ack = self._write_byte(b)
                    res.acks.append(ack)
                    if not ack:
                        break
        finally:
            self._stop()
        return res

    def probe(self, address: int) -> bool:
        """Address-only write, as Meshtastic and i2cdetect do."""
        return self.write(address, b"").address_ack

    def read(self, address: int, n: int) -> bytes:
        try:
            if not self._start(address, read=True):
                raise I2CNack(f"no ACK from 0x{address:02x} (read)")
            return self._read_bytes(n)
        finally:
            self._stop()

    def write_read(self, address: int, data: bytes | list[int], n: int) -> bytes:
        """Write, then repeated START and read `n` bytes, then STOP."""
        try:
            if not self._start(address, read=False):
                raise I2CNack(f"no ACK from 0x{address:02x} (write)")
            for b in bytes(data):
                if not self._write_byte(b):
                    raise I2CNack(f"0x{address:02x} NACKed a data byte")
            if not self._start(address, read=True):
                raise I2CNack(f"no ACK from 0x{address:02x} after repeated START")
            return self._read_bytes(n)
        finally:
            self._stop()
