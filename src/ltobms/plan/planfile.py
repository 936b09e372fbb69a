"""The plan file (`ltobms plan PLAN.toml`): what is swept, where, when and under which sky — read,
checked key by key, and turned into the scenario sections every run shares.

    name = "hilltop"                 chemistry = "LTO", board = "revC", seed = 1, poll_s = 60
    [site]     latitude, longitude, altitude (m), timezone ("Europe/Prague" or hours east of UTC)
    [period]   start = 2026-12-01, days = 14   (or end = 2027-02-28)
    [pack]     cells_parallel, capacity_ah_per_cell, soc (at the start)
    [panel]    watts (Wp), tilt, azimuth (180 = south), efficiency (MPPT), albedo, ...
    [charger]  v_cv, i_max, precharge_fraction, precharge_current, v_min_out
    [node]     the Meshtastic model: tx_per_hour, tx_airtime_s, rx_a, tx_a, power_saving, ...
    [climate]  mean_c, day_swing_c, season_swing_c, noise_c (air temperature without a weather file)
    [weather]  file = "site.epw" | files = [...] | seasons = N (+ clear_share, persistence, sunny,
               grey, variability)
    [config]   EEPROM fields over the chemistry's defaults
    [sweep]    pack.cells_parallel = [1, 2, 3], panel.watts = [0.5, 1, 2], node.tx_per_hour = [4, 8]

Every mistake is one line naming the file, the key and what is allowed (design §6).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ltobms import config as eeprom_config
from ltobms.errors import UserError
from ltobms.sim.cell import CHEMISTRIES
from ltobms.sim.solar import CLEAR_SKY_MODELS, TRANSPOSITIONS, clock_zone
from ltobms.sim.weather import FORMATS

MAX_AXIS_VALUES = 50
MAX_RUNS = 100_000
# The charger's CV voltage when the plan does not give one: just below each chemistry's OVLO cutoff.
DEFAULT_V_CV = {"LTO": 2.75, "NAION": 3.8}


class PlanError(UserError, ValueError):
    """A plan file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Key:
    """One plan-file key: its kind and range, and where it goes in a run's scenario."""

    kind: str  # number | int | bool | str | choice | zone | pair
    target: tuple[str, str] | None = None  # (scenario section, key); None: the plan itself uses it
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    unit: str = ""
    choices: tuple[str, ...] = ()

    def check(self, where: str, value: Any) -> Any:
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise PlanError(f"{where} = {value!r}: must be true or false")
            return value
        if self.kind in ("str", "choice"):
            if not isinstance(value, str) or not value.strip():
                raise PlanError(f"{where} = {value!r}: must be a text string")
            if self.kind == "choice" and value not in self.choices:
                raise PlanError(f"{where} = {value!r}: allowed {', '.join(self.choices)}")
            return value
        if self.kind == "zone":
            try:
                clock_zone(value, 0.0)
            except ValueError as exc:
                raise PlanError(f"{where}: {exc}") from None
            return value
        if self.kind == "pair":
            if (not isinstance(value, list) or len(value) != 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                    or not 0 <= value[0] <= value[1] <= self.hi):
                raise PlanError(f"{where} = {value!r}: must be [low, high] with 0 ≤ low ≤ high ≤ {self.hi:g}")
            return [float(v) for v in value]
        integer = self.kind == "int"
        wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong_type or (integer and not isinstance(value, int)):
            raise PlanError(f"{where} = {value!r}: must be {'a whole number' if integer else 'a number'}"
                            f"{self._range()}")
        if not math.isfinite(value) or value < self.lo or value > self.hi \
                or (self.lo_open and value == self.lo) or (self.hi_open and value == self.hi):
            raise PlanError(f"{where} = {value!r}: must be{self._range()}")
        return value

    def _range(self) -> str:
        if self.lo == -math.inf and self.hi == math.inf:
            return ""
        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        unit = f" {self.unit}" if self.unit else ""
        return f" in {left}{self.lo:g}, {self.hi:g}{right}{unit}"


def _n(target: tuple[str, str] | None, lo: float, hi: float, unit: str = "", lo_open: bool = False,
       hi_open: bool = False) -> Key:
    return Key("number", target, lo, hi, lo_open, hi_open, unit)


