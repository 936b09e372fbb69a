"""SLPCTRL: CTRLA (SEN, SMODE). The SLEEP instruction asks `mode()` which sleep it enters."""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

MODES = {0: "IDLE", 1: "STANDBY", 2: "PDOWN"}


class Slpctrl(Peripheral):
    def __init__(self, mcu, name: str = "SLPCTRL", base: int = 0x0050, **params) -> None:
        super().__init__(mcu, name, base, **params)
        self.data.hook(base, None, self._w_ctrla, f"{name}.CTRLA")

    def reset(self) -> None:
        self.set_reg(0, 0)

    def _w_ctrla(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x07

    def mode(self) -> str | None:
        """The sleep mode SLEEP enters now, or None when sleep is not enabled."""
        v = self.reg(0)
        if not v & 1:
            return None
        return MODES.get((v >> 1) & 3, "PDOWN")
