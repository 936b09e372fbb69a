"""TCB in periodic interrupt mode: CNT counts CLK_PER/1, CLK_PER/2 or CLK_TCA (TCA0's prescaled clock,
only while TCA0 is enabled) up to CCMP, then CAPT is set and the count restarts at 0. Interrupt
through INTCTRL/INTFLAGS; STATUS.RUN while counting. The other count modes, the pin output and event
inputs raise `Unsupported`. Runs in IDLE; in STANDBY only with RUNSTDBY.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import ignore_write
from ltobms.avr.peripherals.timer16 import Timer16

CTRLA, CTRLB, EVCTRL, INTCTRL, INTFLAGS, STATUS, DBGCTRL, TEMP, CNT, CCMP = (
    0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0C)
ENABLE, RUNSTDBY = 0x01, 0x40
CAPT = 0x01
CLK_DIV1, CLK_DIV2, CLK_TCA = 0, 1, 2
MODE_INT = 0
NAMES = {CTRLA: "CTRLA", CTRLB: "CTRLB", EVCTRL: "EVCTRL", INTCTRL: "INTCTRL", INTFLAGS: "INTFLAGS",
         STATUS: "STATUS", DBGCTRL: "DBGCTRL", TEMP: "TEMP"}


class Tcb(Timer16):
    """params: vector (TCBn_INT)."""

    RUNSTDBY_MASK = RUNSTDBY

    TEMP = TEMP

    def __init__(self, mcu, name: str = "TCB0", base: int = 0x0A80, vector: int = 13) -> None:
        super().__init__(mcu, name, base)
        self.vector = vector
        d = self.data
        for off, reg in NAMES.items():
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + CNT, self._r_cnt, self.write_temp, f"{name}.CNTL")
        d.hook(base + CNT + 1, self.read_temp, self._w_high, f"{name}.CNTH")
        d.hook(base + CCMP, self.read_low, self.write_temp, f"{name}.CCMPL")
        d.hook(base + CCMP + 1, self.read_temp, self._w_high, f"{name}.CCMPH")
        d.hook(base + CTRLA, None, self._w_ctrla)
        d.hook(base + CTRLB, None, self._w_ctrlb)
        d.hook(base + EVCTRL, None, self._w_evctrl)
        d.hook(base + INTCTRL, None, self._w_intctrl)
        d.hook(base + INTFLAGS, None, self._w_intflags)
        d.hook(base + STATUS, self._r_status, ignore_write)
        self._init_counter()
        self._asleep = False
        self._registered = False

    def reset(self) -> None:
        self.sched.cancel(self._event)
        self._init_counter()
        self.mem[self.base:self.base + 0x0E] = bytes(0x0E)
        self._asleep = False
        self.mcu.set_irq(self.vector, False)

    # --- clock ---------------------------------------------------------------------------------------
    def _tca(self):  # noqa: ANN202 - the TCA0 model, if the device has one
        tca = self.mcu.peripherals.get("TCA0")
        if tca is not None and not self._registered:
            tca.listeners.append(self)
            self._registered = True
        return tca

    def _clock(self) -> tuple[bool, int]:
        """(counting, CPU cycles per count)."""
        a = self.reg(CTRLA)
        if not a & ENABLE or self._asleep:
            return False, 1
        sel = (a >> 1) & 7
        if sel == CLK_DIV1:
            return True, 1
        if sel == CLK_DIV2:
            return True, 2
        if sel == CLK_TCA:
            tca = self._tca()
            if tca is None:
                raise Unsupported(f"{self.name}: CLKSEL=TCA0 without a TCA0", self.mcu.pc)
            return tca.ticking(), tca.divider()
        raise Unsupported(f"{self.name}.CTRLA: CLKSEL {sel} (event / reserved)", self.mcu.pc)

    def _restart_clock(self, value: int | None = None) -> None:
        running, div = self._clock()
        self.set_counting(running, div, value)

    def clock_source_changed(self) -> None:
        """TCA0 was enabled, disabled or re-prescaled."""
        if (self.reg(CTRLA) >> 1) & 7 == CLK_TCA:
            self._restart_clock()

    # --- counter -------------------------------------------------------------------------------------
    def top(self) -> int:
        return self.word(CCMP)

    def on_step(self, value: int, wrapped: bool) -> None:
        if wrapped:
            self.set_reg(INTFLAGS, self.reg(INTFLAGS) | CAPT)
            self._irq()

    def _irq(self) -> None:
        self.mcu.set_irq(self.vector, bool(self.reg(INTFLAGS) & self.reg(INTCTRL) & CAPT))

    # --- registers -----------------------------------------------------------------------------------
    def _r_cnt(self, a: int) -> int:
        return self.read16_low(self.count())

    def _r_status(self, a: int) -> int:
        return 1 if self._running else 0

    def _w_high(self, a: int, v: int) -> None:
        off = a - 1 - self.base
        value = (v << 8) | self.reg(TEMP)
        self.set_word(off, value)
        self._restart_clock(value if off == CNT else None)

    def _w_ctrla(self, a: int, v: int) -> None:
        if v & 0x20:
            raise Unsupported(f"{self.name}.CTRLA: cascade", self.mcu.pc)
        self.mem[a] = v
        self._restart_clock()

    def _w_ctrlb(self, a: int, v: int) -> None:
        if v & 7 != MODE_INT:
            raise Unsupported(f"{self.name}.CTRLB: count mode {v & 7} (only periodic interrupt)", self.mcu.pc)
        if v & 0x10:
            raise Unsupported(f"{self.name}.CTRLB: pin output (CCMPEN)", self.mcu.pc)
        self.mem[a] = v

    def _w_evctrl(self, a: int, v: int) -> None:
        if v & 1:
            raise Unsupported(f"{self.name}: event input (EVCTRL.CAPTEI)", self.mcu.pc)
        self.mem[a] = v

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x03
        self._irq()