SCHEMA: dict[str, dict[str, Key]] = {
    "": {"name": Key("str"), "description": Key("str"),
         "chemistry": Key("choice", choices=tuple(CHEMISTRIES)),
         "board": Key("choice", choices=("revC", "revB")), "seed": Key("int", None, 0, 2**31 - 1),
         "poll_s": _n(None, 1, 3600, "s")},
    "site": {"latitude": _n(("sky", "latitude_deg"), -90, 90, "°"),
             "longitude": _n(("sky", "longitude_deg"), -180, 180, "°"),
             "altitude": _n(("sky", "altitude_m"), -500, 9000, "m"),
             "timezone": Key("zone", ("sky", "timezone"))},
    "period": {"start": Key("date"), "end": Key("date"), "days": _n(None, 0, 366, "days", lo_open=True)},
    "pack": {"cells_parallel": Key("int", ("pack", "cells_parallel"), 1, 100),
             "capacity_ah_per_cell": _n(("pack", "capacity_ah_per_cell"), 0, 100, "Ah", lo_open=True),
             "soc": _n(("pack", "soc"), 0, 1)},
    "panel": {"watts": _n(("panel", "p_mpp_w"), 0, 1000, "Wp", lo_open=True),
              "tilt": _n(("panel", "tilt_deg"), 0, 90, "° (0 = flat)"),
              "azimuth": _n(("panel", "azimuth_deg"), 0, 360, "° (180 = south)"),
              "efficiency": _n(("charger", "efficiency"), 0, 1, lo_open=True),
              "albedo": _n(("sky", "albedo"), 0, 1),
              "temp_coeff_per_k": _n(("panel", "temp_coeff_per_k"), -0.02, 0, "1/K"),
              "noct_c": _n(("panel", "noct_c"), 20, 80, "°C"),
              "transposition": Key("choice", ("sky", "transposition"), choices=TRANSPOSITIONS),
              "clear_sky": Key("choice", ("sky", "clear_sky"), choices=CLEAR_SKY_MODELS)},
    "charger": {"v_cv": _n(("charger", "v_cv"), 0.5, 5, "V"),
                "i_max": _n(("charger", "i_max"), 0, 10, "A", lo_open=True),
                "precharge_fraction": _n(("charger", "precharge_fraction"), 0, 1, hi_open=True),
                "precharge_current": _n(("charger", "precharge_current"), 0, 1, lo_open=True),
                "v_min_out": _n(("charger", "v_min_out"), 0, 5, "V")},
    "node": {"tx_per_hour": _n(("load", "tx_per_hour"), 0, 3600, "/h"),
             "tx_airtime_s": _n(("load", "tx_airtime_s"), 0, 10, "s", lo_open=True),
             "rx_a": _n(("load", "rx_a"), 0, 1, "A"), "sleep_a": _n(("load", "sleep_a"), 0, 1, "A"),
             "tx_a": _n(("load", "tx_a"), 0, 3, "A"),
             "power_saving": Key("bool", ("load", "power_saving")),
             "efficiency": _n(("load", "efficiency"), 0, 1, lo_open=True),
             "v_supply": _n(("load", "v_supply"), 0, 12, "V", lo_open=True),
             "v_off": _n(("load", "v_off"), 0.05, 5, "V", lo_open=True)},
    "climate": {"mean_c": _n(("climate", "mean_c"), -60, 60, "°C"),
                "day_swing_c": _n(("climate", "day_swing_c"), 0, 60, "°C"),
                "season_swing_c": _n(("climate", "season_swing_c"), -80, 80, "°C"),
                "noise_c": _n(("climate", "noise_c"), 0, 30, "°C")},
    "weather": {"file": Key("str"), "files": Key("list"), "format": Key("choice", choices=("auto", *FORMATS)),
                "temperature": Key("bool"), "seasons": Key("int", None, 1, 1000),
                "clear_share": _n(None, 0, 1), "persistence": _n(None, 0, 1, hi_open=True),
                "sunny": Key("pair", hi=1.5), "grey": Key("pair", hi=1.5),
                "variability": _n(None, 0, 1)},
}
SWEEPABLE = ("pack", "panel", "charger", "node", "climate")
# Short column names for the usual axes (anything else shows its path).
AXIS_LABELS = {"pack.cells_parallel": "cells", "panel.watts": "panel Wp", "node.tx_per_hour": "TX/h",
               "pack.capacity_ah_per_cell": "Ah/cell", "panel.tilt": "tilt °", "charger.i_max": "I max A"}


@dataclass(frozen=True)
class Axis:
    path: str  # "section.key" in the plan file
    values: tuple[Any, ...]

    @property
    def label(self) -> str:
        return AXIS_LABELS.get(self.path, self.path)

    @property
    def target(self) -> tuple[str, str]:
        section, key = self.path.split(".", 1)
        target = SCHEMA[section][key].target
        assert target is not None
        return target


