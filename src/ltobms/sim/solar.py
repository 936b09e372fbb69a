"""Sunlight on a small PV panel, from pvlib — the field's standard library for it.

A Sky gives the irradiance on the panel's plane (W/m², "plane of array") over scenario time:

* the sun's position from pvlib's NREL SPA (`solarposition.get_solarposition`, method nrel_numpy);
* clear-sky irradiance from pvlib's Ineichen–Perez model with the monthly Linke turbidity climatology
  pvlib ships (`clearsky.ineichen`, `lookup_linke_turbidity`), or Haurwitz (`clearsky.haurwitz`);
* clouds as a seeded fraction of clear-sky GHI per day (`day_cloud`) and optional 10-minute blocks;
  the cloudy GHI is split into beam and diffuse with Erbs (`irradiance.erbs`) — overcast light is
  diffuse, so a steep winter panel gains little from it;
* or a weather file's hourly GHI/DNI/DHI (`ltobms.sim.weather`, pvlib's TMY3/EPW/PVGIS readers);
* transposed onto the tilted, turned panel with pvlib (`irradiance.get_total_irradiance`: Hay–Davies
  sky diffuse by default, isotropic or Perez on request, ground reflection with `albedo`);
* or measured irradiance already on the panel from a CSV file, replayed as it is.

The clock: scenario times are local clock times at the site. `timezone` names the zone (an IANA name
such as "Europe/Prague", or hours east of UTC); without one the clock is local mean solar time at
`longitude_deg` (UTC + longitude/15 h), and without a longitude that of longitude 0 — so a scenario
that only gives a latitude keeps "solar noon near 12:00" (within the equation of time, ±16 min).

pvlib works on arrays, so the Sky evaluates a day at a time on a grid — every 60 s for the sun
models, the file's own hourly instants for a weather file — and interpolates linearly in between. A
Panel turns plane-of-array irradiance and ambient temperature into its maximum-power-point output
(NOCT cell-temperature model, linear power temperature coefficient).
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ltobms.errors import UserError
from ltobms.sim.weather import YEAR_S, Weather, quiet_pvlib, year_seconds

if TYPE_CHECKING:
    import numpy as np  # numpy is imported where it is used: `ltobms --help` stays standard-library only

DAY_S = 86400.0
# Re-evaluate the smooth irradiance curve at least this often; the grid pvlib evaluates the sun on.
SMOOTH_STEP_S = 60.0
GRID_S = 60.0
CLOUD_BLOCK_S = 600.0
CLEAR_SKY_MODELS = ("ineichen", "haurwitz")
TRANSPOSITIONS = ("haydavies", "isotropic", "perez")
# Days of evaluated grid kept behind the current one (a run moves forward; a few look back a little).
KEEP_DAYS = 2


class IrradianceFileError(UserError, ValueError):
    """A measured-irradiance CSV that cannot be used (one line naming the file, line and problem)."""


def clock_zone(timezone_spec: str | float | None, longitude_deg: float) -> Any:
    """The tzinfo of the scenario clock (see the module docstring)."""
    if timezone_spec is None:
        return timezone(timedelta(hours=longitude_deg / 15.0))
    if isinstance(timezone_spec, bool):
        raise ValueError(f"timezone must be an IANA name or hours east of UTC, got {timezone_spec!r}")
    if isinstance(timezone_spec, int | float):
        if not -14.0 <= timezone_spec <= 14.0:
            raise ValueError(f"timezone must be within ±14 h of UTC, got {timezone_spec}")
        return timezone(timedelta(hours=float(timezone_spec)))
    try:
        return ZoneInfo(str(timezone_spec))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone {timezone_spec!r}: not an IANA time zone name such as "
                         "'Europe/Prague' (or give hours east of UTC)") from None


def start_utc(start: datetime, timezone_spec: str | float | None, longitude_deg: float | None) -> datetime:
    """The UTC instant of a scenario's start (a naive local clock time at the site)."""
    zone = clock_zone(timezone_spec, 0.0 if longitude_deg is None else float(longitude_deg))
    return start.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def solar_position(times_utc: Any, latitude_deg: float, longitude_deg: float, altitude_m: float = 0.0) -> Any:
    """pvlib's NREL SPA for a tz-aware pandas DatetimeIndex: apparent_zenith, zenith, azimuth, ..."""
    import pvlib

    return pvlib.solarposition.get_solarposition(times_utc, latitude_deg, longitude_deg,
                                                 altitude=altitude_m, method="nrel_numpy")


