"""Sinks on the load terminal: each gives the current it draws OUT of the terminal node at a voltage.

Every load draws ≥ 0, nothing at or below 0 V, and is continuous in v: where a real load switches
abruptly (a regulator's under-voltage lockout, a constant-current sink near 0 V) a short linear ramp
stands in, so the board's root solver always has a continuous curve. next_change(t) names the next
time a load's behaviour changes (a radio phase, a fault window); the integrator splits steps there.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from typing import Literal, Protocol

# A regulator-fed load fades out over this band below its UVLO voltage instead of stepping to zero.
UVLO_RAMP_V = 0.05


class Load(Protocol):
    def current(self, v: float, t: float) -> float:
        """A drawn at terminal voltage v; ≥ 0; 0 at v ≤ 0; continuous in v."""
        ...

    def next_change(self, t: float) -> float:
        """The next time its behaviour changes (math.inf if never)."""
        ...


def _constant_power_current(watts_in: float, v: float, v_off: float) -> float:
    """Current of a converter taking watts_in from v: watts_in/v from v_off up, a linear ramp from 0 at
    v_off − 50 mV to its value at v_off, nothing below (the converter's UVLO)."""
    if v >= v_off:
        return watts_in / v
    v_low = v_off - UVLO_RAMP_V
    if v <= v_low or v <= 0.0:
        return 0.0
    return watts_in / v_off * (v - v_low) / UVLO_RAMP_V


def _constant_current(amps: float, v: float, v_min: float) -> float:
    if v >= v_min:
        return amps
    return amps * max(v, 0.0) / v_min


class ConstantCurrent:
    """An electronic load in CC mode: amps above v_min, linear from 0 at 0 V up to v_min."""

    def __init__(self, amps: float, v_min: float = 0.1) -> None:
        if amps < 0 or v_min <= 0:
            raise ValueError(f"need amps ≥ 0 and v_min > 0, got amps={amps}, v_min={v_min}")
        self.amps = amps
        self.v_min = v_min

    def current(self, v: float, t: float) -> float:
        return _constant_current(self.amps, v, self.v_min)

    def next_change(self, t: float) -> float:
        return math.inf


class ConstantResistance:
    def __init__(self, ohms: float) -> None:
        if ohms <= 0:
            raise ValueError(f"ohms must be > 0, got {ohms}")
        self.ohms = ohms

    def current(self, v: float, t: float) -> float:
        return max(v, 0.0) / self.ohms

    def next_change(self, t: float) -> float:
        return math.inf


class ConstantPower:
    """A device behind its own DC/DC converter: watts/efficiency taken from the terminal, down to the
    converter's UVLO v_off (then a 50 mV ramp to nothing)."""

    def __init__(self, watts: float, v_off: float = 0.9, efficiency: float = 0.85) -> None:
        # v_off 0.9 V: TPS6107x-class boost, lowest recommended input 0.9 V (TI datasheet).
        # efficiency 0.85: small synchronous boost at tens of mA (typical datasheet efficiency curves).
        if watts < 0 or v_off <= UVLO_RAMP_V or not 0.0 < efficiency <= 1.0:
            raise ValueError(f"need watts ≥ 0, v_off > {UVLO_RAMP_V} V and 0 < efficiency ≤ 1, "
                             f"got watts={watts}, v_off={v_off}, efficiency={efficiency}")
        self.watts = watts
        self.v_off = v_off
        self.efficiency = efficiency

    def current(self, v: float, t: float) -> float:
        return _constant_power_current(self.watts / self.efficiency, v, self.v_off)

    def next_change(self, t: float) -> float:
        return math.inf


class Meshtastic:
    """A Meshtastic node (nRF52840 + SX1262, e.g. RAK4631) behind its own regulator.

    The node draws constant power P = v_supply · I_phase / efficiency from the terminal. Phases: "rx"
    (always-on receive), "tx" bursts of tx_airtime_s at seeded pseudo-random times, and with
    power_saving "sleep" instead of "rx" between bursts. Bursts start after exponentially distributed
    gaps of mean 3600/tx_per_hour − tx_airtime_s after the previous burst's end, so the long-run rate is
    exactly tx_per_hour and the duty cycle tx_per_hour · tx_airtime_s / 3600. Below v_off (the
    regulator's UVLO) the node is "off" and draws nothing (after a 50 mV ramp).
    """

    def __init__(self, seed: int = 0, v_supply: float = 3.3,
                 # Meshtastic forum: an nRF52840 + SX1262 (22 dBm) board draws ~9 mA receiving with BLE on.
                 rx_a: float = 0.009,
                 # Power saving: the SX1262 keeps listening (RX 4.6 mA, DC-DC, SX1261/2 datasheet) while
                 # the nRF52840 idles in System ON (a few µA, nRF52840 datasheet).
                 sleep_a: float = 0.0046,
                 # SX1262 datasheet: TX +22 dBm ≈ 118 mA, plus the ~4.4 mA the rest draws (9 − 4.6 mA).
                 tx_a: float = 0.118 + 0.0044,
                 # LoRa time on air (Semtech formula) of a 50-byte packet at Meshtastic's LongFast preset
                 # (SF11, 250 kHz, CR 4/5, 16-symbol preamble): 0.64 s.
                 tx_airtime_s: float = 0.64,
                 # Meshtastic defaults: position every 15 min (4/h), device telemetry every 30 min (2/h),
                 # node info every 3 h; plus ~2 rebroadcasts an hour in a small mesh.
                 tx_per_hour: float = 8.0,
                 power_saving: bool = False,
                 efficiency: float = 0.85,  # small synchronous boost at ~10 mA (typical datasheet curves)
                 v_off: float = 0.9,  # TPS6107x-class boost: lowest recommended input 0.9 V (TI datasheet)
                 ) -> None:
        if min(v_supply, tx_airtime_s) <= 0 or min(rx_a, sleep_a, tx_a, tx_per_hour) < 0:
            raise ValueError("Meshtastic needs v_supply, tx_airtime_s > 0 and currents, tx_per_hour ≥ 0")
        if not 0.0 < efficiency <= 1.0 or v_off <= UVLO_RAMP_V:
            raise ValueError(f"need 0 < efficiency ≤ 1 and v_off > {UVLO_RAMP_V} V")
        if tx_per_hour > 0 and 3600.0 / tx_per_hour <= tx_airtime_s:
            raise ValueError(f"tx_per_hour={tx_per_hour} with tx_airtime_s={tx_airtime_s} leaves no time to "
                             f"receive")
        self.seed = seed
        self.v_supply = v_supply
        self.rx_a = rx_a
        self.sleep_a = sleep_a
        self.tx_a = tx_a
        self.tx_airtime_s = tx_airtime_s
        self.tx_per_hour = tx_per_hour
        self.power_saving = power_saving
        self.efficiency = efficiency
        self.v_off = v_off
        self._rng = random.Random(seed)
        self._starts: list[float] = []
        self._ends: list[float] = []

    def duty_cycle(self) -> float:
        """Long-run fraction of time spent transmitting."""
        return self.tx_per_hour * self.tx_airtime_s / 3600.0

    def _extend_until(self, t: float) -> None:
        """Generate bursts until one starts after t (the schedule is fixed by the seed, in order)."""
        if self.tx_per_hour <= 0:
            return
        if not math.isfinite(t):
            raise ValueError(f"no burst schedule up to t={t}")
        mean_gap = 3600.0 / self.tx_per_hour - self.tx_airtime_s
        while not self._starts or self._starts[-1] <= t:
            previous_end = self._ends[-1] if self._ends else 0.0
            start = previous_end + self._rng.expovariate(1.0 / mean_gap)
            self._starts.append(start)
            self._ends.append(start + self.tx_airtime_s)

    def tx_bursts(self, t0: float, t1: float) -> list[tuple[float, float]]:
        """The (start, end) of the bursts that begin in [t0, t1)."""
        self._extend_until(t1)
        i, j = bisect_left(self._starts, t0), bisect_left(self._starts, t1)
        return list(zip(self._starts[i:j], self._ends[i:j], strict=True))

    def _burst_index(self, t: float) -> int:
        """Index of the last burst starting at or before t, or −1."""
        self._extend_until(t)
        return bisect_right(self._starts, t) - 1

    def phase(self, t: float, v: float | None = None) -> Literal["rx", "tx", "sleep", "off"]:
        """What the node does at t; with a terminal voltage v below v_off it is "off"."""
        if v is not None and v < self.v_off:
            return "off"
        i = self._burst_index(t)
        if i >= 0 and t < self._ends[i]:
            return "tx"
        return "sleep" if self.power_saving else "rx"

    def phase_current(self, t: float) -> float:
        """A drawn at v_supply (the regulator's output) in the phase at t."""
        phase = self.phase(t)
        return self.tx_a if phase == "tx" else self.sleep_a if phase == "sleep" else self.rx_a

    def current(self, v: float, t: float) -> float:
        watts_in = self.v_supply * self.phase_current(t) / self.efficiency
        return _constant_power_current(watts_in, v, self.v_off)

    def next_change(self, t: float) -> float:
        """The next phase boundary after t, exactly (a burst's start or end)."""
        if self.tx_per_hour <= 0:
            return math.inf
        i = self._burst_index(t)
        if i >= 0 and t < self._ends[i]:
            return self._ends[i]
        return self._starts[i + 1]


class Fault:
    """A scheduled fault on the load terminal, active in [start_s, start_s + duration_s): a "short"
    (a resistance of `ohms`) or an "overload" (a constant current of `amps`)."""

    def __init__(self, kind: Literal["short", "overload"], start_s: float, duration_s: float,
                 ohms: float | None = None, amps: float | None = None) -> None:
        if kind == "short":
            if ohms is None or ohms <= 0 or amps is not None:
                raise ValueError("a short fault needs ohms > 0 (and no amps)")
        elif kind == "overload":
            if amps is None or amps <= 0 or ohms is not None:
                raise ValueError("an overload fault needs amps > 0 (and no ohms)")
        else:
            raise ValueError(f"fault kind must be 'short' or 'overload', got {kind!r}")
        if duration_s <= 0:
            raise ValueError(f"duration_s must be > 0, got {duration_s}")
        self.kind = kind
        self.start_s = start_s
        self.duration_s = duration_s
        self.end_s = start_s + duration_s
        self.ohms = ohms
        self.amps = amps

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s

    def current(self, v: float, t: float) -> float:
        if not self.active(t):
            return 0.0
        if self.ohms is not None:
            return max(v, 0.0) / self.ohms
        assert self.amps is not None
        return _constant_current(self.amps, v, 0.1)

    def next_change(self, t: float) -> float:
        if t < self.start_s:
            return self.start_s
        if t < self.end_s:
            return self.end_s
        return math.inf


class Loads:
    """Several loads on the same terminal."""

    def __init__(self, *loads: Load) -> None:
        self.loads = loads

    def current(self, v: float, t: float) -> float:
        return sum(load.current(v, t) for load in self.loads)

    def next_change(self, t: float) -> float:
        return min((load.next_change(t) for load in self.loads), default=math.inf)
