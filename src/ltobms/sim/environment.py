"""Ambient temperature over scenario time, and the MCU die temperature that follows from it.

The daily curve is the usual asymmetric one: coldest around 05:00 and warmest around 15:00 solar
time, rising for 10 h and falling for 14 h (half-cosines, so it is smooth). An optional yearly term
(coldest mid-January, warmest mid-July; negative season_swing_c for the southern hemisphere) and
seeded, smooth hourly noise are added. Everything is deterministic for a seed.
"""

from __future__ import annotations

import math
import random
from datetime import datetime

DAY_S = 86400.0
COLDEST_HOUR = 5.0
WARMEST_HOUR = 15.0
# Day of year of the seasonal minimum (mid-January, northern hemisphere) and the year length.
COLDEST_DAY = 15.0
YEAR_DAYS = 365.25
NOISE_KNOT_S = 3600.0


def _daily_shape(hour: float) -> float:
    """−1 at 05:00, +1 at 15:00, smooth in between (hour in [0, 24))."""
    rise = WARMEST_HOUR - COLDEST_HOUR
    if COLDEST_HOUR <= hour < WARMEST_HOUR:
        return -math.cos(math.pi * (hour - COLDEST_HOUR) / rise)
    fall = 24.0 - rise
    since_warmest = (hour - WARMEST_HOUR) % 24.0
    return math.cos(math.pi * since_warmest / fall)


class Climate:
    """Ambient air temperature, °C. day_swing_c and season_swing_c are peak-to-peak ranges; mean_c is
    the mean over a day (and, with a season swing, over the year)."""

    def __init__(self, start: datetime, mean_c: float, day_swing_c: float, season_swing_c: float = 0.0,
                 seed: int = 0, noise_c: float = 0.0) -> None:
        if day_swing_c < 0 or noise_c < 0:
            raise ValueError(f"day_swing_c and noise_c must be ≥ 0, got {day_swing_c}, {noise_c}")
        self.start = start
        self.mean_c = mean_c
        self.day_swing_c = day_swing_c
        self.season_swing_c = season_swing_c
        self.seed = seed
        self.noise_c = noise_c
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._start_of_day_s = (start - midnight).total_seconds()
        # Days from 1 January of the start's year to the start's midnight.
        self._start_day_of_year = start.timetuple().tm_yday - 1
        self._knots: dict[int, float] = {}

    def _knot(self, k: int) -> float:
        value = self._knots.get(k)
        if value is None:
            value = random.Random(f"climate:{self.seed}:{k}").uniform(-1.0, 1.0) * self.noise_c
            self._knots[k] = value
        return value

    def _noise(self, t: float) -> float:
        """Within ±noise_c: seeded hourly values joined by half-cosines (continuous and smooth)."""
        if self.noise_c == 0.0:
            return 0.0
        k = math.floor(t / NOISE_KNOT_S)
        frac = t / NOISE_KNOT_S - k
        w = (1.0 - math.cos(math.pi * frac)) / 2.0
        return self._knot(k) * (1.0 - w) + self._knot(k + 1) * w

    def ambient(self, t: float) -> float:
        clock_s = self._start_of_day_s + t
        hour = (clock_s % DAY_S) / 3600.0
        temp = self.mean_c + self.day_swing_c / 2.0 * _daily_shape(hour)
        if self.season_swing_c:
            day = self._start_day_of_year + clock_s / DAY_S
            temp -= self.season_swing_c / 2.0 * math.cos(2.0 * math.pi * (day - COLDEST_DAY) / YEAR_DAYS)
        return temp + self._noise(t)


def die_temperature(ambient_c: float, self_heating_k: float = 0.5) -> float:
    """The MCU die in still air: ambient plus its small self-heating (a µA–mA part barely warms)."""
    return ambient_c + self_heating_k
