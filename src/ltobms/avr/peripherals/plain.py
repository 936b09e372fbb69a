"""Register blocks the firmware may configure but whose effect the emulator does not need to model
beyond reading back what was written (VREF, PORTMUX), and read-only identification (SYSCFG)."""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral, ignore_write


class Plain(Peripheral):
    """params: registers (name -> offset), reset (offset -> value), readonly (offsets)."""

    def __init__(self, mcu, name: str, base: int, registers: dict | None = None, reset: dict | None = None,
                 readonly: tuple = ()) -> None:
        super().__init__(mcu, name, base)
        self.registers = registers or {}
        self.reset_values = reset or {}
        for reg, off in self.registers.items():
            write = ignore_write if off in readonly else None
            self.data.hook(base + off, None, write, f"{name}.{reg}")

    def reset(self) -> None:
        for off in self.registers.values():
            self.set_reg(off, self.reset_values.get(off, 0))
