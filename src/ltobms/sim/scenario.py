"""Scenarios: a TOML file (or a dict) that says which pack, board, charger, load, climate, faults and host
a simulation uses, for how long. Built-in scenarios ship in `ltobms/sim/scenarios/`; a user's file works
the same way. Model parameters not given keep the model's defaults (see each model's docstring).

    name = "my-node"
    days = 3
    seed = 1
    start = 2026-12-01T00:00:00      # local solar time at the site
    board = "revC"
    [pack]      chemistry = "LTO", cells_parallel = 3, soc = 0.5, capacity_ah_per_cell = 1.3
    [climate]   mean_c = -5, day_swing_c = 6, ...            (ltobms.sim.environment.Climate)
    [charger]   type = "solar" | "bench" | "none" + parameters (SolarCharger / BenchSupply)
    [sky]       latitude_deg = 50, day_cloud = [1.0, 0.3], variability = 0.2, csv = "irr.csv"
    [sky]       longitude_deg, altitude_m, timezone = "Europe/Prague", clear_sky, transposition, albedo
    [weather]   file = "site.epw" | "pvlib:723170TYA.CSV", format = "auto", temperature = true
    [panel]     p_mpp_w = 1.0, tilt_deg = 60, azimuth_deg = 180, ...   (ltobms.sim.solar.Panel)
    [load]      type = "meshtastic" | "current" | "resistance" | "power" | "none" + parameters
    [[faults]]  kind = "short" | "overload", start_s = 3600, duration_s = 60, ohms = 0.2 / amps = 1.5
    [host]      poll_s = 60, address = 0x41
    [config]    EEPROM image fields (ltobms.config.Config) over the chemistry's defaults
    [board_model] Board parameters (ltobms.sim.board.Board), [ptc] PTC parameters
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ltobms import config as eeprom_config
from ltobms.errors import UserError
from ltobms.sim import charger as charger_models
from ltobms.sim import load as load_models
from ltobms.sim.board import Board
from ltobms.sim.cell import CHEMISTRIES, Pack
from ltobms.sim.environment import Climate, die_temperature
from ltobms.sim.ptc import Ptc
from ltobms.sim.solar import Panel, Sky, start_utc
from ltobms.sim.weather import Weather, WeatherClimate, WeatherFileError, read_weather, resolve_path

TOP_KEYS = {"name", "description", "days", "seed", "start", "board", "pack", "climate", "charger", "sky",
            "panel", "load", "faults", "host", "config", "board_model", "ptc", "self_heating_k", "weather"}
WEATHER_KEYS = {"file", "format", "temperature"}


class ScenarioError(UserError, ValueError):
    """A scenario file or value that cannot be used; the message names the key."""


def builtin_names() -> list[str]:
    folder = resources.files("ltobms.sim") / "scenarios"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def _construct(what: str, factory: Callable[..., Any], params: Mapping[str, Any], *args: Any) -> Any:
    """Call a model constructor with a scenario section; unknown keys become one clear error."""
    try:
        accepted = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        accepted = {}
    unknown = [k for k in params if accepted and k not in accepted]
    if unknown:
        allowed = ", ".join(k for k in accepted if k not in ("self",) and not k.startswith("_"))
        raise ScenarioError(f"[{what}]: unknown key {unknown[0]!r} (allowed: {allowed})")
    try:
        return factory(*args, **params)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"[{what}]: {exc}") from None


@dataclass
class Scenario:
    data: dict[str, Any]
    base_dir: Path = field(default_factory=Path.cwd)  # where relative file names (irradiance CSV) live

    # --- loading --------------------------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """A built-in by name (`solar-week`) or a TOML file path."""
        path = Path(name_or_path)
        if path.suffix == ".toml" or path.exists():
            if not path.is_file():
                raise ScenarioError(f"scenario file {path} does not exist")
            text, base = path.read_text(), path.resolve().parent
        else:
            name = str(name_or_path)
            if name not in builtin_names():
                raise ScenarioError(f"unknown scenario {name!r} (built-in: {', '.join(builtin_names())}; "
                                    "or give a .toml file)")
            text = (resources.files("ltobms.sim") / "scenarios" / f"{name}.toml").read_text()
            base = Path.cwd()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"scenario {name_or_path}: not valid TOML: {exc}") from None
        return cls.from_dict(data, base)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: Path | None = None) -> Scenario:
        scenario = cls(copy.deepcopy(dict(data)), base_dir or Path.cwd())
        scenario.validate()
        return scenario

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with top-level keys replaced and sections updated key by key, e.g.
        `with_changes(days=0.5, pack={"soc": 0.1})`."""
        data = copy.deepcopy(self.data)
        for key, value in changes.items():
            if isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return Scenario.from_dict(data, self.base_dir)

    # --- checks ---------------------------------------------------------------------------------
    def validate(self) -> None:
        d = self.data
        unknown = sorted(set(d) - TOP_KEYS)
        if unknown:
            raise ScenarioError(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(TOP_KEYS))})")
        days = d.get("days", 1.0)
        if not isinstance(days, int | float) or not 0 < days <= 366:
            raise ScenarioError(f"days = {days!r}: must be a number of days in (0, 366]")
        if self.board not in ("revB", "revC"):
            raise ScenarioError(f"board = {self.board!r}: allowed revB, revC")
        if self.chemistry not in CHEMISTRIES:
            raise ScenarioError(f"[pack] chemistry = {self.chemistry!r}: allowed {', '.join(CHEMISTRIES)}")
        start = d.get("start", dt.datetime(2026, 6, 1))
        if not isinstance(start, dt.datetime | dt.date):
            raise ScenarioError(f"start = {start!r}: must be a TOML date-time like 2026-06-01T00:00:00")
        poll = self.host.get("poll_s", 60)
        if not isinstance(poll, int | float) or poll < 1:
            raise ScenarioError(f"[host] poll_s = {poll!r}: must be at least 1 s")
        for i, fault in enumerate(d.get("faults", [])):
            if fault.get("kind") not in ("short", "overload"):
                raise ScenarioError(f"[[faults]] #{i + 1}: kind = {fault.get('kind')!r}: "
                                    "allowed short, overload")
        self.eeprom_config()  # raises a one-line ConfigError for a bad [config]
        self.build()  # every model parameter checked before anything runs

    # --- views ----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.data.get("name", "scenario"))

    @property
    def description(self) -> str:
        return str(self.data.get("description", ""))

    @property
    def days(self) -> float:
        return float(self.data.get("days", 1.0))

    @property
    def duration_s(self) -> float:
        return self.days * 86400.0

    @property
    def seed(self) -> int:
        return int(self.data.get("seed", 0))

    @property
    def start(self) -> dt.datetime:
        start = self.data.get("start", dt.datetime(2026, 6, 1))
        if not isinstance(start, dt.datetime):
            start = dt.datetime(start.year, start.month, start.day)
        return start.replace(tzinfo=None)

    @property
    def board(self) -> str:
        return str(self.data.get("board", "revC"))

    @property
    def chemistry(self) -> str:
        return str(self.data.get("pack", {}).get("chemistry", "LTO")).upper()

    @property
    def host(self) -> dict[str, Any]:
        return dict(self.data.get("host", {}))

    def eeprom_config(self) -> eeprom_config.Config:
        overrides = dict(self.data.get("config", {}))
        base = eeprom_config.defaults(self.chemistry)
        unknown = [k for k in overrides if k not in eeprom_config.FIELD_NAMES]
        if unknown:
            raise ScenarioError(f"[config]: unknown key {unknown[0]!r} "
                                f"(allowed: {', '.join(eeprom_config.FIELD_NAMES)})")
        return eeprom_config.validate(base.with_changes(**overrides), self.chemistry)

    # --- building the models --------------------------------------------------------------------
    def build(self, seed: int | None = None) -> Models:
        seed = self.seed if seed is None else seed
        d = self.data
        pack_params = {k: v for k, v in d.get("pack", {}).items() if k != "chemistry"}
        pack = _construct("pack", Pack, pack_params, CHEMISTRIES[self.chemistry])
        climate = _construct("climate", Climate, {"mean_c": 15.0, "day_swing_c": 8.0, "seed": seed,
                                                  **d.get("climate", {})}, self.start)
        weather = self.weather()
        if weather is not None and d["weather"].get("temperature", True):
            sky = self._sky_params(weather)
            climate = WeatherClimate(weather, start_utc(self.start, sky.get("timezone"),
                                                        sky.get("longitude_deg")))
        ptc = _construct("ptc", Ptc, d.get("ptc", {}))
        board = _construct("board_model", Board,
                           {**d.get("board_model", {}), "revision": self.board, "ptc": ptc})
        charger = self._charger(seed, climate)
        loads = [self._load(seed)] + [self._fault(i, f) for i, f in enumerate(d.get("faults", []))]
        load = load_models.Loads(*loads)
        heating = float(d.get("self_heating_k", 0.5))
        return Models(board, pack, charger, load, climate,
                      lambda t: die_temperature(climate.ambient(t), heating))

    def _charger(self, seed: int, climate: Climate) -> Any:
        params = dict(self.data.get("charger", {"type": "none"}))
        kind = params.pop("type", "none")
        if kind == "none":
            return charger_models.NoCharger()
        if kind == "bench":
            return _construct("charger", charger_models.BenchSupply, params)
        if kind == "solar":
            weather = self.weather()
            sky_params = self._sky_params(weather)
            if "csv" in sky_params:
                sky_params["csv_path"] = self.base_dir / sky_params.pop("csv")
            panel = _construct("panel", Panel, self.data.get("panel", {}))
            sky = _construct("sky", Sky, {"seed": seed, "start": self.start, "tilt_deg": panel.tilt_deg,
                                          "azimuth_deg": panel.azimuth_deg, "weather": weather,
                                          **sky_params})
            return _construct("charger", charger_models.SolarCharger, params, panel, sky, climate.ambient)
        raise ScenarioError(f"[charger] type = {kind!r}: allowed none, bench, solar")

    def weather(self) -> Weather | None:
        """The [weather] file read with pvlib (once per scenario), or None."""
        section = self.data.get("weather")
        if section is None:
            return None
        if not isinstance(section, Mapping) or "file" not in section:
            raise ScenarioError("[weather]: needs file = \"...\" (a TMY3, EPW or PVGIS TMY file)")
        unknown = sorted(set(section) - WEATHER_KEYS)
        if unknown:
            raise ScenarioError(f"[weather]: unknown key {unknown[0]!r} "
                                f"(allowed: {', '.join(sorted(WEATHER_KEYS))})")
        key = (str(section["file"]), str(section.get("format", "auto")))
        cached = getattr(self, "_weather", None)
        if cached is None or cached[0] != key:
            try:
                weather = read_weather(resolve_path(key[0], self.base_dir), key[1])
            except WeatherFileError as exc:
                raise ScenarioError(f"[weather]: {exc}") from None
            self._weather = cached = (key, weather)
        return cached[1]

    def _sky_params(self, weather: Weather | None) -> dict[str, Any]:
        """[sky] as Sky keywords; a weather file supplies the site and its own time zone by default."""
        params = dict(self.data.get("sky", {}))
        if weather is not None:
            clash = sorted({"day_cloud", "variability", "csv"} & set(params))
            if clash:
                raise ScenarioError(f"[sky] {clash[0]}: does not apply with a [weather] file")
            params.setdefault("latitude_deg", weather.latitude)
            params.setdefault("longitude_deg", weather.longitude)
            params.setdefault("altitude_m", weather.altitude)
            params.setdefault("timezone", weather.tz_hours)
        return params

    def _load(self, seed: int) -> Any:
        params = dict(self.data.get("load", {"type": "none"}))
        kind = params.pop("type", "none")
        factories: dict[str, Callable[..., Any]] = {
            "meshtastic": load_models.Meshtastic, "current": load_models.ConstantCurrent,
            "resistance": load_models.ConstantResistance, "power": load_models.ConstantPower,
        }
        if kind == "none":
            return load_models.ConstantCurrent(0.0)
        if kind not in factories:
            raise ScenarioError(f"[load] type = {kind!r}: allowed none, {', '.join(factories)}")
        if kind == "meshtastic":
            params.setdefault("seed", seed)
        return _construct("load", factories[kind], params)

    def _fault(self, index: int, params: Mapping[str, Any]) -> Any:
        p = dict(params)
        if "start_h" in p:
            p["start_s"] = float(p.pop("start_h")) * 3600.0
        return _construct(f"faults #{index + 1}", load_models.Fault, p)


@dataclass
class Models:
    board: Board
    pack: Pack
    charger: Any
    load: Any
    climate: Climate
    die_temperature: Callable[[float], float]
