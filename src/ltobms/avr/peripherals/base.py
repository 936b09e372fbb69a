"""What every peripheral model shares: where it sits in the data space and how it reaches the chip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.mcu import Mcu


class Peripheral:
    """A block of registers at `base`. Subclasses map their registers in `__init__` and restore
    their reset state in `reset()`; the device description creates them as
    `cls(mcu, name, base, **params)`."""

    def __init__(self, mcu: Mcu, name: str, base: int, **params: Any) -> None:
        self.mcu = mcu
        self.name = name
        self.base = base
        self.params = params
        self.data = mcu.data
        self.mem = mcu.data.mem
        self.sched = mcu.sched

    def reset(self) -> None:
        """Power-on / any reset: registers to their datasheet reset values."""

    def sleep_changed(self, mode: str | None) -> None:
        """The CPU entered sleep `mode` ('IDLE', 'STANDBY', 'PDOWN') or woke up (None)."""

    # helpers ------------------------------------------------------------------------------------
    def reg(self, offset: int) -> int:
        return self.mem[self.base + offset]

    def set_reg(self, offset: int, value: int) -> None:
        self.mem[self.base + offset] = value & 0xFF


def ignore_write(a: int, v: int) -> None:
    """Write hook of a read-only register (or bits): the write has no effect."""
    return None
