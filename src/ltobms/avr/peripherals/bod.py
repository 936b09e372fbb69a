"""BOD: brown-out detection from the BODCFG fuse (level, enabled in active/sleep). The supply comes
from `world.vdd(t)`; it is checked at reset, whenever the world calls `mcu.supply_changed()`, and
every `CHECK_S` of simulated time while enabled. Below the level the chip is held in reset (no
instruction runs, no timer counts); when the supply is back it starts afresh with RSTFR.BORF."""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral, ignore_write

CTRLA, CTRLB, VLMCTRLA, INTCTRL, INTFLAGS, STATUS = 0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B
LEVELS = {0: 1.8, 2: 2.6, 7: 4.2}  # BODLEVEL0/2/7, typical thresholds in volts
CHECK_S = 0.1


class Bod(Peripheral):
    def __init__(self, mcu, name: str = "BOD", base: int = 0x0080, **params) -> None:
        super().__init__(mcu, name, base, **params)
        d = self.data
        for off, reg in ((CTRLA, "CTRLA"), (CTRLB, "CTRLB"), (VLMCTRLA, "VLMCTRLA"), (INTCTRL, "INTCTRL"),
                         (INTFLAGS, "INTFLAGS"), (STATUS, "STATUS")):
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + CTRLA, None, ignore_write)  # loaded from the fuse; writable only under CCP (unmodelled)
        d.hook(base + CTRLB, None, ignore_write)
        d.hook(base + STATUS, None, ignore_write)
        self._event = None
        self.in_reset = False

    def reset(self) -> None:
        fuse = self.mcu.fuses[1]
        self.set_reg(CTRLA, fuse & 0x1F)
        self.set_reg(CTRLB, fuse >> 5)
        self.set_reg(STATUS, 0)
        self.sched.cancel(self._event)
        self._event = None
        if self.enabled():
            self._event = self.sched.after_seconds(CHECK_S, self._periodic)

    def enabled(self) -> bool:
        return (self.reg(CTRLA) >> 2) & 3 != 0

    def level(self) -> float:
        return LEVELS.get(self.reg(CTRLB) & 7, 1.8)

    def check(self) -> None:
        if not self.enabled():
            return
        low = self.mcu.world.vdd(self.sched.time) < self.level()
        self.set_reg(STATUS, 1 if not low else 0)
        if low and not self.mcu.held_in_reset:
            self.mcu.hold_in_reset("BORF")
        elif not low and self.mcu.held_in_reset:
            self.mcu.release_reset("BORF")

    def _periodic(self) -> None:
        self._event = None
        self.check()
        if self._event is None and self.enabled():
            self._event = self.sched.after_seconds(CHECK_S, self._periodic)
