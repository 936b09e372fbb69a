"""Weather files through pvlib's readers: TMY3 (`read_tmy3`), EPW (`read_epw`) and PVGIS TMY
(`read_pvgis_tmy`, its CSV or JSON), turned into one hourly typical year that any period can be laid on.

A typical meteorological year strings months of different years together, so its rows are placed by
their UTC month, day and time in a 365-day reference year (29 February counts as the 28th) and the
series is periodic: a period from November to February reads December from the file's December and
January from its January. Each row stands for the middle of its interval — TMY3 labels the end of the
hour, pvlib's EPW reader the start, PVGIS the instant of its satellite image (`irradiance time offset`
in the file's metadata) — and values in between are interpolated linearly.

`pvlib:NAME` names one of the weather files pvlib ships in its own `data` folder (the two TMY3 files
703165TY.csv and 723170TYA.CSV), so a plan runs on real data without any download.
"""

from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ltobms.errors import UserError

if TYPE_CHECKING:
    import numpy as np  # numpy is imported where it is used: `ltobms --help` stays standard-library only

FORMATS = ("tmy3", "epw", "pvgis")
YEAR_S = 365 * 86400.0
PVLIB_PREFIX = "pvlib:"
# Where each format's row label sits in its hour, seconds from the label to the interval's middle.
MID_OFFSET_S = {"tmy3": -1800.0, "epw": 1800.0}


class WeatherFileError(UserError, ValueError):
    """A weather file that cannot be used (one line naming the file and the problem)."""


