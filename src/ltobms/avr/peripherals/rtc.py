"""RTC: a 16-bit counter with period and compare, and the periodic interrupt timer (PIT), both on
the 32.768 kHz (or 1.024 kHz) internal oscillator. Nothing ticks per clock: the counter value is
computed from time when read, and the next overflow/compare/PIT instant is one scheduled event.
The PIT runs in every sleep mode; the counter counts while awake and in IDLE, in STANDBY only with
CTRLA.RUNSTDBY, never in POWER-DOWN (it holds its value and goes on at wake-up). Writes to
CTRLA/PITCTRLA/CNT/PER/CMP keep the matching STATUS busy bit set for two RTC clock cycles, as the
clock-domain synchronisation does.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write

CTRLA, STATUS, INTCTRL, INTFLAGS, TEMP, DBGCTRL, CALIB, CLKSEL = range(8)
CNT, PER, CMP = 0x08, 0x0A, 0x0C
PITCTRLA, PITSTATUS, PITINTCTRL, PITINTFLAGS, PITDBGCTRL = 0x10, 0x11, 0x12, 0x13, 0x15
OVF, CMPF = 0x01, 0x02
RTCEN, RUNSTDBY = 0x01, 0x80
CLOCKS = {0: 32_768.0, 1: 1_024.0}
SYNC_CYCLES = 2  # RTC clock cycles a write takes to reach the RTC domain
VEC_CNT, VEC_PIT = 3, 4


class Rtc(Peripheral):
    def __init__(self, mcu, name: str = "RTC", base: int = 0x0140, **params) -> None:
        super().__init__(mcu, name, base, **params)
        d = self.data
        regs = {CTRLA: "CTRLA", STATUS: "STATUS", INTCTRL: "INTCTRL", INTFLAGS: "INTFLAGS", TEMP: "TEMP",
                DBGCTRL: "DBGCTRL", CALIB: "CALIB", CLKSEL: "CLKSEL", CNT: "CNTL", CNT + 1: "CNTH",
                PER: "PERL", PER + 1: "PERH", CMP: "CMPL", CMP + 1: "CMPH", PITCTRLA: "PITCTRLA",
                PITSTATUS: "PITSTATUS", PITINTCTRL: "PITINTCTRL", PITINTFLAGS: "PITINTFLAGS",
                PITDBGCTRL: "PITDBGCTRL"}
        for off, reg in regs.items():
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + CTRLA, None, self._w_ctrla)
        d.hook(base + STATUS, self._r_status, ignore_write)
        d.hook(base + INTCTRL, None, self._w_intctrl)
        d.hook(base + INTFLAGS, None, self._w_intflags)
        d.hook(base + CLKSEL, None, self._w_clksel)
        d.hook(base + CNT, self._r_cnt_l, self._w16_low)
        d.hook(base + CNT + 1, self._r_temp, lambda a, v: self._w16_high(CNT, v))
        d.hook(base + PER, None, self._w16_low)
        d.hook(base + PER + 1, None, lambda a, v: self._w16_high(PER, v))
        d.hook(base + CMP, None, self._w16_low)
        d.hook(base + CMP + 1, None, lambda a, v: self._w16_high(CMP, v))
        d.hook(base + PITCTRLA, None, self._w_pitctrla)
        d.hook(base + PITSTATUS, self._r_pitstatus, ignore_write)
        d.hook(base + PITINTCTRL, None, self._w_pitintctrl)
        d.hook(base + PITINTFLAGS, None, self._w_pitintflags)
        self._busy_until = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}
        self._pit_busy_until = 0.0
        self._pit_event = None
        self._cnt_event = None
        self._cnt_t0 = 0.0
        self._cnt_v0 = 0
        self._halted = False  # stopped by the sleep mode

    def reset(self) -> None:
        self.sched.cancel(self._pit_event)
        self.sched.cancel(self._cnt_event)
        self._pit_event = self._cnt_event = None
        self.mem[self.base:self.base + 0x16] = bytes(0x16)
        self.set_reg(PER, 0xFF)
        self.set_reg(PER + 1, 0xFF)
        self._busy_until = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}
        self._pit_busy_until = 0.0
        self._cnt_t0, self._cnt_v0 = 0.0, 0
        self._halted = False
        self.mcu.set_irq(VEC_CNT, False)
        self.mcu.set_irq(VEC_PIT, False)

    # --- clock ------------------------------------------------------------------------------------
    def clock_hz(self) -> float:
        sel = self.reg(CLKSEL) & 3
        if sel not in CLOCKS:
            raise Unsupported("RTC.CLKSEL: external 32 kHz crystal / clock", self.mcu.pc)
        return CLOCKS[sel]

    def _sync_time(self) -> float:
        return SYNC_CYCLES / self.clock_hz()

    # --- status -----------------------------------------------------------------------------------
    def _r_status(self, a: int) -> int:
        t = self.sched.time
        return sum(1 << bit for bit, until in self._busy_until.items() if t < until)

    def _r_pitstatus(self, a: int) -> int:
        return 1 if self.sched.time < self._pit_busy_until else 0

    def _busy(self, bit: int) -> None:
        self._busy_until[bit] = self.sched.time + self._sync_time()

    # --- counter ------------------------------------------------------------------------------------
    def _running(self) -> bool:
        return bool(self.reg(CTRLA) & RTCEN) and not self._halted

    def sleep_changed(self, mode: str | None) -> None:
        halted = mode == "PDOWN" or (mode == "STANDBY" and not self.reg(CTRLA) & RUNSTDBY)
        if halted != self._halted:
            value = self.counter()
            self._halted = halted
            self._rebase(value)

    def _tick_hz(self) -> float:
        return self.clock_hz() / (1 << ((self.reg(CTRLA) >> 3) & 0xF))

    def _word(self, off: int) -> int:
        return self.reg(off) | (self.reg(off + 1) << 8)

    def counter(self) -> int:
        if not self._running():
            return self._cnt_v0
        ticks = int((self.sched.time - self._cnt_t0) * self._tick_hz() + 1e-9)
        per = self._word(PER)
        return (self._cnt_v0 + ticks) % (per + 1)

    def _rebase(self, value: int | None = None) -> None:
        v = self.counter() if value is None else value
        self._cnt_v0, self._cnt_t0 = v, self.sched.time
        self._schedule_cnt()

    def _schedule_cnt(self) -> None:
        self.sched.cancel(self._cnt_event)
        self._cnt_event = None
        if not self._running():
            return
        per, cmp_, v = self._word(PER), self._word(CMP), self._cnt_v0
        tick = 1.0 / self._tick_hz()
        to_ovf = per - v + 1
        to_cmp = (cmp_ - v) % (per + 1) or (per + 1)
        n = min(to_ovf, to_cmp)
        self._cnt_event = self.sched.at_time(self._cnt_t0 + n * tick, lambda: self._cnt_fire(n))

    def _cnt_fire(self, n: int) -> None:
        per, cmp_ = self._word(PER), self._word(CMP)
        v = (self._cnt_v0 + n) % (per + 1)
        flags = self.reg(INTFLAGS)
        if v == 0:
            flags |= OVF
        if v == cmp_:
            flags |= CMPF
        self.set_reg(INTFLAGS, flags)
        self._cnt_v0, self._cnt_t0 = v, self.sched.time
        self._cnt_irq()
        self._schedule_cnt()

    def _cnt_irq(self) -> None:
        self.mcu.set_irq(VEC_CNT, bool(self.reg(INTFLAGS) & self.reg(INTCTRL) & 3))

    def _r_cnt_l(self, a: int) -> int:
        v = self.counter()
        self.set_reg(TEMP, v >> 8)
        return v & 0xFF

    def _r_temp(self, a: int) -> int:
        return self.reg(TEMP)

    def _w16_low(self, a: int, v: int) -> None:
        self.set_reg(TEMP, v)

    def _w16_high(self, off: int, v: int) -> None:
        low = self.reg(TEMP)
        self.set_reg(off, low)
        self.set_reg(off + 1, v)
        if off == CNT:
            self._busy(1)
            self._rebase((v << 8) | low)
        else:
            self._busy(2 if off == PER else 3)
            self._rebase()

    def _w_ctrla(self, a: int, v: int) -> None:
        was = self.counter()
        self.mem[a] = v
        self._busy(0)
        self._rebase(was)

    def _w_clksel(self, a: int, v: int) -> None:
        self.mem[a] = v & 3
        self.clock_hz()  # raises for unsupported sources
        self._restart_pit()

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 3
        self._cnt_irq()

    def _w_intflags(self, a: int, v: int) -> None:
        self.mem[a] &= ~v & 0xFF
        self._cnt_irq()

    # --- PIT --------------------------------------------------------------------------------------
    def pit_period_s(self) -> float | None:
        ctrl = self.reg(PITCTRLA)
        period = (ctrl >> 3) & 0xF
        if not ctrl & 1 or period == 0 or period > 14:
            return None
        return (1 << (period + 1)) / self.clock_hz()

    def _w_pitctrla(self, a: int, v: int) -> None:
        self.mem[a] = v
        self._pit_busy_until = self.sched.time + self._sync_time()
        self._restart_pit()

    def _restart_pit(self) -> None:
        self.sched.cancel(self._pit_event)
        self._pit_event = None
        period = self.pit_period_s()
        if period is not None:
            start = self.sched.time + self._sync_time()
            self._pit_event = self.sched.at_time(start + period, self._pit_fire)

    def _pit_fire(self) -> None:
        self.set_reg(PITINTFLAGS, 1)
        self._pit_irq()
        period = self.pit_period_s()
        if period is not None:
            t = self._pit_event.time + period if self._pit_event else self.sched.time + period
            self._pit_event = self.sched.at_time(t, self._pit_fire)

    def _pit_irq(self) -> None:
        self.mcu.set_irq(VEC_PIT, bool(self.reg(PITINTFLAGS) & self.reg(PITINTCTRL) & 1))

    def _w_pitintctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 1
        self._pit_irq()

    def _w_pitintflags(self, a: int, v: int) -> None:
        self.mem[a] &= ~v & 0xFF
        self._pit_irq()


