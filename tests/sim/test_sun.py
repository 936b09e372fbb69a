"""The sun through pvlib: the Sky's clock, solar position, clear sky and transposition onto a tilted
panel, held against pvlib's own reference values and its high-level API, and against what a panel's
orientation must do physically."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pvlib
import pytest

from ltobms.sim.solar import Sky, solar_position
from ltobms.sim.weather import quiet_pvlib

DAY = 86400.0


def daily_wh(sky: Sky, day: int = 0) -> float:
    """Wh/m² on the panel over one day (1-minute midpoint sum)."""
    return sum(sky.irradiance(day * DAY + t + 30.0) for t in range(0, 86400, 60)) * 60 / 3600


def test_the_spa_reference_instant() -> None:
    """NREL SPA report (Reda & Andreas 2004), the example pvlib's own tests use: 17 Oct 2003 12:30:30
    local (UTC−7) at 39.742476° N, 105.1786° W, 1830.14 m → topocentric zenith 50.11162°, azimuth
    194.34024°. The Sky's clock turns the local start into the right UTC instant."""
    sky = Sky(39.742476, datetime(2003, 10, 17, 12, 30, 30), longitude_deg=-105.1786, altitude_m=1830.14,
              timezone=-7)
    assert sky.start_utc == datetime(2003, 10, 17, 19, 30, 30, tzinfo=sky.start_utc.tzinfo)
    sun = solar_position(pd.DatetimeIndex([pd.Timestamp(sky.start_utc)]), 39.742476, -105.1786, 1830.14)
    # The report used 820 mbar and 11 °C; pressure from the altitude moves refraction by ~2e-4°.
    assert sun["apparent_zenith"].iloc[0] == pytest.approx(50.11162, abs=1e-3)
    assert sun["azimuth"].iloc[0] == pytest.approx(194.34024, abs=1e-4)


@pytest.mark.parametrize("hour, minute", [(7, 0), (9, 30), (13, 20), (17, 45)])
def test_clear_sky_equals_pvlibs_location_api(hour: int, minute: int) -> None:
    """Ineichen–Perez with pvlib's Linke turbidity, as pvlib.location.Location.get_clearsky computes it
    for the same site and instant (a summer day in a time zone with daylight saving)."""
    sky = Sky(36.1, datetime(2026, 6, 21), longitude_deg=-79.95, altitude_m=273.0,
              timezone="America/New_York")
    location = pvlib.location.Location(36.1, -79.95, tz="America/New_York", altitude=273.0)
    when = pd.Timestamp(2026, 6, 21, hour, minute, tz="America/New_York")
    with quiet_pvlib():
        expected = location.get_clearsky(pd.DatetimeIndex([when]))["ghi"].iloc[0]
    t = hour * 3600.0 + minute * 60.0
    assert sky.clear_sky(t) == pytest.approx(expected, rel=2e-3)
    assert sky.irradiance(t) == pytest.approx(expected, rel=2e-3)  # a flat panel sees GHI


def test_daylight_saving_shifts_the_clock_by_an_hour() -> None:
    summer = datetime(2026, 7, 1)
    zoned = Sky(50.0, summer, longitude_deg=14.4, timezone="Europe/Prague")  # CEST = UTC+2 in July
    fixed = Sky(50.0, summer, longitude_deg=14.4, timezone=1.0)
    for t in (9 * 3600.0, 12 * 3600.0, 15 * 3600.0):
        assert zoned.irradiance(t) == pytest.approx(fixed.irradiance(t - 3600.0), rel=1e-6)
    winter = datetime(2026, 12, 1)
    assert Sky(50.0, winter, longitude_deg=14.4, timezone="Europe/Prague").irradiance(11 * 3600.0) == \
        pytest.approx(Sky(50.0, winter, longitude_deg=14.4, timezone=1.0).irradiance(11 * 3600.0))


def test_without_a_zone_the_clock_is_local_mean_solar_time() -> None:
    for longitude in (None, 14.4, -120.0):
        sky = Sky(45.0, datetime(2026, 4, 15), longitude_deg=longitude)
        values = [(sky.irradiance(t), t) for t in range(0, 86400, 60)]
        peak_h = max(values)[1] / 3600.0
        assert abs(peak_h - 12.0) < 0.25  # the equation of time is ≈ 0 in mid-April