@contextmanager
def quiet_pvlib() -> Iterator[None]:
    """pvlib's arithmetic at night (0/0 in the clear-sky model) and its pandas deprecation notices are
    not the user's business: no warning lines in the middle of a progress bar."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def pvlib_data_dir() -> Path:
    import pvlib

    return Path(pvlib.__file__).resolve().parent / "data"


def resolve_path(spec: str | Path, base_dir: Path) -> Path:
    """A weather file named in a scenario or plan: `pvlib:NAME` or a path relative to `base_dir`."""
    text = str(spec)
    if text.startswith(PVLIB_PREFIX):
        path = pvlib_data_dir() / text.removeprefix(PVLIB_PREFIX)
        if not path.is_file():
            samples = sorted(p.name for p in pvlib_data_dir().iterdir()
                             if p.suffix.lower() in (".csv", ".epw") and p.name[0].isdigit())
            raise WeatherFileError(f"weather file {text}: pvlib has no such sample "
                                   f"(it ships: {', '.join(samples)})")
        return path
    path = Path(text).expanduser()
    return path if path.is_absolute() else base_dir / path


def detect_format(path: Path) -> str:
    """tmy3, epw or pvgis from the name and the first line."""
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return "epw"
    if suffix == ".json":
        return "pvgis"
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline()
    except OSError as exc:
        raise WeatherFileError(f"weather file {path}: cannot read ({exc.strerror})") from exc
    if first.startswith("LOCATION,"):
        return "epw"
    if first.lower().startswith(("latitude", "time(utc)")):
        return "pvgis"
    if len(first.split(",")) == 7:  # TMY3: USAF, name, state, TZ, latitude, longitude, altitude
        return "tmy3"
    raise WeatherFileError(f"weather file {path}: not a TMY3, EPW or PVGIS TMY file "
                           "(give format = \"tmy3\" | \"epw\" | \"pvgis\")")


@dataclass(frozen=True)
class Weather:
    """An hourly typical year: irradiance components (W/m²) and air temperature (°C) at `mid_s`,
    seconds into the 365-day reference year (UTC), ascending."""

    source: str
    format: str
    latitude: float
    longitude: float
    altitude: float
    tz_hours: float  # the file's own (standard) time zone, hours east of UTC
    mid_s: tuple[float, ...]
    ghi: tuple[float, ...]
    dni: tuple[float, ...]
    dhi: tuple[float, ...]
    temp_air: tuple[float, ...]

    def at(self, year_s: np.ndarray) -> dict[str, np.ndarray]:
        """Components at reference-year seconds (periodic linear interpolation)."""
        import numpy as np

        x = np.mod(year_s, YEAR_S)
        xp = np.asarray(self.mid_s)
        return {name: np.interp(x, xp, np.asarray(getattr(self, name)), period=YEAR_S)
                for name in ("ghi", "dni", "dhi", "temp_air")}

    def temperature(self, year_s: float) -> float:
        """Air temperature at one instant (the scalar path the electrical solve calls)."""
        xs, ys = self.mid_s, self.temp_air
        x = year_s % YEAR_S
        i = bisect_right(xs, x)
        if 0 < i < len(xs):
            x0, y0, x1, y1 = xs[i - 1], ys[i - 1], xs[i], ys[i]
        else:  # between the year's last row and its first
            x0, y0 = xs[-1] - (YEAR_S if i == 0 else 0.0), ys[-1]
            x1, y1 = xs[0] + (0.0 if i == 0 else YEAR_S), ys[0]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def year_seconds(when: datetime) -> float:
    """Seconds into the 365-day reference year of a UTC instant (29 February counts as the 28th)."""
    when = when.astimezone(UTC)
    doy = when.timetuple().tm_yday
    leap = when.year % 4 == 0 and (when.year % 100 != 0 or when.year % 400 == 0)
    if leap and doy > 59:
        doy -= 1
    return (doy - 1) * 86400.0 + when.hour * 3600.0 + when.minute * 60.0 + when.second \
        + when.microsecond / 1e6


def _year_seconds_index(index) -> np.ndarray:  # noqa: ANN001 - a tz-aware pandas DatetimeIndex
    """Reference-year UTC seconds of a file's rows, placed by the file's own calendar: a TMY's months
    are local months, so the day is taken in the file's zone and the zone's offset subtracted after."""
    import numpy as np

    doy = np.asarray(index.day_of_year, dtype=float)
    doy -= np.asarray(index.is_leap_year & (index.day_of_year > 59), dtype=float)
    seconds = np.asarray(index.hour * 3600 + index.minute * 60 + index.second, dtype=float)
    offset = index[0].utcoffset().total_seconds()  # the readers give one fixed offset (or UTC)
    return (doy - 1.0) * 86400.0 + seconds - offset


def read_weather(path: Path, fmt: str = "auto") -> Weather:
    """Read a weather file with pvlib's reader for its format (once per file version and process: a
    sweep builds many scenarios on the same file)."""
    if not path.is_file():
        raise WeatherFileError(f"weather file {path} does not exist")
    stat = path.stat()
    return _read_weather(path.resolve(), fmt, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_weather(path: Path, fmt: str, mtime_ns: int, size: int) -> Weather:
    import numpy as np

    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise WeatherFileError(f"weather format {fmt!r}: allowed auto, {', '.join(FORMATS)}")
    try:
        with quiet_pvlib():
            from pvlib import iotools
            if fmt == "tmy3":
                data, meta = iotools.read_tmy3(str(path), map_variables=True)
                lat, lon, alt, tz = meta["latitude"], meta["longitude"], meta["altitude"], meta["TZ"]
                shift = MID_OFFSET_S["tmy3"]
            elif fmt == "epw":
                data, meta = iotools.read_epw(str(path))
                lat, lon, alt, tz = meta["latitude"], meta["longitude"], meta["altitude"], meta["TZ"]
                shift = MID_OFFSET_S["epw"]
            else:
                data, meta = iotools.read_pvgis_tmy(str(path), map_variables=True)
                inputs = meta.get("inputs", {})
                loc = inputs.get("location", inputs)
                lat, lon, alt, tz = loc["latitude"], loc["longitude"], loc.get("elevation", 0.0), 0.0
                offset_h = loc.get("irradiance_time_offset", loc.get("irradiance time offset", 0.0)) or 0.0
                shift = float(offset_h) * 3600.0
    except Exception as exc:  # pvlib's readers raise many kinds for a malformed file
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeatherFileError(f"weather file {path}: pvlib cannot read it as {fmt} ({detail})") from None
    missing = [c for c in ("ghi", "dni", "dhi", "temp_air") if c not in data.columns]
    if missing:
        raise WeatherFileError(f"weather file {path}: no {', '.join(missing)} column")
    if len(data) < 24 * 360:
        raise WeatherFileError(f"weather file {path}: {len(data)} rows; a typical year has 8760")
    mid = np.mod(_year_seconds_index(data.index) + shift, YEAR_S)
    # A 29 February (a leap-year month in a PVGIS TMY) folds onto the 28th: the first row of each hour wins.
    _, order = np.unique(mid, return_index=True)
    if len(order) < 24 * 360:
        raise WeatherFileError(f"weather file {path}: {len(order)} distinct hours; a typical year has 8760")
    columns = {}
    for name in ("ghi", "dni", "dhi", "temp_air"):
        values = np.asarray(data[name], dtype=float)[order]
        bad = ~np.isfinite(values)
        if bad.any():
            raise WeatherFileError(f"weather file {path}: {int(bad.sum())} missing {name} values")
        columns[name] = tuple(float(v) for v in (np.maximum(values, 0.0) if name != "temp_air" else values))
    mids = tuple(float(v) for v in mid[order])
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise WeatherFileError(f"weather file {path}: no usable latitude/longitude in its header")
    return Weather(str(path), fmt, float(lat), float(lon), float(alt or 0.0), float(tz), mids, **columns)


class WeatherClimate:
    """The ambient temperature of a scenario from a weather file (the Climate protocol: `ambient(t)`,
    t in s since `start_utc`)."""

    def __init__(self, weather: Weather, start_utc: datetime) -> None:
        self.weather = weather
        self.start_utc = start_utc
        self._start_s = year_seconds(start_utc)

    def ambient(self, t: float) -> float:
        return self.weather.temperature(self._start_s + t)