@dataclass(frozen=True)
class WeatherPlan:
    """File samples (one per file) or synthetic seasons."""

    files: tuple[Path, ...] = ()
    names: tuple[str, ...] = ()  # as written in the plan (shown in reports)
    format: str = "auto"
    temperature: bool = True
    seasons: int = 0
    clear_share: float = 0.25
    persistence: float = 0.6
    sunny: tuple[float, float] = (0.7, 1.0)
    grey: tuple[float, float] = (0.05, 0.35)
    variability: float = 0.2

    @property
    def samples(self) -> int:
        return len(self.files) or self.seasons


@dataclass(frozen=True)
class Plan:
    source: Path
    base_dir: Path
    name: str
    description: str
    chemistry: str
    board: str
    seed: int
    poll_s: float
    start: dt.datetime
    days: float
    sections: dict[str, dict[str, Any]]  # scenario sections every run shares (before the sweep)
    axes: tuple[Axis, ...]
    weather: WeatherPlan
    config: dict[str, int] = field(default_factory=dict)

    @property
    def combinations(self) -> int:
        return math.prod(len(a.values) for a in self.axes)

    @property
    def runs(self) -> int:
        return self.combinations * self.weather.samples


def load_plan(path: str | Path) -> Plan:
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"plan file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read ({exc})") from None
    return parse_plan(data, path)


def _section(data: Mapping[str, Any], name: str, source: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise PlanError(f"{source}: [{name}] must be a table")
    return dict(value)


def _checked(source: Path, section: str, values: Mapping[str, Any]) -> dict[str, Any]:
    schema = SCHEMA[section]
    out = {}
    for key, value in values.items():
        where = f"{source}: {'[' + section + '] ' if section else ''}{key}"
        if key not in schema:
            raise PlanError(f"{where}: unknown key (allowed: {', '.join(schema)})")
        spec = schema[key]
        if spec.kind in ("date", "list"):
            out[key] = value
            continue
        out[key] = spec.check(where, value)
    return out


def _date(source: Path, key: str, value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise PlanError(f"{source}: [period] {key} = {value!r}: must be a TOML date like 2026-12-01 "
                    "(or a date-time, local time at the site)")


def _flatten(prefix: str, value: Any, source: Path) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = []
        for k, v in value.items():
            items += _flatten(f"{prefix}.{k}" if prefix else k, v, source)
        return items
    return [(prefix, value)]


def _axes(source: Path, sweep: Mapping[str, Any]) -> tuple[Axis, ...]:
    axes = []
    for path, values in _flatten("", sweep, source):
        where = f"{source}: [sweep] {path}"
        section, _, key = path.partition(".")
        if section not in SWEEPABLE or key not in SCHEMA[section] or SCHEMA[section][key].target is None:
            sweepable = ", ".join(f"{s}.{k}" for s in SWEEPABLE for k, spec in SCHEMA[s].items()
                                  if spec.target is not None)
            raise PlanError(f"{where}: not a sweepable key (allowed: {sweepable})")
        if not isinstance(values, list) or not values:
            raise PlanError(f"{where} = {values!r}: must be a non-empty list of values, e.g. [1, 2, 3]")
        if len(values) > MAX_AXIS_VALUES:
            raise PlanError(f"{where}: {len(values)} values; at most {MAX_AXIS_VALUES} per axis")
        checked = [SCHEMA[section][key].check(where, v) for v in values]
        if len(set(checked)) != len(checked):
            raise PlanError(f"{where} = {values!r}: a value appears twice")
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in checked):
            checked.sort()  # ascending: "smaller" means an earlier value
        axes.append(Axis(path, tuple(checked)))
    return tuple(axes)


def _weather(source: Path, base_dir: Path, values: Mapping[str, Any]) -> WeatherPlan:
    w = _checked(source, "weather", values)
    names: list[str] = []
    if "file" in w:
        names.append(w["file"])
    if "files" in w:
        files = w["files"]
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
            raise PlanError(f"{source}: [weather] files = {files!r}: must be a list of file names")
        names += files
    seasons = w.get("seasons", 0)
    if names and seasons:
        raise PlanError(f"{source}: [weather]: give weather files or synthetic seasons, not both")
    if not names and not seasons:
        raise PlanError(f"{source}: [weather]: needs file = \"...\", files = [...] or seasons = N")
    synthetic = ("clear_share", "persistence", "sunny", "grey", "variability")
    if names and any(k in w for k in synthetic):
        extra = next(k for k in synthetic if k in w)
        raise PlanError(f"{source}: [weather] {extra}: applies to synthetic seasons only")
    if not names and any(k in w for k in ("format", "temperature")):
        extra = next(k for k in ("format", "temperature") if k in w)
        raise PlanError(f"{source}: [weather] {extra}: applies to weather files only")
    from ltobms.sim.weather import WeatherFileError, resolve_path

    paths = []
    for name in names:
        try:
            path = resolve_path(name, base_dir)
        except WeatherFileError as exc:
            raise PlanError(f"{source}: [weather] {exc}") from None
        if not path.is_file():
            raise PlanError(f"{source}: [weather] file {name!r}: {path} does not exist")
        paths.append(path)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in w.items() if k in synthetic}
    return WeatherPlan(files=tuple(paths), names=tuple(names), format=w.get("format", "auto"),
                       temperature=w.get("temperature", True), seasons=seasons, **kwargs)


