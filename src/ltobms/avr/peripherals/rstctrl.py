"""RSTCTRL: RSTFR (reset causes, write 1 to clear) and SWRR (software reset, CCP-protected)."""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

RSTFR, SWRR = 0x00, 0x01
CAUSE_BITS = {"PORF": 0x01, "BORF": 0x02, "EXTRF": 0x04, "WDRF": 0x08, "SWRF": 0x10, "UPDIRF": 0x20}


class Rstctrl(Peripheral):
    def __init__(self, mcu, name: str = "RSTCTRL", base: int = 0x0040, **params) -> None:
        super().__init__(mcu, name, base, **params)
        self.data.hook(base + RSTFR, None, self._w_rstfr, f"{name}.RSTFR")
        self.data.hook(base + SWRR, lambda a: 0, self._w_swrr, f"{name}.SWRR")
        self.mem[base + RSTFR] = 0

    def reset(self) -> None:
        pass  # RSTFR survives resets; Mcu.reset records the cause

    def record(self, cause: str) -> None:
        a = self.base + RSTFR
        # A power-on reset clears the other flags (they are undefined before power-on).
        self.mem[a] = CAUSE_BITS[cause] if cause == "PORF" else self.mem[a] | CAUSE_BITS[cause]

    def _w_rstfr(self, a: int, v: int) -> None:
        self.mem[a] &= ~v & 0xFF

    def _w_swrr(self, a: int, v: int) -> None:
        if v & 1 and self.mcu.ccp_ioreg_open():
            # Reset from an event so the CPU loop sees the new PC.
            self.sched.after_cycles(0, lambda: self.mcu.reset("SWRF"))
