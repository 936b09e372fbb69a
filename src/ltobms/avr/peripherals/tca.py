"""TCA0 in single (16-bit) mode, counting up: normal and single-slope PWM timing (BOTTOM -> PER ->
BOTTOM), prescaler CLK_PER/1...1024, OVF at the wrap and CMPn when CNT reaches CMPn, interrupts through
INTCTRL/INTFLAGS, buffered PERBUF/CMPnBUF copied at the wrap (UPDATE condition), and the RESTART /
RESET / UPDATE commands. Waveform outputs on pins, dual-slope and frequency modes, split mode, counting
down and event inputs raise `Unsupported`. Runs in IDLE; in STANDBY only with RUNSTDBY.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.timer16 import Timer16

CTRLA, CTRLB, CTRLC, CTRLD, CTRLECLR, CTRLESET, CTRLFCLR, CTRLFSET = range(8)
EVCTRL, INTCTRL, INTFLAGS, DBGCTRL, TEMP = 0x09, 0x0A, 0x0B, 0x0E, 0x0F
CNT, PER, CMP0, PERBUF, CMP0BUF = 0x20, 0x26, 0x28, 0x36, 0x38
ENABLE, RUNSTDBY = 0x01, 0x80
OVF = 0x01
CMP_FLAGS = (0x10, 0x20, 0x40)
DIVS = (1, 2, 4, 8, 16, 64, 256, 1024)
WG_NORMAL, WG_SINGLESLOPE = 0, 3
PERBV, CMP_BV = 0x01, (0x02, 0x04, 0x08)
CMD_UPDATE, CMD_RESTART, CMD_RESET = 1, 2, 3
NAMES = {CTRLA: "CTRLA", CTRLB: "CTRLB", CTRLC: "CTRLC", CTRLD: "CTRLD", CTRLECLR: "CTRLECLR",
         CTRLESET: "CTRLESET", CTRLFCLR: "CTRLFCLR", CTRLFSET: "CTRLFSET", EVCTRL: "EVCTRL",
         INTCTRL: "INTCTRL", INTFLAGS: "INTFLAGS", DBGCTRL: "DBGCTRL", TEMP: "TEMP"}
WORDS = {CNT: "CNT", PER: "PER", CMP0: "CMP0", CMP0 + 2: "CMP1", CMP0 + 4: "CMP2", PERBUF: "PERBUF",
         CMP0BUF: "CMP0BUF", CMP0BUF + 2: "CMP1BUF", CMP0BUF + 4: "CMP2BUF"}


class Tca(Timer16):
    """params: vectors (OVF, CMP0, CMP1, CMP2)."""

    RUNSTDBY_MASK = RUNSTDBY

    TEMP = TEMP

    def __init__(self, mcu, name: str = "TCA0", base: int = 0x0A00, vectors: tuple = (8, 10, 11, 12)) -> None:
        super().__init__(mcu, name, base)
        self.v_ovf, *self.v_cmp = vectors
        d = self.data
        for off, reg in NAMES.items():
            d.hook(base + off, None, None, f"{name}.{reg}")
        for off, reg in WORDS.items():
            d.hook(base + off, self.read_low, self.write_temp, f"{name}.{reg}L")
            d.hook(base + off + 1, self.read_temp, self._w_high, f"{name}.{reg}H")
        d.hook(base + CNT, self._r_cnt, self.write_temp)
        d.hook(base + CTRLA, None, self._w_ctrla)
        d.hook(base + CTRLB, None, self._w_ctrlb)
        d.hook(base + CTRLD, None, self._w_ctrld)
        d.hook(base + CTRLESET, self._r_ctrle, self._w_ctrleset)
        d.hook(base + CTRLECLR, self._r_ctrle, self._w_ctrleclr)
        d.hook(base + CTRLFSET, self._r_ctrlf, self._w_ctrlfset)
        d.hook(base + CTRLFCLR, self._r_ctrlf, self._w_ctrlfclr)
        d.hook(base + EVCTRL, None, self._w_evctrl)
        d.hook(base + INTCTRL, None, self._w_intctrl)
        d.hook(base + INTFLAGS, None, self._w_intflags)
        self._init_counter()
        self._ctrle = 0
        self._ctrlf = 0
        self._asleep = False
        self.listeners: list = []  # peripherals clocked from CLK_TCA (TCB with CLKSEL=TCA0)

    def reset(self) -> None:
        self.sched.cancel(self._event)
        self._init_counter()
        self.mem[self.base:self.base + 0x40] = bytes(0x40)
        self.set_word(PER, 0xFFFF)
        self.set_word(PERBUF, 0xFFFF)
        self._ctrle = self._ctrlf = 0
        self._asleep = False
        self._irq()

    # --- clock ---------------------------------------------------------------------------------------
    def enabled(self) -> bool:
        return bool(self.reg(CTRLA) & ENABLE)

    def divider(self) -> int:
        return DIVS[(self.reg(CTRLA) >> 1) & 7]

    def ticking(self) -> bool:
        return self.enabled() and not self._asleep

    def _restart_clock(self, value: int | None = None) -> None:
        self.set_counting(self.ticking(), self.divider(), value)
        for p in self.listeners:
            p.clock_source_changed()

    # --- counter -------------------------------------------------------------------------------------
    def top(self) -> int:
        return self.word(PER)

    def compares(self) -> tuple[int, ...]:
        return tuple(self.word(CMP0 + 2 * i) for i in range(3))

    def on_step(self, value: int, wrapped: bool) -> None:
        flags = self.reg(INTFLAGS)
        if wrapped:
            flags |= OVF
            self._update_buffers()
        for i, c in enumerate(self.compares()):
            if value == c:
                flags |= CMP_FLAGS[i]
        self.set_reg(INTFLAGS, flags)
        self._irq()

    def _update_buffers(self) -> None:
        if self._ctrlf & PERBV:
            self.set_word(PER, self.word(PERBUF))
        for i in range(3):
            if self._ctrlf & CMP_BV[i]:
                self.set_word(CMP0 + 2 * i, self.word(CMP0BUF + 2 * i))
        self._ctrlf = 0

    def _irq(self) -> None:
        flags, en = self.reg(INTFLAGS), self.reg(INTCTRL)
        self.mcu.set_irq(self.v_ovf, bool(flags & en & OVF))
        for i, v in enumerate(self.v_cmp):
            self.mcu.set_irq(v, bool(flags & en & CMP_FLAGS[i]))

    # --- registers -----------------------------------------------------------------------------------
    def _r_cnt(self, a: int) -> int:
        return self.read16_low(self.count())

    def _w_high(self, a: int, v: int) -> None:
        off = a - 1 - self.base
        value = (v << 8) | self.reg(TEMP)
        if off == CNT:
            self.set_word(CNT, value)
            self._restart_clock(value)
            return
        self.set_word(off, value)
        if off >= PERBUF:  # a buffer: copied at the next UPDATE condition
            self._ctrlf |= PERBV if off == PERBUF else CMP_BV[(off - CMP0BUF) // 2]
        self.set_counting(self.ticking(), self.divider())

    def _w_ctrla(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x8F
        self._restart_clock()

    def _w_ctrlb(self, a: int, v: int) -> None:
        if v & 0x70:
            raise Unsupported(f"{self.name}.CTRLB: waveform outputs on pins (CMPnEN)", self.mcu.pc)
        if v & 7 not in (WG_NORMAL, WG_SINGLESLOPE):
            raise Unsupported(f"{self.name}.CTRLB: waveform mode {v & 7} (only normal / single-slope)",
                              self.mcu.pc)
        self.mem[a] = v

    def _w_ctrld(self, a: int, v: int) -> None:
        if v & 1:
            raise Unsupported(f"{self.name}: split mode", self.mcu.pc)
        self.mem[a] = v

    def _r_ctrle(self, a: int) -> int:
        return self._ctrle

    def _w_ctrleset(self, a: int, v: int) -> None:
        if v & 0x01:
            raise Unsupported(f"{self.name}: counting down (CTRLE.DIR)", self.mcu.pc)
        self._ctrle |= v & 0x02  # LUPD: stored; buffered updates are not locked
        cmd = (v >> 2) & 3
        if cmd == CMD_UPDATE:
            self._update_buffers()
        elif cmd == CMD_RESTART:
            self._restart_clock(0)
        elif cmd == CMD_RESET:
            if self.enabled():
                return  # the datasheet allows a hard reset only while disabled
            self.reset()

    def _w_ctrleclr(self, a: int, v: int) -> None:
        self._ctrle &= ~v & 0xFF

    def _r_ctrlf(self, a: int) -> int:
        return self._ctrlf

    def _w_ctrlfset(self, a: int, v: int) -> None:
        self._ctrlf |= v & 0x0F

    def _w_ctrlfclr(self, a: int, v: int) -> None:
        self._ctrlf &= ~v & 0xFF

    def _w_evctrl(self, a: int, v: int) -> None:
        if v & 0x11:
            raise Unsupported(f"{self.name}: event inputs (EVCTRL)", self.mcu.pc)
        self.mem[a] = v

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x71
        self._irq()
