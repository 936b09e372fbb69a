"""The ATtiny824 data space: one 64 KiB backing store plus per-address read/write hooks.

Plain storage (SRAM, registers without side effects) is read and written straight in `mem`; an address
with behaviour (a flag cleared on write, a strobe, a read-only byte, nothing at all) has a hook. The CPU
checks `rhook[a]` / `whook[a]` and only calls when one is set, so RAM traffic costs one list lookup.
Peripherals keep the value a register reads back in `mem[address]` wherever they can, so snapshots and
debuggers see the real register file.
"""

from __future__ import annotations

from collections.abc import Callable

from ltobms.avr.errors import UnmappedAccess

ReadHook = Callable[[int], int]
WriteHook = Callable[[int, int], None]

SIZE = 0x10000


class DataSpace:
    def __init__(self, strict: bool = True) -> None:
        self.mem = bytearray(SIZE)
        self.rhook: list[ReadHook | None] = [None] * SIZE
        self.whook: list[WriteHook | None] = [None] * SIZE
        self.strict = strict
        self.names: dict[int, str] = {}  # address -> register name, for messages and traces
        self.pc_source: Callable[[], int | None] = lambda: None
        self.warnings: list[str] = []  # lenient mode: what strict mode would have raised
        self.unmap(0, SIZE)

    # --- mapping -------------------------------------------------------------------------------
    def unmap(self, start: int, length: int) -> None:
        """Make [start, start+length) an address with nothing behind it."""
        for a in range(start, start + length):
            self.rhook[a] = self._unmapped_read
            self.whook[a] = self._unmapped_write

    def map_plain(self, start: int, length: int) -> None:
        """Plain read/write storage (SRAM, side-effect-free registers)."""
        for a in range(start, start + length):
            self.rhook[a] = None
            self.whook[a] = None

    def map_readonly(self, start: int, length: int) -> None:
        """Readable storage whose writes are ignored (signature row, fuses, mapped flash)."""
        for a in range(start, start + length):
            self.rhook[a] = None
            self.whook[a] = _ignore_write

    def hook(self, address: int, read: ReadHook | None = None, write: WriteHook | None = None,
             name: str | None = None) -> None:
        """Give one address behaviour; `None` for a direction means plain storage."""
        self.rhook[address] = read
        self.whook[address] = write
        if name:
            self.names[address] = name

    # --- access from outside the CPU (peripherals, tests, debuggers) ------------------------------
    def read(self, address: int) -> int:
        h = self.rhook[address]
        return h(address) if h else self.mem[address]

    def write(self, address: int, value: int) -> None:
        h = self.whook[address]
        if h:
            h(address, value & 0xFF)
        else:
            self.mem[address] = value & 0xFF

    def peek(self, address: int, length: int = 1) -> bytes:
        """Raw bytes without side effects."""
        return bytes(self.mem[address:address + length])

    def poke(self, address: int, data: bytes) -> None:
        """Raw store without side effects."""
        self.mem[address:address + len(data)] = data

    # --- unmapped ------------------------------------------------------------------------------
    def _unmapped_read(self, address: int) -> int:
        if self.strict:
            raise UnmappedAccess("read", address, self.pc_source())
        self.warnings.append(f"read of unmapped 0x{address:04x}")
        return 0

    def _unmapped_write(self, address: int, value: int) -> None:
        if self.strict:
            raise UnmappedAccess("write", address, self.pc_source())
        self.warnings.append(f"write of 0x{value:02x} to unmapped 0x{address:04x}")


def _ignore_write(address: int, value: int) -> None:
    return None
