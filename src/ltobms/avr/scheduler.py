"""Time for the emulated chip: a CPU cycle counter and a queue of timed peripheral events.

The CPU adds its cycles to `cycles` and, whenever `cycles >= next_cycle`, calls `run_due()`. While it
sleeps it jumps straight to `next_cycle` (nothing can change before the next event). Events are
anchored either to a cycle (peripherals on the CPU clock) or to a time in seconds (peripherals on
their own oscillator, e.g. the RTC on OSC32K): when the CPU clock changes, time-anchored events keep
their time and are re-converted to cycles.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

NEVER = 1 << 62


class Event:
    __slots__ = ("cycle", "time", "fn", "cancelled", "seq")

    def __init__(self, cycle: int, time: float | None, fn: Callable[[], None], seq: int) -> None:
        self.cycle = cycle
        self.time = time
        self.fn = fn
        self.cancelled = False
        self.seq = seq

    def __lt__(self, other: Event) -> bool:
        return (self.cycle, self.seq) < (other.cycle, other.seq)


class Scheduler:
    def __init__(self, freq_hz: float) -> None:
        self.cycles = 0
        self.freq_hz = float(freq_hz)
        self._t0 = 0.0
        self._c0 = 0
        self._heap: list[Event] = []
        self._seq = 0
        self.next_cycle = NEVER
        self.on_frequency_change: Callable[[], None] | None = None

    # --- clock ---------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Seconds since power-on."""
        return self._t0 + (self.cycles - self._c0) / self.freq_hz

    def cycle_at(self, t: float) -> int:
        """First CPU cycle at or after time `t` (seconds)."""
        return max(self.cycles, self._c0 + math.ceil((t - self._t0) * self.freq_hz - 1e-6))

    def set_frequency(self, hz: float) -> None:
        """The CPU clock changed (CLKCTRL): keep time continuous and move time-anchored events."""
        if hz == self.freq_hz:
            return
        self._t0 = self.time
        self._c0 = self.cycles
        self.freq_hz = float(hz)
        for ev in self._heap:
            if ev.time is not None:
                ev.cycle = self.cycle_at(ev.time)
        heapq.heapify(self._heap)
        self._update_next()
        if self.on_frequency_change is not None:
            self.on_frequency_change()

    # --- events --------------------------------------------------------------------------------
    def at_cycle(self, cycle: int, fn: Callable[[], None]) -> Event:
        return self._push(Event(max(cycle, self.cycles), None, fn, self._next_seq()))

    def after_cycles(self, n: int, fn: Callable[[], None]) -> Event:
        return self.at_cycle(self.cycles + n, fn)

    def at_time(self, t: float, fn: Callable[[], None]) -> Event:
        return self._push(Event(self.cycle_at(t), t, fn, self._next_seq()))

    def after_seconds(self, dt: float, fn: Callable[[], None]) -> Event:
        return self.at_time(self.time + dt, fn)

    def cancel(self, ev: Event | None) -> None:
        if ev is not None and not ev.cancelled:
            ev.cancelled = True
            # Drop cancelled events from the top so next_cycle stays exact.
            while self._heap and self._heap[0].cancelled:
                heapq.heappop(self._heap)
            self._update_next()

    def run_due(self) -> None:
        """Fire every event whose cycle has come, in order; events may schedule more."""
        heap = self._heap
        while heap and heap[0].cycle <= self.cycles:
            ev = heapq.heappop(heap)
            if not ev.cancelled:
                ev.cancelled = True  # fired: cancelling it later is a no-op
                ev.fn()
        self._update_next()

    def pending(self) -> int:
        return sum(1 for ev in self._heap if not ev.cancelled)

    def _push(self, ev: Event) -> Event:
        heapq.heappush(self._heap, ev)
        if ev.cycle < self.next_cycle:
            self.next_cycle = ev.cycle
        return ev

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _update_next(self) -> None:
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        self.next_cycle = heap[0].cycle if heap else NEVER
