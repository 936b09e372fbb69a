"""Faults the emulator raises: each names where the firmware was (PC) when it happened."""

from __future__ import annotations


class AvrFault(Exception):
    """The firmware did something the real chip would not survive or that we cannot emulate."""

    def __init__(self, message: str, pc: int | None = None, trace: str = "") -> None:
        self.pc = pc
        self.trace = trace
        where = f" at PC=0x{pc * 2:04x} (word 0x{pc:04x})" if pc is not None else ""
        super().__init__(f"{message}{where}" + (f"\n{trace}" if trace else ""))


class UnmappedAccess(AvrFault):
    """A load or store to an address where the ATtiny824 has nothing."""

    def __init__(self, kind: str, address: int, pc: int | None) -> None:
        self.address = address
        super().__init__(f"{kind} of unmapped data address 0x{address:04x}", pc)


class UnsupportedRegister(AvrFault):
    """A register the chip has but the emulator does not model (strict mode)."""

    def __init__(self, name: str, address: int, pc: int | None) -> None:
        self.name = name
        self.address = address
        super().__init__(f"register {name} (0x{address:04x}) is not modelled", pc)


class Unsupported(AvrFault):
    """A mode or setting of a modelled peripheral that the emulator does not implement."""
