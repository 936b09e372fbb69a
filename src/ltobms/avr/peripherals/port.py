"""PORTx and its VPORTx mirror: direction, output, input, pull-up, inversion, pin-change interrupts.

Every change of how a pin is driven goes to `world.pin_changed(pin, output, level, pullup, t)`; input
levels come from `world.pin_input(pin, t)` (or `set_input()` when the world pushes a change, which is
what raises pin-change interrupts). A floating input without pull-up reads 0.
"""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

DIR, DIRSET, DIRCLR, DIRTGL, OUT, OUTSET, OUTCLR, OUTTGL, IN, INTFLAGS, PORTCTRL = range(11)
PINCTRL = 0x10
PULLUPEN, INVEN, ISC_MASK = 0x08, 0x80, 0x07
ISC_INTDISABLE, ISC_BOTHEDGES, ISC_RISING, ISC_FALLING, ISC_INPUT_DISABLE, ISC_LEVEL = 0, 1, 2, 3, 4, 5
NAMES = ["DIR", "DIRSET", "DIRCLR", "DIRTGL", "OUT", "OUTSET", "OUTCLR", "OUTTGL", "IN", "INTFLAGS",
         "PORTCTRL"]


class Port(Peripheral):
    """params: letter ('A'), vport (VPORT base), vector (PORTx_PORT), pins (how many exist)."""

    def __init__(self, mcu, name: str, base: int, letter: str = "A", vport: int = 0, vector: int = 6,
                 pins: int = 8) -> None:
        super().__init__(mcu, name, base)
        self.letter = letter
        self.vport = vport
        self.vector = vector
        self.mask = (1 << pins) - 1
        self.pin_names = [f"P{letter}{i}" for i in range(8)]
        d = self.data
        d.map_plain(base, 0x18)
        for off, reg in enumerate(NAMES):
            d.names[base + off] = f"{name}.{reg}"
        d.hook(base + DIR, None, lambda a, v: self._set(DIR, v), f"{name}.DIR")
        d.hook(base + DIRSET, self._r_dir, lambda a, v: self._set(DIR, self.reg(DIR) | v), f"{name}.DIRSET")
        d.hook(base + DIRCLR, self._r_dir, lambda a, v: self._set(DIR, self.reg(DIR) & ~v), f"{name}.DIRCLR")
        d.hook(base + DIRTGL, self._r_dir, lambda a, v: self._set(DIR, self.reg(DIR) ^ v), f"{name}.DIRTGL")
        d.hook(base + OUT, None, lambda a, v: self._set(OUT, v), f"{name}.OUT")
        d.hook(base + OUTSET, self._r_out, lambda a, v: self._set(OUT, self.reg(OUT) | v), f"{name}.OUTSET")
        d.hook(base + OUTCLR, self._r_out, lambda a, v: self._set(OUT, self.reg(OUT) & ~v), f"{name}.OUTCLR")
        d.hook(base + OUTTGL, self._r_out, lambda a, v: self._set(OUT, self.reg(OUT) ^ v), f"{name}.OUTTGL")
        d.hook(base + IN, self._r_in, self._w_in, f"{name}.IN")
        d.hook(base + INTFLAGS, None, self._w_flags, f"{name}.INTFLAGS")
        d.hook(base + PORTCTRL, None, None, f"{name}.PORTCTRL")
        for i in range(8):
            d.hook(base + PINCTRL + i, None, self._w_pinctrl, f"{name}.PIN{i}CTRL")
        # Reserved bytes 0x0B-0x0F and 0x18-0x1F stay unmapped.
        d.unmap(base + 0x0B, 5)
        d.unmap(base + 0x18, 8)
        vp = f"VPORT{letter}"
        d.hook(vport + 0, None, lambda a, v: self._set(DIR, v), f"{vp}.DIR")
        d.hook(vport + 1, None, lambda a, v: self._set(OUT, v), f"{vp}.OUT")
        d.hook(vport + 2, self._r_in, self._w_in, f"{vp}.IN")
        d.hook(vport + 3, None, self._w_flags, f"{vp}.INTFLAGS")
        self._driven: list[tuple[bool, int, bool] | None] = [None] * 8
        self._levels = 0

    # --- reset / registers ----------------------------------------------------------------------
    def reset(self) -> None:
        self.mem[self.base:self.base + 0x18] = bytes(0x18)
        self._sync_vport()
        self._driven = [None] * 8
        self._levels = 0
        self.mcu.set_irq(self.vector, False)
        self._update()

    def _r_dir(self, a: int) -> int:
        return self.reg(DIR)

    def _r_out(self, a: int) -> int:
        return self.reg(OUT)

    def _set(self, reg: int, value: int) -> None:
        self.set_reg(reg, value & self.mask)
        self._update()

    def _w_in(self, a: int, v: int) -> None:
        # Writing 1 to a bit of IN toggles the output (AVRxt).
        self._set(OUT, self.reg(OUT) ^ v)

    def _w_flags(self, a: int, v: int) -> None:
        self.set_reg(INTFLAGS, self.reg(INTFLAGS) & ~v)
        self._sync_vport()
        self.mcu.set_irq(self.vector, self.reg(INTFLAGS) != 0)

    def _w_pinctrl(self, a: int, v: int) -> None:
        self.mem[a] = v
        self._update()

    def _sync_vport(self) -> None:
        m, b, vp = self.mem, self.base, self.vport
        m[vp + 0] = m[b + DIR]
        m[vp + 1] = m[b + OUT]
        m[vp + 2] = m[b + IN]
        m[vp + 3] = m[b + INTFLAGS]

    # --- pins -------------------------------------------------------------------------------------
    def _pinctrl(self, i: int) -> int:
        return self.mem[self.base + PINCTRL + i]

    def _r_in(self, a: int) -> int:
        self._refresh_inputs()
        return self.reg(IN)

    def _refresh_inputs(self) -> None:
        t = self.sched.time
        world = self.mcu.world
        dir_, out = self.reg(DIR), self.reg(OUT)
        val = 0
        for i in range(8):
            if not self.mask >> i & 1:
                continue
            bit = 1 << i
            ctrl = self._pinctrl(i)
            if dir_ & bit:
                level = 1 if out & bit else 0
            else:
                ext = world.pin_input(self.pin_names[i], t)
                level = ext if ext is not None else (1 if ctrl & PULLUPEN else 0)
            if (ctrl & ISC_MASK) == ISC_INPUT_DISABLE:
                level = 0
            if ctrl & INVEN:
                level ^= 1
            if level:
                val |= bit
        self.set_reg(IN, val)
        self.mem[self.vport + 2] = val

    def _update(self) -> None:
        """Tell the world about pins whose drive changed; refresh IN."""
        t = self.sched.time
        dir_, out = self.reg(DIR), self.reg(OUT)
        for i in range(8):
            if not self.mask >> i & 1:
                continue
            bit = 1 << i
            ctrl = self._pinctrl(i)
            level = 1 if out & bit else 0
            if ctrl & INVEN:
                level ^= 1
            state = (bool(dir_ & bit), level, bool(ctrl & PULLUPEN))
            if state != self._driven[i]:
                self._driven[i] = state
                self.mcu.pin_event(self.pin_names[i], state[0], state[1], state[2], t)
        self._refresh_inputs()
        self._sync_vport()

    def set_input(self, pin: int, level: int) -> None:
        """The outside drives `level` onto input `pin` now: update IN and raise pin-change flags."""
        old = (self.reg(IN) >> pin) & 1
        self._refresh_inputs()
        new = (self.reg(IN) >> pin) & 1
        isc = self._pinctrl(pin) & ISC_MASK
        hit = (
            (isc == ISC_BOTHEDGES and old != new)
            or (isc == ISC_RISING and not old and new)
            or (isc == ISC_FALLING and old and not new)
            or (isc == ISC_LEVEL and not new)
        )
        if hit:
            self.set_reg(INTFLAGS, self.reg(INTFLAGS) | (1 << pin))
            self._sync_vport()
            self.mcu.set_irq(self.vector, True)

    def driven(self, pin: int) -> tuple[bool, int, bool] | None:
        """(output, level, pull-up) of a pin as last reported to the world."""
        return self._driven[pin]
