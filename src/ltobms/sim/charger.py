"""Sources on the load terminal: each gives the current it pushes INTO the terminal node at a voltage.

Every charger's current is ≥ 0 and continuous in the terminal voltage. The constant-voltage end is a
10 mV band in which the current falls linearly to zero (a real CV loop's finite gain, and what keeps
the curve continuous). The solar charger's precharge (trickle) step below two thirds of its CV voltage
is a 0.2 V ramp: gentle enough that with the switch closed the loop through the cell still has a single
operating point; with the switch open it is what can hold a node's terminal down (docs/simulator.md,
"The switch open: the charger facing the node alone").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from ltobms.sim.solar import Panel, Sky

CV_BAND_V = 0.010
# Below this the panel output counts as nothing (night), so the charger is off, not trickling dust.
NIGHT_W = 1e-6
# The MPPT converter's output current is P/v; below this v it is treated as P/0.5 V (a short on the
# terminal does not ask for unbounded current; i_max limits it anyway).
MIN_DIVISOR_V = 0.5
# Width of the step from the precharge current up to the full current limit (see the module docstring).
PRECHARGE_RAMP_V = 0.2


class Charger(Protocol):
    def current(self, v: float, t: float) -> float:
        """A delivered at terminal voltage v; ≥ 0, continuous."""
        ...

    def next_change(self, t: float) -> float:
        """The next time its behaviour changes (math.inf if never)."""
        ...

    def power_in(self, v: float, t: float) -> float:
        """W taken from its own source (for efficiency reports)."""
        ...


def _cv_taper(v: float, v_cv: float) -> float:
    """1 up to v_cv − 10 mV, linear to 0 at v_cv, 0 above."""
    if v <= v_cv - CV_BAND_V:
        return 1.0
    if v >= v_cv:
        return 0.0
    return (v_cv - v) / CV_BAND_V


class NoCharger:
    """Nothing connected."""

    def current(self, v: float, t: float) -> float:
        return 0.0

    def next_change(self, t: float) -> float:
        return math.inf

    def power_in(self, v: float, t: float) -> float:
        return 0.0


class BenchSupply:
    """A lab supply in CV/CC: i_limit up to v_set − 10 mV, falling linearly to 0 at v_set; switched on
    during [on_s, off_s)."""

    def __init__(self, v_set: float, i_limit: float, on_s: float = 0.0, off_s: float = math.inf) -> None:
        if v_set <= CV_BAND_V:
            raise ValueError(f"v_set must be > {CV_BAND_V} V, got {v_set}")
        if i_limit < 0:
            raise ValueError(f"i_limit must be ≥ 0, got {i_limit}")
        if not off_s > on_s:
            raise ValueError(f"off_s ({off_s}) must be after on_s ({on_s})")
        self.v_set = v_set
        self.i_limit = i_limit
        self.on_s = on_s
        self.off_s = off_s

    def is_on(self, t: float) -> bool:
        return self.on_s <= t < self.off_s

    def current(self, v: float, t: float) -> float:
        if not self.is_on(t):
            return 0.0
        return self.i_limit * _cv_taper(v, self.v_set)

    def next_change(self, t: float) -> float:
        if t < self.on_s:
            return self.on_s
        if t < self.off_s:
            return self.off_s
        return math.inf

    def power_in(self, v: float, t: float) -> float:
        """An ideal source: what it takes is what it delivers at its terminals."""
        return max(v, 0.0) * self.current(v, t)


class SolarCharger:
    """A panel behind an MPPT buck charger with a CV end voltage, of the class of the Consonance
    CN3791/CN3722 modules common on small solar nodes: input-voltage regulation holds the panel at its
    maximum power point, so the output current is the panel's MPP power times the efficiency as P/v,
    limited to i_max, tapering to 0 over the 10 mV below v_cv.

    Below precharge_fraction · v_cv (the datasheets' 66.7 % of the regulation voltage) the charger
    trickles at precharge_current · i_max (17.5 % in the CN3791/CN3722 datasheets) — a deeply
    discharged battery is brought up gently; set precharge_current = 1 for a charger without it.

    v_min_out is the converter's lowest output voltage: below it the current stays P/v_min_out (the
    converter cannot turn the power into more current at a lower voltage)."""

    def __init__(self, panel: Panel, sky: Sky, ambient: Callable[[float], float], v_cv: float,
                 i_max: float = 0.5, efficiency: float = 0.9, v_min_out: float = 0.0,
                 precharge_fraction: float = 0.667, precharge_current: float = 0.175) -> None:
        if v_cv <= CV_BAND_V:
            raise ValueError(f"v_cv must be > {CV_BAND_V} V, got {v_cv}")
        if i_max < 0:
            raise ValueError(f"i_max must be ≥ 0, got {i_max}")
        if not 0.0 < efficiency <= 1.0:
            raise ValueError(f"efficiency must be in (0, 1], got {efficiency}")
        if v_min_out < 0:
            raise ValueError(f"v_min_out must be ≥ 0, got {v_min_out}")
        if not 0.0 <= precharge_fraction < 1.0 or not 0.0 < precharge_current <= 1.0:
            raise ValueError(f"need 0 ≤ precharge_fraction < 1 and 0 < precharge_current ≤ 1, got "
                             f"{precharge_fraction}, {precharge_current}")
        self.panel = panel
        self.sky = sky
        self.ambient = ambient
        self.v_cv = v_cv
        self.i_max = i_max
        self.efficiency = efficiency
        self.v_min_out = v_min_out
        self.precharge_fraction = precharge_fraction
        self.precharge_current = precharge_current
        self.v_precharge = precharge_fraction * v_cv

    def output_power(self, t: float) -> float:
        """W the converter can deliver at t (panel MPP power × efficiency)."""
        return self.panel.power(self.sky.irradiance(t), self.ambient(t)) * self.efficiency

    def current(self, v: float, t: float) -> float:
        p = self.output_power(t)
        if p <= NIGHT_W:
            return 0.0
        i = min(p / max(v, self.v_min_out, MIN_DIVISOR_V), self.current_limit(v))
        return i * _cv_taper(v, self.v_cv)

    def current_limit(self, v: float) -> float:
        """i_max, or the precharge current below the precharge threshold (a 0.2 V ramp between)."""
        low = self.precharge_current * self.i_max
        if v <= self.v_precharge:
            return low
        if v >= self.v_precharge + PRECHARGE_RAMP_V:
            return self.i_max
        return low + (self.i_max - low) * (v - self.v_precharge) / PRECHARGE_RAMP_V

    def next_change(self, t: float) -> float:
        return self.sky.next_change(t)

    def power_in(self, v: float, t: float) -> float:
        """W drawn from the panel: the delivered power over the efficiency (below the MPP when the
        current limit or the CV taper holds the output back)."""
        return max(v, 0.0) * self.current(v, t) / self.efficiency
