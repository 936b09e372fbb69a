"""One run reduced to what a sizing decision needs: when and how long the node was down, how low the
pack went, how often the BMS locked out, and how much sun there was for what the node needed.

* load cut — the BMS's switch open (exact, from the switch events); days with a cut count the local
  calendar days with at least a minute of it;
* outage — the node unpowered: its terminal below the node's own cut-off `v_off` at an I2C poll (so
  to the poll period). With the switch open in strong sun the charger may still run the node, so an
  outage is what the node lived through, a load cut what the BMS decided;
* energy margin — the solar energy the MPPT charger could have delivered over the period (panel at
  its maximum power point through the converter's efficiency, whether or not the pack could take
  it) over what the node and the BMS board needed, minus one: < 0 means the period's sun cannot pay
  for the node even with a perfect pack.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

from ltobms.sim.run import SimResult

LOCKOUT_STATES = {"BMS_STATE_UVLO": "UVLO", "BMS_STATE_OVLO": "OVLO", "BMS_STATE_OCLO": "OCLO"}
MIN_CUT_S = 60.0  # a day counts as "with a cut" from this much switch-open time on
POWER_UP_S = 2.0  # the switch is open from reset until the first measurement closes it
ENERGY_STEP_S = 60.0
TRACE_STEP_S = 3600.0


def open_intervals(result: SimResult) -> list[tuple[float, float]]:
    """The stretches with the switch open (it is open at power-up until the firmware closes it)."""
    intervals: list[tuple[float, float]] = []
    opened: float | None = 0.0
    for event in result.events:
        if event.kind != "switch":
            continue
        if event.detail == "closed" and opened is not None:
            intervals.append((opened, event.t))
            opened = None
        elif event.detail == "open" and opened is None:
            opened = event.t
    if opened is not None:
        intervals.append((opened, result.duration_s))
    if intervals and intervals[0][0] == 0.0 and intervals[0][1] <= POWER_UP_S:
        intervals = intervals[1:]  # the firmware's first decision, not a cut
    return [(a, b) for a, b in intervals if b > a]


def _days_with_cut(intervals: list[tuple[float, float]], start: dt.datetime) -> int:
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (start - midnight).total_seconds()
    per_day: Counter[int] = Counter()
    for a, b in intervals:
        t = a
        while t < b:
            day = math.floor((offset + t) / 86400.0)
            end = min(b, (day + 1) * 86400.0 - offset)
            per_day[day] += end - t
            t = end
    return sum(1 for seconds in per_day.values() if seconds >= MIN_CUT_S)


def _outages(result: SimResult, v_off: float) -> list[float]:
    """Lengths (s) of the stretches of polls at which the node was unpowered."""
    poll = float(result.scenario.host.get("poll_s", 60))
    runs, current = [], 0
    for sample in result.samples:
        if sample.truth["load_v"] < v_off:
            current += 1
        elif current:
            runs.append(current * poll)
            current = 0
    if current:
        runs.append(current * poll)
    return runs


def solar_available_wh(charger: Any, duration_s: float) -> float:
    """∫ the MPPT charger's available output power over the run (midpoint sum, 1-minute steps)."""
    total, t = 0.0, 0.0
    while t < duration_s:
        step = min(ENERGY_STEP_S, duration_s - t)
        total += charger.output_power(t + step / 2) * step
        t += step
    return total / 3600.0


def node_demand_w(node: Any) -> float:
    """What the Meshtastic model draws from its terminal on average while it is powered."""
    duty = node.duty_cycle()
    idle = node.sleep_a if node.power_saving else node.rx_a
    return node.v_supply * (duty * node.tx_a + (1.0 - duty) * idle) / node.efficiency


def soc_trace(result: SimResult) -> list[list[float]]:
    """[hours, state of charge] about once an hour (the first poll of each step), and the last poll;
    a short run gets at least ~240 points."""
    trace: list[list[float]] = []
    step = min(TRACE_STEP_S, max(result.duration_s / 240.0, 1.0))
    next_t = 0.0
    for sample in result.samples:
        if sample.t >= next_t:
            trace.append([round(sample.t / 3600.0, 4), round(sample.truth["soc"], 5)])
            next_t = (math.floor(sample.t / step) + 1) * step
    if result.samples and trace[-1][0] != round(result.samples[-1].t / 3600.0, 4):
        last = result.samples[-1]
        trace.append([round(last.t / 3600.0, 4), round(last.truth["soc"], 5)])
    return trace


def reduce(result: SimResult, charger: Any, node: Any) -> dict[str, Any]:
    tot = result.totals
    cut = open_intervals(result)
    outages = _outages(result, node.v_off)
    socs = [s.truth["soc"] for s in result.samples] or [result.pack_soc[0]]
    lockouts = Counter(LOCKOUT_STATES[e.detail] for e in result.events
                       if e.kind == "state" and e.detail in LOCKOUT_STATES)
    cell_v = [s.truth["cell_v"] for s in result.samples]
    mean_cell_v = sum(cell_v) / len(cell_v) if cell_v else 0.0
    available = solar_available_wh(charger, result.duration_s)
    demand = node_demand_w(node) * result.duration_s / 3600.0
    board = tot.board_c * mean_cell_v / 3600.0
    need = demand + board
    return {
        "simulated_days": result.duration_s / 86400.0,
        "hours_cut": sum(b - a for a, b in cut) / 3600.0,
        "days_with_cut": _days_with_cut(cut, result.scenario.start),
        "outage_hours": sum(outages) / 3600.0,
        "longest_outage_h": max(outages, default=0.0) / 3600.0,
        "outages": len(outages),
        "survived": not outages,
        "soc_start": result.pack_soc[0],
        "soc_min": min(min(socs), result.pack_soc[1]),
        "soc_end": result.pack_soc[1],
        "lockouts": {name: lockouts.get(name, 0) for name in LOCKOUT_STATES.values()},
        "energy_wh": {"solar_available": available, "charger_out": tot.charger_j / 3600.0,
                      "node_in": tot.load_j / 3600.0, "node_demand": demand, "board": board},
        "energy_margin": available / need - 1.0 if need > 0 else math.inf,
        "cell_v_min": tot.v_min,
        "soc_trace": soc_trace(result),
    }
