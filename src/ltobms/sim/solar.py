"""Sunlight on a small horizontal PV panel.

The sun's elevation comes from the day of year (Cooper's declination) and the local solar time (hour
angle 15°/h); clear-sky global horizontal irradiance from Haurwitz's model. A Sky scales it by a
per-day cloud fraction and optional seeded 10-minute cloud blocks, or replays measured irradiance
from a CSV file instead. A Panel turns irradiance and ambient temperature into its maximum-power-point
output (NOCT cell-temperature model, linear power temperature coefficient).
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ltobms.errors import UserError

DAY_S = 86400.0
# Re-evaluate the smooth clear-sky curve at least this often.
SMOOTH_STEP_S = 60.0
CLOUD_BLOCK_S = 600.0


class IrradianceFileError(UserError, ValueError):
    """A measured-irradiance CSV that cannot be used (one line naming the file, line and problem)."""


def declination_deg(day_of_year: int) -> float:
    """Cooper (1969): δ = 23.45° · sin(360° · (284 + n) / 365)."""
    return 23.45 * math.sin(math.radians(360.0 * (284 + day_of_year) / 365.0))


def _elevation(latitude_deg: float, day_of_year: int, solar_hour: float) -> float:
    lat = math.radians(latitude_deg)
    dec = math.radians(declination_deg(day_of_year))
    hour_angle = math.radians(15.0 * (solar_hour - 12.0))
    s = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(hour_angle)
    return math.degrees(math.asin(max(-1.0, min(1.0, s))))


def solar_elevation(latitude_deg: float, when: datetime) -> float:
    """Sun elevation in degrees. `when` is local solar time (its wall-clock fields are used; a time
    zone, if any, is ignored — solar noon is 12:00)."""
    hour = when.hour + when.minute / 60 + (when.second + when.microsecond / 1e6) / 3600
    return _elevation(latitude_deg, when.timetuple().tm_yday, hour)


def clear_sky_ghi(elevation_deg: float) -> float:
    """Haurwitz clear-sky global horizontal irradiance, W/m²: 1098·sin h·exp(−0.059/sin h)."""
    if elevation_deg <= 0.0:
        return 0.0
    s = math.sin(math.radians(elevation_deg))
    return 1098.0 * s * math.exp(-0.059 / s)


def _read_irradiance_csv(path: Path, start: datetime) -> tuple[list[float], list[float]]:
    """(times s since start, W/m²) from `seconds,w_m2` or `time,w_m2` (ISO 8601 time)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise IrradianceFileError(f"irradiance file {path}: cannot read ({exc.strerror})") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise IrradianceFileError(f"irradiance file {path}: empty")
    header = [h.strip().lower() for h in rows[0]]
    if len(header) < 2 or header[0] not in ("seconds", "time") or header[1] != "w_m2":
        raise IrradianceFileError(
            f"irradiance file {path}: header must be 'seconds,w_m2' or 'time,w_m2', "
            f"got {','.join(rows[0])!r}")
    times: list[float] = []
    values: list[float] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        where = f"irradiance file {path} line {line_no}"
        try:
            w = float(row[1])
            if header[0] == "seconds":
                t = float(row[0])
                when = None
            else:
                when = datetime.fromisoformat(row[0].strip())
        except (ValueError, IndexError) as exc:
            raise IrradianceFileError(
                f"{where}: expected a time and a number, got {','.join(row)!r}") from exc
        if when is not None:
            if (when.tzinfo is None) != (start.tzinfo is None):
                raise IrradianceFileError(
                    f"{where}: time {row[0].strip()!r} and the scenario start {start.isoformat()} must "
                    f"both have a UTC offset or both have none")
            t = (when - start).total_seconds()
        if not (math.isfinite(t) and math.isfinite(w)) or w < 0:
            raise IrradianceFileError(f"{where}: w_m2 must be a finite number ≥ 0, got {row[1].strip()!r}")
        if times and t <= times[-1]:
            raise IrradianceFileError(f"{where}: times must increase strictly")
        times.append(t)
        values.append(w)
    if len(times) < 2:
        raise IrradianceFileError(f"irradiance file {path}: needs at least two data rows")
    return times, values