@lru_cache(maxsize=64)
def _linke_turbidity(latitude_deg: float, longitude_deg: float) -> tuple[float, ...]:
    """pvlib's Linke turbidity climatology at the site, one value per day of a 366-day year."""
    import pandas as pd
    import pvlib

    days = pd.date_range("2024-01-01 12:00", periods=366, freq="D", tz="UTC")
    with quiet_pvlib():
        values = pvlib.clearsky.lookup_linke_turbidity(days, latitude_deg, longitude_deg)
    return tuple(float(v) for v in values)


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
    """Irradiance on the panel's plane over scenario time t (s since `start`, a local clock time).

    day_cloud[i] is the fraction of clear-sky GHI on calendar day i of the run (cycled); variability
    (0…1) multiplies 10-minute blocks by 1 ± variability·u, u uniform in [−1, 1], seeded and
    mean-preserving. A `weather` replaces clear sky and clouds with a weather file's hourly data; a
    csv_path replaces everything with measured irradiance already on the panel.
    """

    def __init__(self, latitude_deg: float, start: datetime, day_cloud: Sequence[float] = (1.0,),
                 seed: int = 0, variability: float = 0.0, csv_path: Path | None = None,
                 longitude_deg: float | None = None, altitude_m: float = 0.0,
                 timezone: str | float | None = None, clear_sky: str = "ineichen",
                 tilt_deg: float = 0.0, azimuth_deg: float = 180.0, albedo: float = 0.25,
                 transposition: str = "haydavies", weather: Weather | None = None) -> None:
        if not -90.0 <= latitude_deg <= 90.0:
            raise ValueError(f"latitude_deg must be in [-90, 90], got {latitude_deg}")
        if longitude_deg is not None and not -180.0 <= longitude_deg <= 180.0:
            raise ValueError(f"longitude_deg must be in [-180, 180], got {longitude_deg}")
        if not -500.0 <= altitude_m <= 9000.0:
            raise ValueError(f"altitude_m must be in [-500, 9000], got {altitude_m}")
        if not day_cloud or any(not math.isfinite(c) or c < 0 for c in day_cloud):
            raise ValueError(f"day_cloud needs at least one fraction ≥ 0, got {list(day_cloud)}")
        if not 0.0 <= variability <= 1.0:
            raise ValueError(f"variability must be in [0, 1], got {variability}")
        if not 0.0 <= tilt_deg <= 90.0:
            raise ValueError(f"tilt_deg must be in [0, 90] (0 = flat, 90 = vertical), got {tilt_deg}")
        if not 0.0 <= azimuth_deg <= 360.0:
            raise ValueError(f"azimuth_deg must be in [0, 360] (180 = facing south), got {azimuth_deg}")
        if not 0.0 <= albedo <= 1.0:
            raise ValueError(f"albedo must be in [0, 1], got {albedo}")
        if clear_sky not in CLEAR_SKY_MODELS:
            raise ValueError(f"clear_sky {clear_sky!r}: allowed {', '.join(CLEAR_SKY_MODELS)}")
        if transposition not in TRANSPOSITIONS:
            raise ValueError(f"transposition {transposition!r}: allowed {', '.join(TRANSPOSITIONS)}")
        if weather is not None and csv_path is not None:
            raise ValueError("give a weather file or a measured-irradiance csv, not both")
        self.latitude_deg = latitude_deg
        self.longitude_deg = 0.0 if longitude_deg is None else float(longitude_deg)
        self.altitude_m = altitude_m
        self.start = start.replace(tzinfo=None)
        self.start_utc = start_utc(self.start, timezone, self.longitude_deg)
        self.day_cloud = tuple(float(c) for c in day_cloud)
        self.seed = seed
        self.variability = variability
        self.clear_sky_model = clear_sky
        self.tilt_deg = tilt_deg
        self.azimuth_deg = azimuth_deg
        self.albedo = albedo
        self.transposition = transposition
        self.weather = weather
        # Seconds from the start day's midnight (local clock) to the start: day boundaries fall there.
        midnight = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._start_of_day_s = (self.start - midnight).total_seconds()
        self._pair_noise: dict[int, float] = {}
        self._days: dict[int, tuple[list[float], list[float], list[float], list[float]]] = {}
        self._csv: tuple[list[float], list[float]] | None = None
        if csv_path is not None:
            self._csv = _read_irradiance_csv(Path(csv_path), self.start)

    # --- the day grid -----------------------------------------------------------------------------
    def _day_index(self, t: float) -> int:
        return math.floor((self._start_of_day_s + t) / DAY_S)

    def _utc_index(self, times: np.ndarray) -> Any:
        import pandas as pd

        return pd.DatetimeIndex(pd.Timestamp(self.start_utc) + pd.to_timedelta(times, unit="s"))

    def _plane(self, index: Any, sun: Any, ghi: np.ndarray, dni: np.ndarray | None = None,
               dhi: np.ndarray | None = None) -> np.ndarray:
        """Plane-of-array irradiance; without dni/dhi, GHI is split with Erbs."""
        import numpy as np
        import pvlib

        zenith = np.asarray(sun["zenith"], dtype=float)
        if dni is None or dhi is None:
            parts = pvlib.irradiance.erbs(ghi, zenith, index)
            dni, dhi = np.asarray(parts["dni"], dtype=float), np.asarray(parts["dhi"], dtype=float)
        dni = np.where(zenith < 90.0, dni, 0.0)
        if self.tilt_deg == 0.0:
            return np.maximum(ghi, 0.0)  # a flat panel sees the global horizontal irradiance itself
        extra = np.asarray(pvlib.irradiance.get_extra_radiation(index), dtype=float)
        airmass = np.asarray(pvlib.atmosphere.get_relative_airmass(np.asarray(sun["apparent_zenith"])),
                             dtype=float)
        poa = pvlib.irradiance.get_total_irradiance(
            self.tilt_deg, self.azimuth_deg, np.asarray(sun["apparent_zenith"], dtype=float),
            np.asarray(sun["azimuth"], dtype=float), dni, ghi, dhi, dni_extra=extra, airmass=airmass,
            albedo=self.albedo, model=self.transposition)
        return np.nan_to_num(np.maximum(np.asarray(poa["poa_global"], dtype=float), 0.0))

    def _clear_ghi(self, index: Any, sun: Any) -> np.ndarray:
        import numpy as np
        import pvlib

        apparent = np.asarray(sun["apparent_zenith"], dtype=float)
        if self.clear_sky_model == "haurwitz":
            return np.asarray(pvlib.clearsky.haurwitz(apparent)["ghi"], dtype=float)
        airmass = pvlib.atmosphere.get_absolute_airmass(pvlib.atmosphere.get_relative_airmass(apparent),
                                                        pvlib.atmosphere.alt2pres(self.altitude_m))
        linke = _linke_turbidity(round(self.latitude_deg, 3), round(self.longitude_deg, 3))
        turbidity = np.asarray([linke[d - 1] for d in index.day_of_year])
        extra = np.asarray(pvlib.irradiance.get_extra_radiation(index), dtype=float)
        sky = pvlib.clearsky.ineichen(apparent, np.asarray(airmass, dtype=float), turbidity,
                                      altitude=self.altitude_m, dni_extra=extra)
        return np.nan_to_num(np.asarray(sky["ghi"], dtype=float))

    def _day(self, day: int) -> tuple[list[float], list[float], list[float], list[float]]:
        """(grid times, value at each interval's left end, at its right end, clear-sky GHI)."""
        got = self._days.get(day)
        if got is not None:
            return got
        for old in [d for d in self._days if d < day - KEEP_DAYS]:
            del self._days[old]
        t0 = day * DAY_S - self._start_of_day_s
        with quiet_pvlib():
            got = self._weather_day(t0) if self.weather is not None else self._model_day(t0)
        self._days[day] = got
        return got

    def _model_day(self, t0: float) -> tuple[list[float], list[float], list[float], list[float]]:
        import numpy as np

        first = math.floor(t0 / GRID_S) * GRID_S
        times = np.arange(first, t0 + DAY_S + GRID_S, GRID_S)
        index = self._utc_index(times)
        sun = solar_position(index, self.latitude_deg, self.longitude_deg, self.altitude_m)
        clear = self._clear_ghi(index, sun)
        # One cloud factor per grid interval (blocks and days start on grid points, or at night), so
        # both ends of an interval are evaluated under the same sky and a block's factor holds inside it.
        factor = np.asarray([self._cloud_factor((a + b) / 2) for a, b in zip(times[:-1], times[1:],
                                                                             strict=True)])
        if not factor.any():
            zeros = [0.0] * (len(times) - 1)
            return list(times), zeros, zeros, list(clear)
        if np.all(factor == factor[0]):  # one sky all day: each grid point evaluated once
            values = self._plane(index, sun, clear * factor[0])
            left, right = values[:-1], values[1:]
        else:
            left = self._plane(index[:-1], sun.iloc[:-1], clear[:-1] * factor)
            right = self._plane(index[1:], sun.iloc[1:], clear[1:] * factor)
        return list(times), list(left), list(right), list(clear)

    def _weather_day(self, t0: float) -> tuple[list[float], list[float], list[float], list[float]]:
        import numpy as np

        w = self.weather
        assert w is not None
        start_s = year_seconds(self.start_utc)
        lo, hi = t0 - 2 * 3600.0, t0 + DAY_S + 2 * 3600.0
        mids = np.asarray(w.mid_s)
        n0 = math.floor((lo + start_s) / YEAR_S)
        candidates = np.concatenate([mids + n * YEAR_S for n in (n0 - 1, n0, n0 + 1)]) - start_s
        times = np.sort(candidates[(candidates >= lo) & (candidates <= hi)])
        data = w.at(times + start_s)
        index = self._utc_index(times)
        sun = solar_position(index, self.latitude_deg, self.longitude_deg, self.altitude_m)
        values = self._plane(index, sun, data["ghi"], data["dni"], data["dhi"])
        return list(times), list(values[:-1]), list(values[1:]), list(data["ghi"])

    @staticmethod
    def _interpolate(times: list[float], left: list[float], right: list[float], t: float) -> float:
        i = min(max(bisect_right(times, t) - 1, 0), len(left) - 1)
        t0, t1 = times[i], times[i + 1]
        return left[i] + (right[i] - left[i]) * (t - t0) / (t1 - t0)

    # --- the sky ----------------------------------------------------------------------------------
    def clear_sky(self, t: float) -> float:
        """Clear-sky global horizontal irradiance at t (no clouds), W/m²; for a weather file, the
        file's GHI."""
        times, _, _, clear = self._day(self._day_index(t))
        return self._interpolate(times, clear[:-1], clear[1:], t)

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
        times, left, right, _ = self._day(self._day_index(t))
        return self._interpolate(times, left, right, t)

    def next_change(self, t: float) -> float:
        """The next time irradiance should be re-evaluated: at most 60 s on, and exactly at each CSV
        row, cloud block and midnight, where the cloud fraction may jump."""
        if self._csv is not None:
            times = self._csv[0]
            if t < times[0]:
                return times[0]
            i = bisect_right(times, t)
            if i == len(times):
                return math.inf
            return min(t + SMOOTH_STEP_S, times[i])
        nxt = min(t + SMOOTH_STEP_S, (self._day_index(t) + 1) * DAY_S - self._start_of_day_s)
        if self.variability > 0.0 and self.weather is None:
            nxt = min(nxt, (math.floor(t / CLOUD_BLOCK_S) + 1) * CLOUD_BLOCK_S)
        return nxt

    def when(self, t: float) -> datetime:
        """The local clock time of scenario time t."""
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
    # Orientation (pvlib's convention): tilt from horizontal, azimuth the compass direction it faces
    # (180 = south). The scenario hands them to the Sky, which transposes the sun onto this plane.
    tilt_deg: float = 0.0
    azimuth_deg: float = 180.0

    def __post_init__(self) -> None:
        if self.p_mpp_w <= 0 or self.v_mpp <= 0 or self.v_oc <= self.v_mpp or self.i_sc <= 0:
            raise ValueError("panel needs p_mpp_w > 0, 0 < v_mpp < v_oc and i_sc > 0")
        if not 0.0 <= self.tilt_deg <= 90.0 or not 0.0 <= self.azimuth_deg <= 360.0:
            raise ValueError("panel needs tilt_deg in [0, 90] and azimuth_deg in [0, 360]")

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