def test_a_south_facing_winter_panel_gains_and_a_north_facing_one_loses() -> None:
    def sky(**kw) -> Sky:
        return Sky(50.0, datetime(2026, 12, 21), longitude_deg=14.4, timezone=1.0, **kw)

    flat = daily_wh(sky())
    south = daily_wh(sky(tilt_deg=60.0, azimuth_deg=180.0))
    north = daily_wh(sky(tilt_deg=60.0, azimuth_deg=0.0))
    assert 800 < flat < 1600  # a clear December day at 50° N
    assert south > 2.0 * flat  # the low sun falls nearly square onto a steep south panel
    assert north < 0.5 * flat  # only diffuse and ground light
    # Overcast: almost all light is diffuse (Erbs), and a tilted panel sees less sky than a flat one.
    grey = 0.25
    assert daily_wh(sky(day_cloud=[grey])) == pytest.approx(grey * flat, rel=1e-3)
    assert daily_wh(sky(tilt_deg=60.0, day_cloud=[grey])) < daily_wh(sky(day_cloud=[grey]))


def test_east_and_west_panels_see_morning_and_afternoon() -> None:
    def sky(azimuth: float) -> Sky:
        return Sky(48.0, datetime(2026, 3, 20), longitude_deg=0.0, timezone=0.0, tilt_deg=90.0,
                   azimuth_deg=azimuth)

    east, west = sky(90.0), sky(270.0)
    assert east.irradiance(9 * 3600.0) > 3 * west.irradiance(9 * 3600.0)
    assert west.irradiance(15 * 3600.0) > 3 * east.irradiance(15 * 3600.0)
    # Mirror images about solar noon (12:07 UTC at longitude 0 around the equinox).
    assert daily_wh(east) == pytest.approx(daily_wh(west), rel=0.02)


def test_albedo_lights_a_vertical_panel_from_the_ground() -> None:
    def sky(albedo: float) -> Sky:
        return Sky(60.0, datetime(2026, 1, 15), longitude_deg=25.0, timezone=2.0, tilt_deg=90.0,
                   azimuth_deg=180.0, albedo=albedo, day_cloud=[0.5])

    snow, grass = daily_wh(sky(0.8)), daily_wh(sky(0.2))
    ghi = daily_wh(Sky(60.0, datetime(2026, 1, 15), longitude_deg=25.0, timezone=2.0, day_cloud=[0.5]))
    # A vertical plane sees half the ground: (0.8 − 0.2) · GHI / 2 more.
    assert snow - grass == pytest.approx(0.6 * ghi / 2, rel=0.01)


@pytest.mark.parametrize("model", ["isotropic", "haydavies", "perez"])
def test_every_transposition_model_runs_and_agrees_roughly(model: str) -> None:
    sky = Sky(50.0, datetime(2026, 12, 21), longitude_deg=14.4, timezone=1.0, tilt_deg=60.0,
              transposition=model, day_cloud=[0.6])
    reference = Sky(50.0, datetime(2026, 12, 21), longitude_deg=14.4, timezone=1.0, tilt_deg=60.0,
                    day_cloud=[0.6])
    assert daily_wh(sky) == pytest.approx(daily_wh(reference), rel=0.25)  # Perez: the most circumsolar light


@pytest.mark.parametrize("key, value, fragment", [
    ("timezone", "Mars/Olympus", "IANA"), ("timezone", 20, "14 h"), ("tilt_deg", 120.0, "tilt_deg"),
    ("azimuth_deg", -5.0, "azimuth_deg"), ("clear_sky", "bird", "clear_sky"),
    ("transposition", "klucher", "transposition"), ("longitude_deg", 200.0, "longitude_deg"),
])
def test_bad_sky_parameters_are_one_line_errors(key: str, value: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment) as info:
        Sky(50.0, datetime(2026, 1, 1), **{key: value})
    assert "\n" not in str(info.value)
