"""AC0: the analog comparator. CMPSTATE is the sign of V(positive input) - V(negative input), the inputs
being the world's pin voltages or DACREF (DACREF/256 of the VREF.CTRLA AC0REFSEL reference), with the
selected hysteresis and the INVERT option. CMPIF is set on the edge INTMODE selects and raises the AC
interrupt through INTCTRL.CMP.

The world does not announce analog changes, so the comparator looks at its inputs whenever STATUS is
read, whenever a register changes, when the board calls `Mcu.analog_changed()`, and every `poll_s`
seconds while its interrupt is enabled (only then can an unread change matter). It runs awake, in
IDLE, and in STANDBY with RUNSTDBY. The pin output (OUTEN) is not modelled and raises `Unsupported`.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral

CTRLA, MUXCTRLA, DACREF, INTCTRL, STATUS = 0x00, 0x02, 0x04, 0x06, 0x07
ENABLE, OUTEN, RUNSTDBY = 0x01, 0x40, 0x80
INVERT = 0x80
CMPIF, CMPSTATE = 0x01, 0x10
HYSTERESIS_V = (0.0, 0.010, 0.025, 0.050)
INT_BOTH, INT_NEG, INT_POS = 0, 2, 3
MUXNEG_DACREF = 3
AC_REFS = {0: 1.024, 1: 2.048, 2: 2.5, 3: 4.096}
VREF_CTRLA = 0x00A0
DEFAULT_POLL_S = 1e-3


class Ac(Peripheral):
    """params: vector (AC0_AC), pos / neg (MUXPOS / MUXNEG value -> pin name), poll_s."""

    def __init__(self, mcu, name: str = "AC0", base: int = 0x0680, vector: int = 20,
                 pos: dict | None = None, neg: dict | None = None, poll_s: float = DEFAULT_POLL_S) -> None:
        super().__init__(mcu, name, base)
        self.vector = vector
        self.pos_pins = pos or {}
        self.neg_pins = neg or {}
        self.poll_s = poll_s
        d = self.data
        d.hook(base + CTRLA, None, self._w_ctrla, f"{name}.CTRLA")
        d.hook(base + MUXCTRLA, None, self._w_reg, f"{name}.MUXCTRLA")
        d.hook(base + DACREF, None, self._w_reg, f"{name}.DACREF")
        d.hook(base + INTCTRL, None, self._w_intctrl, f"{name}.INTCTRL")
        d.hook(base + STATUS, self._r_status, self._w_status, f"{name}.STATUS")
        self._poll = None
        self._asleep = False

    def reset(self) -> None:
        self.sched.cancel(self._poll)
        self._poll = None
        for off in (CTRLA, MUXCTRLA, INTCTRL, STATUS):
            self.set_reg(off, 0)
        self.set_reg(DACREF, 0xFF)
        self._asleep = False
        self.mcu.set_irq(self.vector, False)

    # --- comparison ----------------------------------------------------------------------------------
    def running(self) -> bool:
        return bool(self.reg(CTRLA) & ENABLE) and not self._asleep

    def _dacref_v(self) -> float:
        sel = self.mem[VREF_CTRLA] & 7
        ref = self.mcu.world.vdd(self.sched.time) if sel == 7 else AC_REFS.get(sel)
        if ref is None:
            raise Unsupported(f"VREF.CTRLA AC0REFSEL={sel} (reserved)", self.mcu.pc)
        return self.reg(DACREF) / 256 * ref

    def _input(self, table: dict, sel: int, kind: str) -> float:
        pin = table.get(sel)
        if pin is None:
            raise Unsupported(f"{self.name}.MUXCTRLA: {kind} input {sel} (not on this device)", self.mcu.pc)
        return self.mcu.world.analog(pin, self.sched.time)

    def check(self) -> None:
        """Compare now; update CMPSTATE and raise CMPIF on the selected edge."""
        if not self.running():
            return
        mux = self.reg(MUXCTRLA)
        vp = self._input(self.pos_pins, (mux >> 3) & 3, "positive")
        nsel = mux & 3
        vn = self._dacref_v() if nsel == MUXNEG_DACREF else self._input(self.neg_pins, nsel, "negative")
        status = self.reg(STATUS)
        old = 1 if status & CMPSTATE else 0
        raw_old = old ^ (1 if mux & INVERT else 0)
        half = HYSTERESIS_V[(self.reg(CTRLA) >> 1) & 3] / 2
        diff = vp - vn
        raw = raw_old
        if diff > half:
            raw = 1
        elif diff < -half:
            raw = 0
        new = raw ^ (1 if mux & INVERT else 0)
        if new != old:
            mode = (self.reg(CTRLA) >> 4) & 3
            edge = mode == INT_BOTH or (mode == INT_POS and new) or (mode == INT_NEG and not new)
            status = (status & ~CMPSTATE) | (CMPSTATE if new else 0)
            if edge:
                status |= CMPIF
            self.set_reg(STATUS, status)
            self._irq()

    check_analog = check  # Mcu.analog_changed()

    def _irq(self) -> None:
        self.mcu.set_irq(self.vector, bool(self.reg(STATUS) & self.reg(INTCTRL) & CMPIF))

    def _schedule_poll(self) -> None:
        self.sched.cancel(self._poll)
        self._poll = None
        if self.running() and self.reg(INTCTRL) & 1:
            self._poll = self.sched.after_seconds(self.poll_s, self._poll_fire)

    def _poll_fire(self) -> None:
        self._poll = None
        self.check()
        self._schedule_poll()

    def sleep_changed(self, mode: str | None) -> None:
        asleep = mode in ("STANDBY", "PDOWN") and not (mode == "STANDBY" and self.reg(CTRLA) & RUNSTDBY)
        if asleep != self._asleep:
            self._asleep = asleep
            self.check()
            self._schedule_poll()

    # --- registers -----------------------------------------------------------------------------------
    def _w_ctrla(self, a: int, v: int) -> None:
        if v & OUTEN:
            raise Unsupported(f"{self.name}.CTRLA: output pin (OUTEN)", self.mcu.pc)
        was = self.running()
        self.mem[a] = v
        if not self.running():
            self.set_reg(STATUS, self.reg(STATUS) & ~CMPSTATE)
        elif not was:
            # Enabling: the state settles without counting as an edge.
            self.set_reg(STATUS, self.reg(STATUS) & ~CMPSTATE)
            self._settle()
        self.check()
        self._schedule_poll()

    def _settle(self) -> None:
        flags = self.reg(STATUS) & CMPIF
        self.check()
        self.set_reg(STATUS, (self.reg(STATUS) & ~CMPIF) | flags)
        self._irq()

    def _w_reg(self, a: int, v: int) -> None:
        self.mem[a] = v
        self.check()

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 1
        self._irq()
        self._schedule_poll()

    def _r_status(self, a: int) -> int:
        self.check()
        return self.reg(STATUS)

    def _w_status(self, a: int, v: int) -> None:
        self.mem[a] &= ~(v & CMPIF) & 0xFF
        self._irq()
