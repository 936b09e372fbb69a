"""WDT: a period (and optional closed window) on the 1.024 kHz ULP clock, set by the WDTCFG fuse at
reset (which also locks it) or by CTRLA under CCP protection. WDR restarts the period; expiry, or a
WDR inside the closed window, resets the chip with WDRF."""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

CTRLA, STATUS = 0, 1
SYNCBUSY, LOCK = 0x01, 0x80
CLOCK_HZ = 1024.0
CYCLES = [0, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]


def period_s(code: int) -> float | None:
    code &= 0xF
    if code == 0 or code >= len(CYCLES):
        return None
    return CYCLES[code] / CLOCK_HZ


class Wdt(Peripheral):
    def __init__(self, mcu, name: str = "WDT", base: int = 0x0100, **params) -> None:
        super().__init__(mcu, name, base, **params)
        self.data.hook(base + CTRLA, None, self._w_ctrla, f"{name}.CTRLA")
        self.data.hook(base + STATUS, None, self._w_status, f"{name}.STATUS")
        self.data.unmap(base + 2, 2)
        self._event = None
        self._last_wdr = 0.0
        self.expiries = 0

    def reset(self) -> None:
        fuse = self.mcu.fuses[0]
        self.set_reg(CTRLA, fuse)
        self.set_reg(STATUS, LOCK if fuse & 0x0F else 0)
        self._restart()

    def _w_ctrla(self, a: int, v: int) -> None:
        if self.reg(STATUS) & LOCK or not self.mcu.ccp_ioreg_open():
            return
        self.mem[a] = v
        self._restart()

    def _w_status(self, a: int, v: int) -> None:
        # LOCK can be set by software (under CCP) but never cleared except by reset.
        if v & LOCK and self.mcu.ccp_ioreg_open():
            self.mem[a] |= LOCK

    def _restart(self) -> None:
        self.sched.cancel(self._event)
        self._event = None
        self._last_wdr = self.sched.time
        p = period_s(self.reg(CTRLA))
        window = period_s(self.reg(CTRLA) >> 4)
        if p is not None:
            self._event = self.sched.after_seconds(p + (window or 0.0), self._expire)

    def wdr(self) -> None:
        window = period_s(self.reg(CTRLA) >> 4)
        if window is not None and self.sched.time - self._last_wdr < window:
            self._expire()  # too early: inside the closed window
            return
        if self._event is not None:
            self._restart()

    def _expire(self) -> None:
        self._event = None
        if self.mcu.held_in_reset:
            return  # nothing counts while the chip is held in reset; the release re-arms it
        self.expiries += 1
        self.mcu.reset("WDRF")
