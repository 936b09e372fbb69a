"""The board, pack, charger, load and climate joined into the emulator's `World` (docs/emulator.md).

Time is event driven (design §5): the electrical operating point is solved when something changes —
the MCU switches CUTOFF, the load or charger reaches one of its own change points, the PTC trips, or
at most every `max_step_s` so the cell's state of charge and the weather move on — and stays constant
in between. Every quantity is integrated exactly over those constant pieces, so the charge balance
closes by construction: what the cell took in equals what flowed back through the switch plus what
the board drew. The MCU reads the operating point whenever it samples an analog pin.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from ltobms.sim.board import BATT_PIN, CUTOFF_PIN, LOAD_PIN, SHUNT_LOAD_PIN, SHUNT_PACK_PIN, Board
from ltobms.sim.cell import Pack

V_MAX = 10.0  # upper bracket of the terminal voltage: above any charger's output
SOLVE_TOL_V = 1e-7
# The open terminal searches for its next balance point in steps this small: narrower than the loads'
# 50 mV under-voltage ramps, so no balance point is stepped over.
OPEN_SCAN_STEP_V = 0.01


@dataclass(frozen=True)
class OperatingPoint:
    """Node voltages and branch currents, constant until `until` (simulated seconds)."""

    t: float
    until: float
    closed: bool
    ocv: float
    v_pack: float  # cell terminal = PA7 = batt divider input
    v_sense: float  # shunt end towards the switch (PA6)
    v_term: float  # load terminal (PA3 divider input)
    i_cell: float  # into the cell, + = charging
    i_switch: float  # through shunt and switch, + = discharge (pack → load), the INA260 sign
    i_board: float  # the board's own draw from the cell
    i_charger: float
    i_load: float
    temp_c: float


@dataclass
class Totals:
    """Integrals since the start of the run (coulombs, joules, seconds)."""

    cell_c: float = 0.0  # into the cell (+) / out (−), net
    switch_c: float = 0.0  # + = discharge through the switch
    board_c: float = 0.0
    charger_j: float = 0.0  # delivered by the charger into the load terminal
    load_j: float = 0.0  # taken by the load from the terminal
    cell_in_j: float = 0.0
    cell_out_j: float = 0.0
    closed_s: float = 0.0
    v_min: float = math.inf
    v_max: float = -math.inf


@dataclass
class Event:
    t: float
    kind: str
    detail: str = ""


def _bracketed_root(f: Callable[[float], float], lo: float, hi: float, x0: float) -> float:
    """Root of an increasing `f` with f(lo) < 0 < f(hi): Newton steps from x0, bisection fallback."""
    x = min(max(x0, lo), hi)
    for _ in range(100):
        fx = f(x)
        if fx > 0:
            hi = x
        else:
            lo = x
        if hi - lo < SOLVE_TOL_V or fx == 0.0:
            return x
        h = 1e-6
        slope = (f(x + h) - fx) / h
        step = x - fx / slope if slope > 0 else math.nan
        x = step if lo < step < hi else 0.5 * (lo + hi)
    return x


class SimWorld:
    """ltobms.avr World for the whole node: pins and analog voltages come from the operating point."""

    def __init__(self, board: Board, pack: Pack, charger: object, load: object,
                 ambient: Callable[[float], float], die_temperature: Callable[[float], float],
                 max_step_s: float = 5.0) -> None:
        self.board = board
        self.pack = pack
        self.charger = charger
        self.load = load
        self.ambient = ambient
        self.die_temp = die_temperature
        self.max_step_s = max_step_s
        self.mcu = None  # set by the simulation once the MCU exists (its awake time, brown-outs)
        # (MCU time, cycles, awake cycles) up to which the MCU's awake time is charged to the cell
        self._mcu_mark = (0.0, 0, 0, 0.0)  # ... and the analog peripherals' coulombs
        self._solved_mcu_a = board.mcu_a  # the MCU draw estimate inside the current operating point
        self._analog_sources: tuple[object, list[Callable[[], float]]] | None = None
        self.t = 0.0
        self.totals = Totals()
        self.events: list[Event] = []
        self._pins: dict[str, tuple[bool, int]] = {}
        self.closed = False
        self.qwiic_on = False
        self._pending_c = 0.0
        self._pending_s = 0.0
        self._last_term = 0.0
        # ground truth at the instants the firmware sampled (for the accuracy columns)
        self.sampled_v_pack = math.nan
        self.sampled_i_switch = math.nan
        self.op = self._solve(0.0)

    # --- the electrical solve -------------------------------------------------------------------
    def _solve(self, t: float) -> OperatingPoint:
        b, pack = self.board, self.pack
        temp = self.ambient(t)
        ocv = pack.ocv(temp)
        r_cell = pack.resistance(temp)
        ch, ld = self.charger.current, self.load.current
        r_div = b.divider_ohm
        self._solved_mcu_a = b.mcu_a
        qwiic = self.qwiic_on

        if self.closed:
            r_path = b.path_ohm()

            def residual(v_term: float) -> float:
                i_sw = ld(v_term, t) + v_term / r_div - ch(v_term, t)
                v_pack = v_term + i_sw * r_path
                return (v_pack - ocv) / r_cell + i_sw + b.own_current(v_pack, qwiic)

            v_term = _bracketed_root(residual, -V_MAX, V_MAX, self._last_term or ocv)
            i_charger, i_load = ch(v_term, t), ld(v_term, t)
            i_switch = i_load + v_term / r_div - i_charger
            v_pack = v_term + i_switch * r_path
            v_sense = v_pack - i_switch * b.shunt_ohm
        else:
            v_term = self._open_terminal(t)
            i_charger, i_load = ch(v_term, t), ld(v_term, t)
            i_switch = 0.0
            v_pack = ocv
            for _ in range(3):  # the board's µA draw through the cell resistance: converges at once
                v_pack = ocv - b.own_current(v_pack, qwiic) * r_cell
            v_sense = v_pack
        self._last_term = v_term
        i_board = b.own_current(v_pack, qwiic)
        i_cell = -i_switch - i_board
        until = min(t + self.max_step_s, self.charger.next_change(t), self.load.next_change(t))
        # The PTC's resistance is constant within a piece: end it where the PTC trips or resets.
        ptc = b.ptc
        ptc_change = ptc.time_to_reset(abs(i_switch)) if ptc.tripped else ptc.time_to_trip(abs(i_switch))
        until = min(until, t + ptc_change)
        f2, i_qwiic = b.qwiic_ptc, b.qwiic_current(self.qwiic_on)
        until = min(until, t + (f2.time_to_reset(i_qwiic) if f2.tripped else f2.time_to_trip(i_qwiic)))
        until = max(until, t + 1e-6)
        return OperatingPoint(t, until, self.closed, ocv, v_pack, v_sense, v_term, i_cell, i_switch,
                              i_board, i_charger, i_load, temp)

    def _open_terminal(self, t: float) -> float:
        """Switch open: the charger alone holds the terminal against the load and the divider. The
        terminal's capacitance keeps the voltage it had; from there it moves the way the current
        surplus pushes it until the next balance point (a stable one). So a node that pulls a weak
        charger down into its own under-voltage ramp stays there until the sun can carry it, and a
        charger in precharge (trickle) mode cannot lift a node it cannot feed — as on the bench."""
        ch, ld, r_div = self.charger.current, self.load.current, self.board.divider_ohm

        def surplus(v: float) -> float:
            return ch(v, t) - ld(v, t) - v / r_div

        v = min(max(self._last_term, 0.0), V_MAX)
        s = surplus(v)
        if s == 0.0:
            return v
        step = OPEN_SCAN_STEP_V if s > 0.0 else -OPEN_SCAN_STEP_V
        while True:
            nxt = min(max(v + step, 0.0), V_MAX)
            if nxt == v:
                return v  # pushed against 0 V (nothing feeds it) or the bracket's top
            if (surplus(nxt) > 0.0) != (s > 0.0):
                # Either way the surplus falls from + below the balance point to − above it.
                return _bracketed_root(lambda x: -surplus(x), min(v, nxt), max(v, nxt), v)
            v = nxt

    # --- time -----------------------------------------------------------------------------------
    def advance(self, t: float) -> None:
        """Integrate up to simulated time `t` (no-op for the past)."""
        if self.t >= t:
            return
        mcu_a = self._mcu_draw(t - self.t)
        while self.t < t:
            op = self.op
            end = min(t, op.until)
            dt = end - self.t
            if dt > 0.0:
                self._integrate(op, dt, mcu_a)
            self.t = end
            if end >= op.until:
                self._next_op()

    def _mcu_draw(self, span_s: float) -> float:
        """The MCU's average supply current over the next `span_s` of world time: the awake time the
        emulated chip counted since the last call, spread over that span. Charged this way, every
        awake cycle costs its share exactly once however the stretches fall (an operating point
        solved in the middle of a wake-up does not stand for the seconds of sleep after it)."""
        board, mcu = self.board, self.mcu
        if mcu is None:
            return board.mcu_a
        now, cycles, awake, analog_c = mcu.time, mcu.cycles, mcu.awake_cycles, self._analog_charge()
        t0, c0, a0, q0 = self._mcu_mark
        self._mcu_mark = (now, cycles, awake, analog_c)
        if cycles <= c0:
            return board.mcu_sleep_a
        awake_s = (awake - a0) / (cycles - c0) * (now - t0)
        if now > 0:  # the estimate later solves use: the averages of the whole run so far
            board.set_mcu_awake_share(awake / cycles, analog_c / now)
        return board.mcu_current(awake_s / span_s, (analog_c - q0) / span_s)

    def _analog_charge(self) -> float:
        """What the MCU's self-running analog peripherals (AC0) have drawn since power-on, coulombs."""
        sources = self._analog_sources
        if sources is None or sources[0] is not self.mcu:  # looked up once per MCU: this runs per advance
            peripherals = getattr(self.mcu, "peripherals", {})
            sources = self._analog_sources = (self.mcu, [p.consumed_c for p in peripherals.values()
                                                         if hasattr(p, "consumed_c")])
        return sum(f() for f in sources[1]) if sources[1] else 0.0

    def _integrate(self, op: OperatingPoint, dt: float, mcu_a: float) -> None:
        tot = self.totals
        b = self.board
        # The solve used an estimate of the MCU's draw; the charge uses what it was awake for.
        i_board = op.i_board + b.mcu_input_current(op.v_pack, mcu_a) \
            - b.mcu_input_current(op.v_pack, self._solved_mcu_a)
        q = (-op.i_switch - i_board) * dt
        tot.cell_c += q
        tot.switch_c += op.i_switch * dt
        tot.board_c += i_board * dt
        tot.charger_j += op.v_term * op.i_charger * dt
        tot.load_j += op.v_term * op.i_load * dt
        if q >= 0:
            tot.cell_in_j += op.v_pack * q
        else:
            tot.cell_out_j -= op.v_pack * q
        if op.closed:
            tot.closed_s += dt
            if self.board.ptc.step(abs(op.i_switch), dt):
                self.events.append(Event(self.t + dt, "ptc_trip", f"{abs(op.i_switch) * 1000:.0f} mA"))
        else:
            self.board.ptc.step(0.0, dt)
        if self.board.qwiic_ptc.step(self.board.qwiic_current(self.qwiic_on), dt):
            self.events.append(Event(self.t + dt, "qwiic_ptc_trip", f"{self.board.qwiic_a * 1000:.0f} mA"))
        self._pending_c += q
        self._pending_s += dt

    def _next_op(self) -> None:
        """Hand the integrated charge to the cell and solve the new operating point at `self.t`."""
        if self._pending_s > 0.0:
            self.pack.apply(self._pending_c, self._pending_s, self.op.temp_c)
            self._pending_c = self._pending_s = 0.0
        tripped = self.board.ptc.tripped
        before = self.board.mcu_supply(self.op.v_pack)
        self.op = op = self._solve(self.t)
        tot = self.totals
        tot.v_min = min(tot.v_min, op.v_pack)
        tot.v_max = max(tot.v_max, op.v_pack)
        if tripped and not self.board.ptc.tripped:
            self.events.append(Event(self.t, "ptc_reset"))
        if self.board.mcu_supply(op.v_pack) != before:
            self.events.append(Event(self.t, "mcu_supply", f"{self.board.mcu_supply(op.v_pack):.1f} V"))
            if self.mcu is not None:
                self.mcu.supply_changed()

    def resolve(self) -> None:
        """Something outside the models changed (switch, QWIIC, a scenario action): re-solve now."""
        self.op = replace(self.op, until=self.t)
        self._next_op()

    # --- the World protocol ---------------------------------------------------------------------
    def analog(self, pin: str, t: float) -> float:
        self.advance(t)
        op = self.op
        if pin == BATT_PIN:
            self.sampled_v_pack = op.v_pack
            return op.v_pack * self.board.divider_ratio
        if pin == LOAD_PIN:
            return op.v_term * self.board.divider_ratio
        if pin == SHUNT_PACK_PIN:
            self.sampled_i_switch = op.i_switch
            return op.v_pack
        if pin == SHUNT_LOAD_PIN:
            self.sampled_i_switch = op.i_switch
            return op.v_sense
        return 0.0

    def analog_many(self, pin: str, times: list[float]) -> list[float]:
        if times and times[-1] < self.op.until:
            self.advance(times[0])
            value = self.analog(pin, times[0])
            self.advance(times[-1])
            return [value] * len(times)
        values, currents = [], []
        for t in times:  # the operating point changes inside the burst (a radio burst starting, say)
            values.append(self.analog(pin, t))
            currents.append(self.op.i_switch)
        if pin in (SHUNT_PACK_PIN, SHUNT_LOAD_PIN):
            self.sampled_i_switch = sum(currents) / len(currents)  # what an averaging measurement saw
        return values

    def vdd(self, t: float) -> float:
        self.advance(t)
        return self.board.mcu_supply(self.op.v_pack)

    def die_temperature(self, t: float) -> float:
        return self.die_temp(t)

    def pin_input(self, pin: str, t: float) -> int | None:
        return None

    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        self.advance(t)
        self._pins[pin] = (output, level)
        cutoff = self._pins.get(CUTOFF_PIN, (False, 0))
        closed = self.board.switch_closed(*cutoff)
        q_out, q_level = self._pins.get(self.board.qwiic_pin, (False, 1))
        qwiic = q_out and q_level == 0
        if closed != self.closed or qwiic != self.qwiic_on:
            if closed != self.closed:
                self.events.append(Event(t, "switch", "closed" if closed else "open"))
            if qwiic != self.qwiic_on:
                self.events.append(Event(t, "qwiic", "on" if qwiic else "off"))
            self.closed, self.qwiic_on = closed, qwiic
            self.resolve()

