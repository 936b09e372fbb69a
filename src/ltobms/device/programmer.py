"""Program an ATtiny824 over serialUPDI through pymcuprog's Python API, verifying every write.

Every failure a user can meet (no port, nothing answering, wrong chip, verify mismatch) becomes a
one-line ProgrammingError. The pymcuprog backend is injectable so the command flow is testable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from ltobms.errors import UserError

DEVICE = "attiny824"
SIGNATURE = bytes([0x1E, 0x93, 0x29])
DEFAULT_PORT = "/dev/ttyUSB0"
DEFAULT_BAUD = 115200
EEPROM_PAGE_SIZE = 32


class ProgrammingError(UserError):
    """Programming failed; the message says what to check."""


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02X}" for b in data)


def _pymcuprog_backend() -> Any:
    from pymcuprog.backend import Backend

    # pymcuprog logs each UPDI step and its own view of failures; we report every outcome in one line.
    logging.getLogger("pymcuprog").setLevel(logging.CRITICAL)
    return Backend()


def _serial_connection(port: str, baud: int) -> Any:
    from pymcuprog.toolconnection import ToolSerialConnection

    return ToolSerialConnection(serialport=port, baudrate=baud)


def _session_config(device: str) -> Any:
    from pymcuprog.backend import SessionConfig

    return SessionConfig(device)


class Programmer:
    """One UPDI session with the board: `with Programmer(port) as p: p.write_flash(data)`."""

    def __init__(self, port: str = DEFAULT_PORT, baud: int = DEFAULT_BAUD,
                 backend_factory: Callable[[], Any] = _pymcuprog_backend,
                 connection_factory: Callable[[str, int], Any] = _serial_connection,
                 session_factory: Callable[[str], Any] = _session_config,
                 say: Callable[[str], None] = print) -> None:
        self.port = port
        self.baud = baud
        self._backend_factory = backend_factory
        self._connection_factory = connection_factory
        self._session_factory = session_factory
        self._say = say
        self.backend: Any = None

    def __enter__(self) -> Programmer:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        backend = self._backend_factory()
        try:
            backend.connect_to_tool(self._connection_factory(self.port, self.baud))
            backend.start_session(self._session_factory(DEVICE))
        except Exception as exc:  # serial, OS and pymcuprog errors all mean "nothing usable answered"
            _close_quietly(backend)
            if isinstance(exc, OSError) or type(exc).__name__ == "SerialException":
                raise ProgrammingError(f"cannot open serial port {self.port}: {exc}") from None
            if "Locked" in type(exc).__name__:
                raise ProgrammingError(
                    f"the device on {self.port} is locked; unlocking erases it completely: pymcuprog erase "
                    f"-t uart -u {self.port} -d {DEVICE} --chip-erase-locked-device") from None
            raise ProgrammingError(
                f"no UPDI device answered on {self.port} at {self.baud} baud ({exc}); check power, "
                "wiring and the 1 kOhm resistor between RX and TX") from None
        self.backend = backend
        signature = self.signature()
        if signature != SIGNATURE:
            self.close()
            raise ProgrammingError(
                f"device signature {_hex(signature)} is not an ATtiny824 ({_hex(SIGNATURE)})")
        self._say(f"connected: ATtiny824 ({_hex(signature)}) on {self.port}")

    def close(self) -> None:
        if self.backend is not None:
            _close_quietly(self.backend)
            self.backend = None

    def signature(self) -> bytes:
        """Signature bytes in datasheet order (pymcuprog returns them least significant first)."""
        try:
            raw = self._call("read signature", self.backend.read_device_id)
        except ProgrammingError as exc:
            # pymcuprog's serialUPDI driver checks the ID itself; report it in the same words as ours.
            found = re.search(r"read out '([0-9A-Fa-f]{6})'", str(exc))
            if found:
                return bytes.fromhex(found.group(1))
            raise
        return bytes(reversed(bytes(raw)))

    def _call(self, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.backend is None:
            raise ProgrammingError(f"{what}: not connected")
        try:
            return func(*args, **kwargs)
        except UserError:
            raise
        except Exception as exc:
            raise ProgrammingError(f"{what} failed on {self.port}: {exc}") from None

    def _write_verified(self, memory: str, data: bytes, offset: int = 0) -> None:
        self._call(f"write {memory}", self.backend.write_memory, bytearray(data), memory, offset)
        if not self._call(f"verify {memory}", self.backend.verify_memory, bytearray(data), memory, offset):
            raise ProgrammingError(
                f"verify failed: {memory} at offset {offset} differs from what was written")

    def write_flash(self, data: bytes) -> None:
        # Erase only the flash: a chip erase would also wipe the EEPROM with the board's serial number.
        self._call("erase flash", self.backend.erase, "flash", None)
        self._write_verified("flash", data)
        self._say(f"flash: {len(data)} bytes written and verified")

    def write_eeprom(self, data: bytes) -> None:
        # pymcuprog pads a write to whole 32-byte EEPROM pages with 0xFF; read the rest of the last page
        # first so bytes after the image (which the firmware may use) keep their values.
        tail = -len(data) % EEPROM_PAGE_SIZE
        if tail:
            data = bytes(data) + self._read("eeprom", len(data), tail)
        self._write_verified("eeprom", data)
        self._say(f"eeprom: {len(data)} bytes written and verified")

    def write_fuses(self, fuses: dict[int, int]) -> None:
        for offset, value in sorted(fuses.items()):
            self._write_verified("fuses", bytes([value]), offset)
        listing = ", ".join(f"{o}=0x{v:02X}" for o, v in sorted(fuses.items()))
        self._say(f"fuses: {listing} written and verified")

    def _read(self, memory: str, offset: int, size: int) -> bytes:
        segments = self._call(f"read {memory}", self.backend.read_memory, memory, offset, size)
        return bytes(segments[0].data)

    def read_eeprom(self, size: int = 128) -> bytes:
        return self._read("eeprom", 0, size)


def _close_quietly(backend: Any) -> None:
    for step in ("end_session", "disconnect_from_tool"):
        try:
            getattr(backend, step)()
        except Exception:  # closing after a failure must not mask the failure we report
            pass


def add_port_options(parser: Any) -> None:
    """--port/--baud as every programming command spells them."""
    parser.add_argument("--port", default=DEFAULT_PORT, help=f"serialUPDI port (default {DEFAULT_PORT})")
    parser.add_argument("--baud", type=int, default=DEFAULT_BAUD,
                        help=f"UPDI baud rate (default {DEFAULT_BAUD})")
