"""Weather files through pvlib's readers, on pvlib's own sample files (TMY3 from its wheel, EPW and PVGIS
TMY from its source distribution), and a scenario that runs on one."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from pvlib import iotools

from ltobms.sim.scenario import Scenario, ScenarioError
from ltobms.sim.weather import WeatherFileError, quiet_pvlib, read_weather, resolve_path, year_seconds

SAMPLES = {"723170TYA.CSV": "tmy3", "703165TY.csv": "tmy3", "NLD_Amsterdam062400_IWEC.epw": "epw",
           "tmy_45.000_8.000_2005_2023.csv": "pvgis", "tmy_45.000_8.000_2005_2023.json": "pvgis"}


def diurnal_centre_utc_h(weather) -> float:  # noqa: ANN001 - a Weather
    """The GHI-weighted circular mean of the hour of day (UTC) of a whole year."""
    angle = np.asarray(weather.mid_s) % 86400.0 / 86400.0 * 2 * math.pi
    g = np.asarray(weather.ghi)
    return (math.atan2((g * np.sin(angle)).sum(), (g * np.cos(angle)).sum()) / (2 * math.pi) * 24) % 24


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_pvlib_sample_files_read_as_a_typical_year(pvlib_sample, name: str) -> None:
    path = pvlib_sample(name)
    weather = read_weather(path)
    assert weather.format == SAMPLES[name]
    assert len(weather.mid_s) == 8760
    assert all(b > a for a, b in zip(weather.mid_s, weather.mid_s[1:], strict=False))
    assert -90 <= weather.latitude <= 90 and -180 <= weather.longitude <= 180
    # Nothing lost or invented: the year's irradiation is the file's, as pvlib reads it.
    with quiet_pvlib():
        reader = {"tmy3": iotools.read_tmy3, "epw": iotools.read_epw, "pvgis": iotools.read_pvgis_tmy}
        data = reader[weather.format](str(path))[0]
    assert sum(weather.ghi) == pytest.approx(float(data["ghi"].clip(lower=0).sum()), rel=1e-9)
    assert min(weather.temp_air) > -60 and max(weather.temp_air) < 60
    # Each row placed at the middle of its interval: the year's light is centred on solar noon.
    noon_utc = (12.0 - weather.longitude / 15.0) % 24
    off_h = (diurnal_centre_utc_h(weather) - noon_utc + 12) % 24 - 12
    assert abs(off_h) < 0.25, f"{name}: light centred {off_h:+.2f} h from solar noon"


def test_pvgis_csv_and_json_are_the_same_year(pvlib_sample) -> None:
    a = read_weather(pvlib_sample("tmy_45.000_8.000_2005_2023.csv"))
    b = read_weather(pvlib_sample("tmy_45.000_8.000_2005_2023.json"))
    assert a.mid_s == b.mid_s and a.ghi == b.ghi and a.temp_air == b.temp_air
    # PVGIS stamps each hour at its satellite image, 0.1761 h after the full hour (its metadata).
    assert a.mid_s[0] % 3600 == pytest.approx(0.1761 * 3600)


def test_values_interpolate_between_rows_and_wrap_around_the_year(pvlib_sample) -> None:
    w = read_weather(pvlib_sample("723170TYA.CSV"))
    x = np.asarray(w.mid_s)
    at_rows = w.at(x)
    assert np.allclose(at_rows["ghi"], w.ghi) and np.allclose(at_rows["temp_air"], w.temp_air)
    between = w.at(np.asarray([(x[1000] + x[1001]) / 2]))["temp_air"][0]
    assert between == pytest.approx((w.temp_air[1000] + w.temp_air[1001]) / 2)
    across = w.temperature(x[-1] + (x[0] + 365 * 86400.0 - x[-1]) / 2)
    assert across == pytest.approx((w.temp_air[-1] + w.temp_air[0]) / 2)
    assert w.temperature(x[5] + 365 * 86400.0) == pytest.approx(w.temp_air[5])


def test_a_scenario_runs_its_sun_and_temperature_from_a_weather_file(pvlib_sample, tmp_path: Path) -> None:
    weather = read_weather(pvlib_sample("723170TYA.CSV"))
    scenario = Scenario.from_dict({
        "days": 2, "start": datetime(2026, 1, 10), "pack": {"soc": 0.5},
        "weather": {"file": "pvlib:723170TYA.CSV"},
        "charger": {"type": "solar", "v_cv": 2.75}, "panel": {"p_mpp_w": 1.0},
    }, tmp_path)
    models = scenario.build()
    sky = models.charger.sky
    # The site and the clock (the file's standard time, UTC−5) come from the file.
    assert (sky.latitude_deg, sky.longitude_deg) == (weather.latitude, weather.longitude)
    assert sky.start_utc == datetime(2026, 1, 10, 5, 0, tzinfo=sky.start_utc.tzinfo)
    # At a row's instant a flat panel sees the file's GHI, and the air is the file's.
    start_s = year_seconds(sky.start_utc)
    rows = [i for i, m in enumerate(weather.mid_s) if start_s + 86400 < m < start_s + 2 * 86400
            and weather.ghi[i] > 100]
    for i in rows[:5]:
        t = weather.mid_s[i] - start_s
        assert sky.irradiance(t) == pytest.approx(weather.ghi[i], rel=1e-9)
        assert models.climate.ambient(t) == pytest.approx(weather.temp_air[i], rel=1e-9)
    # temperature = false keeps the climate model.
    kept = scenario.with_changes(weather={"file": "pvlib:723170TYA.CSV", "temperature": False},
                                 climate={"mean_c": -30.0, "day_swing_c": 0.0})
    assert kept.build().climate.ambient(3600.0) == pytest.approx(-30.0)


@pytest.mark.parametrize("section, fragment", [
    ({"file": "missing.epw"}, "does not exist"),
    ({"file": "pvlib:nope.csv"}, "pvlib has no such sample"),
    ({"file": "pvlib:723170TYA.CSV", "format": "grib"}, "weather format 'grib'"),
    ({"file": "pvlib:723170TYA.CSV", "fomat": "epw"}, "unknown key 'fomat'"),
    ({"format": "epw"}, "needs file"),
])
def test_bad_weather_sections_are_one_line_errors(tmp_path: Path, section: dict, fragment: str) -> None:
    with pytest.raises(ScenarioError, match=fragment) as info:
        Scenario.from_dict({"weather": section, "charger": {"type": "solar", "v_cv": 2.75}}, tmp_path)
    assert "\n" not in str(info.value)


def test_clouds_do_not_mix_with_a_weather_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="day_cloud: does not apply"):
        Scenario.from_dict({"weather": {"file": "pvlib:723170TYA.CSV"}, "sky": {"day_cloud": [0.5]},
                            "charger": {"type": "solar", "v_cv": 2.75}}, tmp_path)


def test_a_file_that_is_not_weather_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    with pytest.raises(WeatherFileError, match="not a TMY3, EPW or PVGIS"):
        read_weather(junk)
    epw = tmp_path / "short.epw"
    epw.write_text("LOCATION,x,-,x,x,0,50.0,14.0,1.0,200\n")
    with pytest.raises(WeatherFileError, match="0 rows; a typical year has 8760") as info:
        read_weather(epw)
    assert "\n" not in str(info.value)
    broken = tmp_path / "broken.epw"
    broken.write_text("LOCATION,x\n" * 9 + "not,numbers\n")
    with pytest.raises(WeatherFileError, match="pvlib cannot read it as epw") as info:
        read_weather(broken)
    assert "\n" not in str(info.value)
    assert resolve_path("sub/x.epw", tmp_path) == tmp_path / "sub" / "x.epw"
