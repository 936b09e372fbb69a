"""CPUINT: which pending interrupt the CPU takes, and the level bookkeeping (STATUS LVL0EX/LVL1EX).

Peripherals drive request lines (`Mcu.set_irq`). Level 0: the lowest vector number wins (or round
robin from the last one taken with LVL0RR). Level 1: the one vector named in LVL1VEC, which may
interrupt a level-0 handler. RETI clears the highest active level. AVRxt does not clear the I bit
on entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ltobms.avr.errors import Unsupported

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.mcu import Mcu

CTRLA, STATUS, LVL0PRI, LVL1VEC = 0, 1, 2, 3
LVL0RR, CVT, IVSEL = 0x01, 0x20, 0x40
LVL0EX, LVL1EX, NMIEX = 0x01, 0x02, 0x80


class CpuInt:
    def __init__(self, mcu: Mcu, base: int = 0x0110) -> None:
        self.mcu = mcu
        self.base = base
        self.mem = mcu.data.mem
        self.lines = 0  # bit n set = vector n requested
        self.vector_words = mcu.device.VECTOR_SIZE_WORDS
        d = mcu.data
        d.map_plain(base, 4)
        d.hook(base + CTRLA, None, self._w_ctrla, "CPUINT.CTRLA")
        d.hook(base + STATUS, None, self._w_status, "CPUINT.STATUS")
        d.names[base + LVL0PRI] = "CPUINT.LVL0PRI"
        d.names[base + LVL1VEC] = "CPUINT.LVL1VEC"

    def reset(self) -> None:
        self.mem[self.base:self.base + 4] = bytes(4)

    def _w_ctrla(self, a: int, v: int) -> None:
        if not self.mcu.ccp_ioreg_open():
            return
        if v & (CVT | IVSEL):
            raise Unsupported("CPUINT.CTRLA: compact vector table / boot-section vectors", self.mcu.pc)
        self.mem[a] = v & (LVL0RR | CVT | IVSEL)

    def _w_status(self, a: int, v: int) -> None:
        return None  # read-only

    def set(self, vector: int, level: bool) -> None:
        if level:
            self.lines |= 1 << vector
        else:
            self.lines &= ~(1 << vector)

    def nmi_pending(self) -> bool:
        return False

    def take(self) -> int | None:
        """The vector to enter now (and mark its level active), or None."""
        mem, base = self.mem, self.base
        status = mem[base + STATUS]
        if status & LVL1EX:
            return None
        lines = self.lines
        lvl1 = mem[base + LVL1VEC]
        if lvl1 and lines & (1 << lvl1):
            mem[base + STATUS] = status | LVL1EX
            return lvl1
        if status & LVL0EX:
            return None
        l0 = lines & ~(1 << lvl1) if lvl1 else lines
        if not l0:
            return None
        if mem[base + CTRLA] & LVL0RR:
            start = mem[base + LVL0PRI] + 1
            rotated = [(v - start) % 64 for v in range(64) if l0 >> v & 1]
            vec = (min(rotated) + start) % 64
            mem[base + LVL0PRI] = vec
        else:
            vec = (l0 & -l0).bit_length() - 1
        mem[base + STATUS] = status | LVL0EX
        return vec

    def reti(self) -> None:
        a = self.base + STATUS
        s = self.mem[a]
        if s & NMIEX:
            s &= ~NMIEX
        elif s & LVL1EX:
            s &= ~LVL1EX
        else:
            s &= ~LVL0EX
        self.mem[a] = s

    def vector_address(self, vector: int) -> int:
        return vector * self.vector_words