def parse_plan(data: Mapping[str, Any], source: Path) -> Plan:
    base_dir = source.resolve().parent
    tables = set(SCHEMA) - {""} | {"sweep", "config"}
    top = {k: v for k, v in data.items() if k not in tables}
    top = _checked(source, "", top)
    sections = {name: _checked(source, name, _section(data, name, source))
                for name in ("site", "pack", "panel", "charger", "node", "climate")}
    period = _checked(source, "period", _section(data, "period", source))
    if "start" not in period:
        raise PlanError(f"{source}: [period] start: missing (e.g. start = 2026-12-01)")
    start = _date(source, "start", period["start"])
    if ("days" in period) == ("end" in period):
        raise PlanError(f"{source}: [period]: give either days = N or end = DATE")
    if "end" in period:
        end = _date(source, "end", period["end"])
        days = (end - start).total_seconds() / 86400.0
        if not 0 < days <= 366:
            raise PlanError(f"{source}: [period] end = {end.date()}: must be after start and within 366 days")
    else:
        days = float(period["days"])
    site = sections["site"]
    if "latitude" not in site:
        weather_keys = _section(data, "weather", source)
        if "seasons" in weather_keys or "file" not in weather_keys and "files" not in weather_keys:
            raise PlanError(f"{source}: [site] latitude: missing (needed for synthetic seasons)")
    weather = _weather(source, base_dir, _section(data, "weather", source))
    axes = _axes(source, _section(data, "sweep", source))
    chemistry = top.get("chemistry", "LTO")
    config = _section(data, "config", source)
    unknown = [k for k in config if k not in eeprom_config.FIELD_NAMES]
    if unknown:
        raise PlanError(f"{source}: [config] {unknown[0]}: unknown key "
                        f"(allowed: {', '.join(eeprom_config.FIELD_NAMES)})")
    plan = Plan(source=source, base_dir=base_dir, name=top.get("name", source.stem),
                description=top.get("description", ""), chemistry=chemistry, board=top.get("board", "revC"),
                seed=top.get("seed", 1), poll_s=float(top.get("poll_s", 60)), start=start, days=days,
                sections=_scenario_sections(sections, chemistry), axes=axes, weather=weather, config=config)
    if plan.runs > MAX_RUNS:
        raise PlanError(f"{source}: {plan.combinations} combinations × {weather.samples} samples = "
                        f"{plan.runs} runs; at most {MAX_RUNS}")
    return plan


def _scenario_sections(sections: Mapping[str, Mapping[str, Any]],
                       chemistry: str) -> dict[str, dict[str, Any]]:
    """The plan's sections mapped onto scenario sections (see SCHEMA's targets)."""
    out: dict[str, dict[str, Any]] = {"pack": {"soc": 0.9}, "panel": {"p_mpp_w": 1.0}, "sky": {},
                                      "charger": {"v_cv": DEFAULT_V_CV[chemistry]}, "load": {},
                                      "climate": {"mean_c": 0.0, "day_swing_c": 6.0, "noise_c": 2.0}}
    for name, values in sections.items():
        for key, value in values.items():
            target = SCHEMA[name][key].target
            assert target is not None
            out[target[0]][target[1]] = value
    return out


def apply(sections: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Scenario sections with one combination's axis values ({"pack.cells_parallel": 2, ...}) set."""
    out = {k: dict(v) for k, v in sections.items()}
    for path, value in values.items():
        section, key = path.split(".", 1)
        target = SCHEMA[section][key].target
        assert target is not None
        out[target[0]][target[1]] = value
    return out