class Sky:
    """Irradiance on the horizontal panel over scenario time t (s since `start`, naive = solar time).

    day_cloud[i] is the fraction of clear-sky irradiance on calendar day i of the run (cycled);
    variability (0…1) multiplies 10-minute blocks by 1 ± variability·u, u uniform in [−1, 1], seeded
    and mean-preserving. A csv_path replaces all of that with measured irradiance.
    """

    def __init__(self, latitude_deg: float, start: datetime, day_cloud: Sequence[float] = (1.0,),
                 seed: int = 0, variability: float = 0.0, csv_path: Path | None = None) -> None:
        if not -90.0 <= latitude_deg <= 90.0:
            raise ValueError(f"latitude_deg must be in [-90, 90], got {latitude_deg}")
        if not day_cloud or any(not math.isfinite(c) or c < 0 for c in day_cloud):
            raise ValueError(f"day_cloud needs at least one fraction ≥ 0, got {list(day_cloud)}")
        if not 0.0 <= variability <= 1.0:
            raise ValueError(f"variability must be in [0, 1], got {variability}")
        self.latitude_deg = latitude_deg
        self.start = start
        self.day_cloud = tuple(float(c) for c in day_cloud)
        self.seed = seed
        self.variability = variability
        # Seconds from the start day's (solar) midnight to the start: day boundaries fall at midnight.
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._start_of_day_s = (start - midnight).total_seconds()
        self._start_ordinal = start.date().toordinal()
        self._day_of_year: dict[int, int] = {}
        self._pair_noise: dict[int, float] = {}
        self._csv: tuple[list[float], list[float]] | None = None
        if csv_path is not None:
            self._csv = _read_irradiance_csv(Path(csv_path), start)

    def _day_index(self, t: float) -> int:
        return math.floor((self._start_of_day_s + t) / DAY_S)

    def clear_sky(self, t: float) -> float:
        """Clear-sky irradiance at t (no clouds), W/m²."""
        day = self._day_index(t)
        doy = self._day_of_year.get(day)
        if doy is None:
            doy = date.fromordinal(self._start_ordinal + day).timetuple().tm_yday
            self._day_of_year[day] = doy
        hour = (self._start_of_day_s + t - day * DAY_S) / 3600.0
        return clear_sky_ghi(_elevation(self.latitude_deg, doy, hour))

    def _cloud_factor(self, t: float) -> float:
        factor = self.day_cloud[self._day_index(t) % len(self.day_cloud)]
        if self.variability > 0.0:
            # Blocks come in pairs with opposite deviations, so the mean over each 20 minutes is kept.
            block = math.floor(t / CLOUD_BLOCK_S)
            pair = block // 2
            z = self._pair_noise.get(pair)
            if z is None:
                z = random.Random(f"sky:{self.seed}:{pair}").uniform(-1.0, 1.0)
                self._pair_noise[pair] = z
            factor *= 1.0 + self.variability * (z if block % 2 == 0 else -z)
        return max(factor, 0.0)

    def irradiance(self, t: float) -> float:
        """W/m² on the panel at t. Measured data: linear between rows, 0 outside the file's span."""
        if self._csv is not None:
            times, values = self._csv
            if t < times[0] or t > times[-1]:
                return 0.0
            i = bisect_right(times, t)
            if i == len(times):
                return values[-1]
            t0, t1 = times[i - 1], times[i]
            return values[i - 1] + (values[i] - values[i - 1]) * (t - t0) / (t1 - t0)
        return self.clear_sky(t) * self._cloud_factor(t)

    def next_change(self, t: float) -> float:
        """The next time irradiance should be re-evaluated: at most 60 s on, and exactly at each CSV
        row, cloud block and (solar) midnight, where the cloud fraction may jump."""
        if self._csv is not None:
            times = self._csv[0]
            if t < times[0]:
                return times[0]
            i = bisect_right(times, t)
            if i == len(times):
                return math.inf
            return min(t + SMOOTH_STEP_S, times[i])
        nxt = min(t + SMOOTH_STEP_S, (self._day_index(t) + 1) * DAY_S - self._start_of_day_s)
        if self.variability > 0.0:
            nxt = min(nxt, (math.floor(t / CLOUD_BLOCK_S) + 1) * CLOUD_BLOCK_S)
        return nxt

    def when(self, t: float) -> datetime:
        """The (solar) clock time of scenario time t."""
        return self.start + timedelta(seconds=t)


@dataclass(frozen=True)
class Panel:
    """A small PV panel at its maximum power point. Only p_mpp_w, temp_coeff_per_k and noct_c enter
    the power; the voltages and current describe the panel for the charger's input limits."""

    p_mpp_w: float = 2.0  # a generic "6 V 2 W" mono-Si hobby panel (label: Vmp 6 V, Imp 0.33 A)
    v_mpp: float = 6.0  # same label
    v_oc: float = 7.2  # same label class: Voc ≈ Vmp / 0.83 for mono-Si
    i_sc: float = 0.36  # same label class: Isc ≈ 1.08 · Imp
    temp_coeff_per_k: float = -0.004  # mono-Si Pmax temperature coefficient, −0.35…−0.45 %/K
    noct_c: float = 45.0  # mono-Si NOCT 45 ± 2 °C (800 W/m², 20 °C air, 1 m/s wind)

    def __post_init__(self) -> None:
        if self.p_mpp_w <= 0 or self.v_mpp <= 0 or self.v_oc <= self.v_mpp or self.i_sc <= 0:
            raise ValueError("panel needs p_mpp_w > 0, 0 < v_mpp < v_oc and i_sc > 0")

    def cell_temperature(self, irradiance_w_m2: float, ambient_c: float) -> float:
        """NOCT model: T_cell = T_air + (NOCT − 20 °C) · G / 800 W/m²."""
        return ambient_c + (self.noct_c - 20.0) * max(irradiance_w_m2, 0.0) / 800.0

    def power(self, irradiance_w_m2: float, ambient_c: float) -> float:
        """Available MPP power, W: p_mpp · G/1000 W/m² · (1 + γ · (T_cell − 25 °C)), never negative."""
        if irradiance_w_m2 <= 0.0:
            return 0.0
        t_cell = self.cell_temperature(irradiance_w_m2, ambient_c)
        p = self.p_mpp_w * irradiance_w_m2 / 1000.0 * (1.0 + self.temp_coeff_per_k * (t_cell - 25.0))
        return max(p, 0.0)
