"""What TCA0 and TCB0 share: a 16-bit up-counter on the CPU clock (divided by a prescaler) that
restarts at 0 after TOP, the TEMP register that makes 16-bit accesses atomic, and one scheduled event
at the next step anything happens (the wrap or a compare match) — the counter is computed from the
cycle count when read, never ticked.
"""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

MAX = 0xFFFF


class Timer16(Peripheral):
    """Subclasses set `TEMP` (offset), call `_init_counter()`, and implement `top()`,
    `compares()` and `on_step(value, wrapped)`."""

    TEMP = 0

    def _init_counter(self) -> None:
        self._running = False
        self._div = 1
        self._v0 = 0  # counter value at cycle _c0
        self._c0 = 0
        self._event = None

    # --- what subclasses define ----------------------------------------------------------------------
    def top(self) -> int:
        raise NotImplementedError

    def compares(self) -> tuple[int, ...]:
        """Counter values whose arrival must be seen (compare matches)."""
        return ()

    def on_step(self, value: int, wrapped: bool) -> None:
        """The counter arrived at `value` (`wrapped`: it passed TOP -> 0 on the way)."""

    # --- the counter ----------------------------------------------------------------------------------
    def _to_wrap(self, v: int) -> int:
        top = self.top()
        return top - v + 1 if v <= top else MAX - v + 1  # above TOP it runs to MAX first

    def count(self) -> int:
        if not self._running:
            return self._v0
        steps = (self.sched.cycles - self._c0) // self._div
        to_wrap = self._to_wrap(self._v0)
        if steps < to_wrap:
            return self._v0 + steps
        return (steps - to_wrap) % (self.top() + 1)

    def set_counting(self, running: bool, div: int, value: int | None = None) -> None:
        """(Re)start or stop counting from the current (or a given) value. Without a new value a
        running counter keeps its prescaler phase (a TOP or compare change does not delay the next
        step)."""
        now = self.sched.cycles
        c0 = now
        if value is None and self._running and running and div == self._div:
            c0 = self._c0 + (now - self._c0) // div * div
        v = self.count() if value is None else value
        self._v0, self._c0 = v & MAX, c0
        self._running, self._div = running, div
        self._schedule()

    def _schedule(self) -> None:
        self.sched.cancel(self._event)
        self._event = None
        if not self._running:
            return
        v, top = self._v0, self.top()
        to_wrap = self._to_wrap(v)
        steps = [to_wrap]
        for c in self.compares():
            if v < c <= (top if v <= top else MAX):
                steps.append(c - v)
            elif c <= top:
                steps.append(to_wrap + c if c else to_wrap)
        k = min(s for s in steps if s > 0)
        self._event = self.sched.at_cycle(self._c0 + k * self._div, self._fire)

    def _fire(self) -> None:
        self._event = None
        steps = (self.sched.cycles - self._c0) // self._div
        wrapped = steps >= self._to_wrap(self._v0)
        v = self.count()
        self._v0, self._c0 = v, self.sched.cycles
        self.on_step(v, wrapped)
        self._schedule()

    # --- 16-bit registers through TEMP --------------------------------------------------------------
    def read16_low(self, value: int) -> int:
        self.set_reg(self.TEMP, value >> 8)
        return value & 0xFF

    def read_low(self, a: int) -> int:
        """Low byte of a 16-bit register other than CNT: the high byte goes to TEMP."""
        return self.read16_low(self.word(a - self.base))

    def read_temp(self, a: int) -> int:
        return self.reg(self.TEMP)

    def write_temp(self, a: int, v: int) -> None:
        self.set_reg(self.TEMP, v)

    def word(self, off: int) -> int:
        return self.reg(off) | (self.reg(off + 1) << 8)

    def set_word(self, off: int, v: int) -> None:
        self.set_reg(off, v & 0xFF)
        self.set_reg(off + 1, v >> 8)

    # CTRLA (offset 0 in TCA and TCB) bit that keeps the timer counting in STANDBY; set by each timer.
    RUNSTDBY_MASK = 0

    def sleep_changed(self, mode: str | None) -> None:
        """Counts in IDLE; in STANDBY only with RUNSTDBY; never in POWER-DOWN."""
        asleep = mode in ("STANDBY", "PDOWN") and not (mode == "STANDBY" and self.reg(0) & self.RUNSTDBY_MASK)
        if asleep != self._asleep:
            self._asleep = asleep
            self._restart_clock()

    def _restart_clock(self, value: int | None = None) -> None:
        raise NotImplementedError

    def _irq(self) -> None:
        """Drive the interrupt lines from INTFLAGS and INTCTRL (each timer knows its own)."""
        raise NotImplementedError

    def _w_intflags(self, a: int, v: int) -> None:
        """INTFLAGS: writing 1 clears a flag."""
        self.mem[a] &= ~v & 0xFF
        self._irq()
