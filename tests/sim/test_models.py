"""The simulator's physical models against hand calculations and the numbers they were built from."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from ltobms.sim.cell import CHEMISTRIES, LTO, NAION, Chemistry, Pack
from ltobms.sim.charger import BenchSupply, NoCharger, SolarCharger
from ltobms.sim.environment import Climate, die_temperature
from ltobms.sim.load import ConstantCurrent, ConstantPower, ConstantResistance, Fault, Loads, Meshtastic
from ltobms.sim.ptc import Ptc
from ltobms.sim.solar import IrradianceFileError, Panel, Sky

DAY = 86400.0


def integrate(f, next_change, t0: float, t1: float) -> float:
    """∫ f dt over [t0, t1], stepping where the model says it changes (midpoint of each step)."""
    total, t = 0.0, t0
    while t < t1:
        n = min(next_change(t), t1)
        assert n > t, f"next_change({t}) = {n} does not advance"
        total += f((t + n) / 2) * (n - t)
        t = n
    return total


def sweep(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * i / n for i in range(n + 1)]


# ---------------------------------------------------------------- cell


@pytest.mark.parametrize("chem, empty_v, full_v, over_v", [(LTO, 1.5, 2.8, 3.05), (NAION, 1.5, 4.0, 4.25)])
def test_ocv_end_points(chem, empty_v: float, full_v: float, over_v: float) -> None:
    # State of charge on the usable capacity: 0 at the rated cut-off, 1 at the rated charge voltage.
    pack = Pack(chem, soc=0.0)
    assert pack.ocv(25.0) == pytest.approx(empty_v, abs=1e-9) == chem.empty_v
    pack.soc = 1.0
    assert pack.ocv(25.0) == pytest.approx(full_v, abs=1e-9) == chem.full_v
    pack.soc = 1.05
    assert pack.ocv(25.0) == pytest.approx(over_v, abs=0.02)


def _soc_at(chem, volts: float) -> float:
    pack, lo, hi = Pack(chem), -0.02, 1.05
    for _ in range(60):
        pack.soc = (lo + hi) / 2
        lo, hi = (pack.soc, hi) if pack.ocv(25.0) < volts else (lo, pack.soc)
    return pack.soc


@pytest.mark.parametrize("chem", [LTO, NAION])
def test_the_bms_limits_lie_inside_the_usable_window(chem) -> None:
    """The firmware's default UVLO cutoff and OVLO cutoff (design §3) fall inside 0–100 %, so a
    protected pack's state of charge cannot leave it."""
    from ltobms import config

    cfg = config.defaults(chem.name)
    uvlo, ovlo = _soc_at(chem, cfg.uvlo_cutoff / 1000), _soc_at(chem, cfg.ovlo_cutoff / 1000)
    assert 0.0 < uvlo < 0.05
    assert 0.95 < ovlo <= 1.0 + 1e-9
    with pytest.raises(ValueError, match="usable capacity"):
        Chemistry(**{**chem.__dict__, "full_v": chem.full_v + 0.1})


def test_lto_plateau_and_overcharge_rise() -> None:
    pack = Pack(LTO, soc=0.5)
    assert 2.3 <= pack.ocv(25.0) <= 2.45
    pack.soc = 1.02
    assert pack.ocv(25.0) == pytest.approx(2.9, abs=0.02)
    # Past empty the OCV keeps falling, below the LTO UVLO cutoff of 1.7 V (design §3).
    pack.soc = -0.02
    assert pack.ocv(25.0) < 1.7


@pytest.mark.parametrize("name", sorted(CHEMISTRIES))
@pytest.mark.parametrize("temp_c", [-30.0, 25.0, 50.0])
def test_ocv_rises_strictly_with_soc(name: str, temp_c: float) -> None:
    pack = Pack(CHEMISTRIES[name])
    volts = []
    for soc in sweep(-0.02, 1.05, 1070):
        pack.soc = soc
        volts.append(pack.ocv(temp_c))
    assert all(b > a for a, b in zip(volts, volts[1:], strict=False))


def test_ocv_temperature_term_is_small_and_linear() -> None:
    pack = Pack(LTO, soc=0.5)
    shift = pack.ocv(-15.0) - pack.ocv(25.0)
    assert shift == pytest.approx(LTO.ocv_temp_coeff_v_per_k * -40.0)
    assert abs(shift) < 0.05


@pytest.mark.parametrize("chem", [LTO, NAION])
def test_resistance_rises_in_the_cold(chem) -> None:
    pack = Pack(chem, cells_parallel=3)
    assert pack.resistance(25.0) == pytest.approx(chem.r_ohm / 3)
    expected = math.exp(chem.r_activation_k * (1 / 243.15 - 1 / 298.15))
    assert pack.resistance(-30.0) / pack.resistance(25.0) == pytest.approx(expected)
    assert pack.resistance(-30.0) > 3 * pack.resistance(25.0)
    assert pack.resistance(45.0) < pack.resistance(25.0)
    temps = sweep(-40.0, 60.0, 100)
    rs = [pack.resistance(t) for t in temps]
    assert all(b < a for a, b in zip(rs, rs[1:], strict=False))
    # The Arrhenius term is capped at 20× far below its range.
    assert pack.resistance(-150.0) == pytest.approx(20 * chem.r_ohm / 3)


def test_capacity_follows_the_temperature_table() -> None:
    pack = Pack(LTO, cells_parallel=3)
    assert pack.nominal_capacity_ah() == pytest.approx(3.9)  # design §2: 3 × 1300 mAh
    assert pack.capacity_ah(25.0) == pytest.approx(3.9)
    assert pack.capacity_ah(40.0) == pytest.approx(3.9)
    assert pack.capacity_ah(-30.0) == pytest.approx(0.80 * 3.9)  # the LTO makers' "80 % at −30 °C"
    fractions = dict(LTO.capacity_temp_table)
    midway = (fractions[-30.0] + fractions[-20.0]) / 2
    assert pack.capacity_ah(-25.0) == pytest.approx(midway * 3.9)
    assert Pack(LTO, cells_parallel=2, capacity_ah_per_cell=1.0).capacity_ah(25.0) == pytest.approx(2.0)


def test_terminal_voltage_sign_convention() -> None:
    pack = Pack(LTO, soc=0.5)
    ocv, r = pack.ocv(25.0), pack.resistance(25.0)
    assert pack.terminal_voltage(1.0, 25.0) == pytest.approx(ocv + r)  # charging lifts it
    assert pack.terminal_voltage(-2.0, 25.0) == pytest.approx(ocv - 2 * r)


def test_apply_one_amp_hour_moves_soc_by_one_over_capacity() -> None:
    pack = Pack(LTO, soc=0.2)
    pack.apply(3600.0, 0.0, 25.0)
    assert pack.soc == pytest.approx(0.2 + 1 / 3.9, abs=1e-12)
    pack.apply(-3600.0, 0.0, 25.0)
    assert pack.soc == pytest.approx(0.2, abs=1e-12)
    # In the cold the same charge is a larger share of the (smaller) capacity.
    cold = Pack(LTO, soc=0.2)
    cold.apply(3600.0, 0.0, -30.0)
    assert cold.soc == pytest.approx(0.2 + 1 / (0.8 * 3.9), abs=1e-12)


@pytest.mark.parametrize("chem", [LTO, NAION])
def test_self_discharge_over_30_days_equals_the_parameter(chem) -> None:
    pack = Pack(chem, soc=0.5)
    for _ in range(30 * 24):
        pack.apply(0.0, 3600.0, 25.0)
    assert pack.soc == pytest.approx(0.5 - chem.self_discharge_per_month, abs=1e-9)
    assert pack.self_discharged_c == pytest.approx(chem.self_discharge_per_month * pack.nominal_capacity_ah()
                                                   * 3600.0)


def test_self_discharge_stops_at_empty() -> None:
    pack = Pack(LTO, soc=0.001)
    pack.apply(0.0, 365 * DAY, 25.0)
    assert pack.soc == pytest.approx(0.0, abs=1e-12)
    assert pack.self_discharged_c == pytest.approx(0.001 * 3.9 * 3600)


def test_soc_range_is_enforced() -> None:
    pack = Pack(LTO, soc=1.049)
    pack.apply(0.0015 * 3.9 * 3600, 0.0, 25.0)  # overshoot of 0.0005: clamped
    assert pack.soc == 1.05
    with pytest.raises(ValueError, match="outside the modelled range"):
        pack.apply(0.01 * 3.9 * 3600, 0.0, 25.0)
    assert pack.soc == 1.05  # a refused step changes nothing
    low = Pack(LTO, soc=-0.015)
    with pytest.raises(ValueError, match="state of charge"):
        low.apply(-0.01 * 3.9 * 3600, 0.0, 25.0)
    with pytest.raises(ValueError, match="soc must be"):
        Pack(NAION, soc=1.2)


# ---------------------------------------------------------------- sun


def test_sky_time_runs_from_the_start_and_over_midnight() -> None:
    morning = Sky(50.0, datetime(2025, 6, 21, 6, 0))
    midnight = Sky(50.0, datetime(2025, 6, 21, 0, 0))
    assert morning.irradiance(6 * 3600) == pytest.approx(midnight.irradiance(12 * 3600))
    assert midnight.irradiance(12 * 3600) > 800
    assert midnight.irradiance(0.0) == 0.0
    # Next day's noon: the declination has moved on by a day, the value by very little.
    assert midnight.irradiance(DAY + 12 * 3600) == pytest.approx(midnight.irradiance(12 * 3600), rel=1e-3)
    # Next change: at most 60 s on, and exactly at midnight.
    assert midnight.next_change(100.0) == 160.0
    assert morning.next_change(18 * 3600 - 10) == 18 * 3600


def test_day_cloud_fractions_are_cycled() -> None:
    clear = Sky(45.0, datetime(2025, 5, 1))
    cloudy = Sky(45.0, datetime(2025, 5, 1), day_cloud=(1.0, 0.3))
    for day, fraction in [(0, 1.0), (1, 0.3), (2, 1.0), (3, 0.3)]:
        t = day * DAY + 12 * 3600
        assert cloudy.irradiance(t) == pytest.approx(fraction * clear.irradiance(t))


def test_cloud_variability_is_seeded_blocky_and_mean_preserving() -> None:
    start = datetime(2025, 6, 1)
    clear = Sky(48.0, start)
    a, b = Sky(48.0, start, seed=7, variability=0.8), Sky(48.0, start, seed=7, variability=0.8)
    other = Sky(48.0, start, seed=8, variability=0.8)
    noon = 12 * 3600.0
    samples = [noon + 600 * k + 300 for k in range(12)]
    assert [a.irradiance(t) for t in samples] == [b.irradiance(t) for t in samples]
    assert [a.irradiance(t) for t in samples] != [other.irradiance(t) for t in samples]
    ratios = [a.irradiance(t) / clear.irradiance(t) for t in samples]
    assert all(0.2 - 1e-9 <= r <= 1.8 + 1e-9 for r in ratios)
    assert max(ratios) - min(ratios) > 0.1
    # Within a block the factor holds; next_change stops at block edges.
    assert a.irradiance(noon + 10) / clear.irradiance(noon + 10) == pytest.approx(
        a.irradiance(noon + 590) / clear.irradiance(noon + 590))
    assert a.next_change(noon + 570) == noon + 600
    clear_energy = integrate(clear.irradiance, clear.next_change, 0.0, DAY)
    # Paired blocks cancel exactly only where the clear-sky curve is flat; across a day that leaves
    # well under 1 % (independent blocks would be off by several %).
    for seed in range(5):
        cloudy = Sky(48.0, start, seed=seed, variability=1.0)
        energy = integrate(cloudy.irradiance, cloudy.next_change, 0.0, DAY)
        assert energy == pytest.approx(clear_energy, rel=5e-3)


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_irradiance_two_hours_at_1000_gives_panel_energy(tmp_path: Path) -> None:
    rows = "\n".join(f"{s},1000" for s in range(0, 7201, 600))
    csv_path = _write_csv(tmp_path / "sun.csv", "seconds,w_m2\n" + rows + "\n")
    sky = Sky(50.0, datetime(2025, 6, 21), csv_path=csv_path)
    panel = Panel(p_mpp_w=1.0)
    # Air at −6.25 °C puts the cell at exactly 25 °C under 1000 W/m² (NOCT 45 °C model).
    charger = SolarCharger(panel, sky, ambient=lambda t: -6.25, v_cv=2.8, i_max=1.0, efficiency=0.9)
    v = 2.4
    out_wh = integrate(lambda t: v * charger.current(v, t), charger.next_change, 0.0, 3 * 3600) / 3600
    in_wh = integrate(lambda t: charger.power_in(v, t), charger.next_change, 0.0, 3 * 3600) / 3600
    assert out_wh == pytest.approx(1.0 * 2 * 0.9, rel=1e-9)
    assert in_wh == pytest.approx(1.0 * 2, rel=1e-9)
    assert sky.irradiance(7300.0) == 0.0  # after the measured span
    assert sky.next_change(7300.0) == math.inf
    assert sky.next_change(1000.0) == 1060.0


def test_csv_with_iso_times_is_interpolated(tmp_path: Path) -> None:
    csv_path = _write_csv(tmp_path / "sun.csv",
                          "time,w_m2\n2025-06-21T10:00:00,0\n2025-06-21T11:00:00,800\n2025-06-21T12:00:00,400\n")
    sky = Sky(50.0, datetime(2025, 6, 21, 9, 0), csv_path=csv_path)
    assert sky.irradiance(3600.0) == 0.0
    assert sky.irradiance(3600.0 + 1800) == pytest.approx(400.0)
    assert sky.irradiance(7200.0 + 900) == pytest.approx(700.0)
    assert sky.irradiance(3 * 3600.0) == pytest.approx(400.0)
    assert sky.next_change(0.0) == 3600.0  # the first row


@pytest.mark.parametrize("text, fragment", [
    ("t,w\n0,1\n1,2\n", "header"),
    ("seconds,w_m2\n0,1\n0,2\n", "line 3: times must increase"),
    ("seconds,w_m2\n0,1\n5,-2\n", "line 3: w_m2 must be"),
    ("seconds,w_m2\n0,1\nnoon,2\n", "line 3: expected a time"),
    ("seconds,w_m2\n0,1\n", "at least two"),
    ("time,w_m2\n2025-06-21T10:00:00+02:00,0\n2025-06-21T11:00:00+02:00,1\n", "UTC offset"),
])
def test_bad_csv_is_a_one_line_error(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(IrradianceFileError, match=fragment) as info:
        Sky(50.0, datetime(2025, 6, 21), csv_path=_write_csv(tmp_path / "bad.csv", text))
    assert "\n" not in str(info.value)


def test_panel_temperature_derating() -> None:
    panel = Panel(p_mpp_w=2.0)
    # 25 °C air at 1000 W/m²: cell at 25 + 25·1000/800 = 56.25 °C, −0.4 %/K → 87.5 %.
    assert panel.power(1000.0, 25.0) == pytest.approx(2.0 * (1 - 0.004 * 31.25))
    # 0 °C air at 400 W/m²: cell at 12.5 °C, +5 %.
    assert panel.power(400.0, 0.0) == pytest.approx(2.0 * 0.4 * 1.05)
    assert panel.power(0.0, 25.0) == 0.0
    assert panel.power(-5.0, 25.0) == 0.0


# ---------------------------------------------------------------- chargers


def test_bench_supply_cv_cc_curve() -> None:
    supply = BenchSupply(v_set=2.8, i_limit=0.5, on_s=10.0, off_s=100.0)
    assert supply.current(2.0, 50.0) == 0.5
    assert supply.current(2.79, 50.0) == pytest.approx(0.5)
    assert supply.current(2.795, 50.0) == pytest.approx(0.25)
    assert supply.current(2.8, 50.0) == 0.0
    assert supply.current(3.0, 50.0) == 0.0
    assert supply.current(2.0, 5.0) == 0.0 and supply.current(2.0, 100.0) == 0.0
    assert [supply.next_change(t) for t in (0.0, 10.0, 99.0, 100.0)] == [10.0, 100.0, 100.0, math.inf]
    currents = [supply.current(v, 50.0) for v in sweep(0.0, 3.0, 30000)]
    assert all(b <= a for a, b in zip(currents, currents[1:], strict=False))
    assert max(abs(b - a) for a, b in zip(currents, currents[1:], strict=False)) < 0.01
    assert supply.power_in(2.4, 50.0) == pytest.approx(2.4 * 0.5)
    with pytest.raises(ValueError):
        BenchSupply(v_set=2.8, i_limit=0.5, on_s=10.0, off_s=10.0)


def test_no_charger() -> None:
    none = NoCharger()
    assert none.current(0.0, 0.0) == 0.0 and none.power_in(2.4, 5.0) == 0.0
    assert none.next_change(1e9) == math.inf


def _sunny_charger(**kwargs) -> SolarCharger:
    sky = Sky(50.0, datetime(2025, 6, 21))
    return SolarCharger(Panel(p_mpp_w=2.0), sky, ambient=lambda t: 20.0, v_cv=2.8, **kwargs)


def test_solar_charger_limits() -> None:
    noon, night = 12 * 3600.0, 1 * 3600.0
    charger = _sunny_charger(i_max=0.5, efficiency=0.9)
    p = charger.output_power(noon)
    assert 1.2 < p < 1.9
    assert charger.current(2.4, noon) == pytest.approx(0.5)  # P/v ≈ 0.6 A, held at i_max
    wide = _sunny_charger(i_max=5.0, efficiency=0.9, precharge_current=1.0)
    assert wide.current(2.4, noon) == pytest.approx(p / 2.4)
    assert wide.current(0.0, noon) == pytest.approx(p / 0.5)  # a short does not ask for unbounded current
    assert wide.current(2.795, noon) == pytest.approx(p / 2.795 * 0.5)  # CV taper
    assert wide.current(2.8, noon) == 0.0 and wide.current(3.5, noon) == 0.0
    assert charger.current(2.0, night) == 0.0 and charger.power_in(2.0, night) == 0.0
    floor = _sunny_charger(i_max=5.0, efficiency=0.9, v_min_out=2.0, precharge_current=1.0)
    assert floor.current(1.0, noon) == pytest.approx(p / 2.0)
    currents = [wide.current(v, noon) for v in sweep(0.0, 3.0, 3000)]
    assert all(b <= a for a, b in zip(currents, currents[1:], strict=False))
    assert charger.next_change(noon) == noon + 60.0


def test_solar_charger_trickles_below_two_thirds_of_its_cv_voltage() -> None:
    """CN3791/CN3722-class precharge: below 66.7 % of the regulation voltage the current limit is
    17.5 % of the full one, rising over a 0.2 V ramp above the threshold."""
    noon = 12 * 3600.0
    charger = _sunny_charger(i_max=0.2, efficiency=0.9)  # the sun could give ~0.6 A at 2.4 V
    threshold = 0.667 * 2.8
    assert charger.current(1.0, noon) == pytest.approx(0.175 * 0.2)
    assert charger.current(threshold, noon) == pytest.approx(0.175 * 0.2)
    assert charger.current(threshold + 0.1, noon) == pytest.approx(0.2 * (0.175 + 0.825 / 2))
    assert charger.current(threshold + 0.2, noon) == pytest.approx(0.2)
    assert charger.current(2.4, noon) == pytest.approx(0.2)
    currents = [charger.current(v, noon) for v in sweep(0.0, 3.0, 3000)]
    # continuous: no step larger than the 10 mV CV taper makes over 1 mV
    assert max(abs(b - a) for a, b in zip(currents, currents[1:], strict=False)) <= 0.2 / 10 + 1e-9
    with pytest.raises(ValueError, match="precharge"):
        _sunny_charger(precharge_current=0.0)


def test_solar_charger_day_energy_is_bounded_by_the_panel() -> None:
    charger = _sunny_charger(i_max=5.0, efficiency=0.9)
    v = 2.4
    out_wh = integrate(lambda t: v * charger.current(v, t), charger.next_change, 0.0, DAY) / 3600
    in_wh = integrate(lambda t: charger.power_in(v, t), charger.next_change, 0.0, DAY) / 3600
    sky = charger.sky
    insolation_kwh = integrate(sky.irradiance, sky.next_change, 0.0, DAY) / 3.6e6
    # A 2 W panel makes at most 2 Wh per kWh/m²; the temperature loss takes some, the converter 10 %.
    assert out_wh == pytest.approx(0.9 * in_wh)
    assert 0.75 * 2 * insolation_kwh < in_wh < 2 * insolation_kwh


# ---------------------------------------------------------------- loads


def test_simple_loads() -> None:
    cc = ConstantCurrent(0.2, v_min=0.1)
    assert cc.current(2.4, 0.0) == 0.2 and cc.current(0.05, 0.0) == pytest.approx(0.1)
    assert cc.current(0.0, 0.0) == 0.0 and cc.current(-1.0, 0.0) == 0.0
    cr = ConstantResistance(10.0)
    assert cr.current(2.4, 0.0) == pytest.approx(0.24) and cr.current(0.0, 0.0) == 0.0
    cp = ConstantPower(0.5, v_off=1.0, efficiency=0.8)
    assert cp.current(2.5, 0.0) == pytest.approx(0.5 / 0.8 / 2.5)
    assert cp.current(1.0, 0.0) == pytest.approx(0.625)
    assert cp.current(0.975, 0.0) == pytest.approx(0.3125)  # halfway down the 50 mV UVLO ramp
    assert cp.current(0.9, 0.0) == 0.0 and cp.current(0.0, 0.0) == 0.0
    for load in (cc, cr, cp):
        assert load.next_change(0.0) == math.inf
        values = [load.current(v, 0.0) for v in sweep(0.0, 3.0, 30000)]
        assert max(abs(b - a) for a, b in zip(values, values[1:], strict=False)) < 0.01


@pytest.mark.parametrize("seed, tx_per_hour, airtime_s, days", [
    (1, 8.0, 0.64, 30), (2, 8.0, 0.64, 30), (3, 60.0, 2.0, 10), (4, 1800.0, 1.0, 1)])
def test_meshtastic_mean_current_matches_the_duty_cycle(seed: int, tx_per_hour: float, airtime_s: float,
                                                        days: int) -> None:
    node = Meshtastic(seed=seed, tx_per_hour=tx_per_hour, tx_airtime_s=airtime_s)
    mean = integrate(node.phase_current, node.next_change, 0.0, days * DAY) / (days * DAY)
    duty = tx_per_hour * airtime_s / 3600
    expected = duty * node.tx_a + (1 - duty) * node.rx_a
    assert mean == pytest.approx(expected, rel=0.03)
    bursts = node.tx_bursts(0.0, days * DAY)
    assert len(bursts) == pytest.approx(tx_per_hour * 24 * days, rel=0.05)
    assert all(end - start == pytest.approx(airtime_s) for start, end in bursts)


def test_meshtastic_draws_constant_power_through_its_regulator() -> None:
    node = Meshtastic(seed=4, v_off=1.2, efficiency=0.85)
    start, _ = node.tx_bursts(0.0, DAY)[0]
    for t, phase_a in [(start + 0.1, node.tx_a), (start - 1.0, node.rx_a)]:
        for v in (1.8, 2.4, 2.8):
            assert node.current(v, t) * v == pytest.approx(3.3 * phase_a / 0.85)
    assert node.current(1.1, start + 0.1) == 0.0
    assert node.phase(start + 0.1, v=1.1) == "off"
    assert node.phase(start + 0.1, v=2.4) == "tx"
    saving = Meshtastic(seed=4, power_saving=True)
    assert saving.phase(start - 1.0) == "sleep" and saving.phase(start + 0.1) == "tx"
    assert saving.current(2.4, start - 1.0) < node.current(2.4, start - 1.0)


def test_meshtastic_next_change_lands_exactly_on_phase_boundaries() -> None:
    node = Meshtastic(seed=11, tx_per_hour=30.0)
    t, boundaries = 0.0, 0
    while t < 6 * 3600:
        n = node.next_change(t)
        before, after = node.phase(math.nextafter(n, -math.inf)), node.phase(n)
        assert before == node.phase(t) and after != before
        t, boundaries = n, boundaries + 1
    assert boundaries > 100


def test_meshtastic_is_deterministic_for_a_seed() -> None:
    a, b, c = Meshtastic(seed=5), Meshtastic(seed=5), Meshtastic(seed=6)
    b.phase(3 * DAY)  # querying far ahead first must not change the schedule
    assert a.tx_bursts(0.0, DAY) == b.tx_bursts(0.0, DAY)
    assert a.tx_bursts(0.0, DAY) != c.tx_bursts(0.0, DAY)
    times = sweep(0, 3600, 360)
    assert [a.current(2.4, t) for t in times] == [b.current(2.4, t) for t in times]


def test_fault_windows() -> None:
    short = Fault("short", start_s=100.0, duration_s=5.0, ohms=0.05)
    assert short.current(2.4, 99.999) == 0.0
    assert short.current(2.4, 100.0) == pytest.approx(48.0)
    assert short.current(2.4, 104.999) == pytest.approx(48.0)
    assert short.current(2.4, 105.0) == 0.0
    assert short.current(0.0, 102.0) == 0.0
    assert [short.next_change(t) for t in (0.0, 100.0, 104.0, 105.0)] == [100.0, 105.0, 105.0, math.inf]
    overload = Fault("overload", start_s=10.0, duration_s=20.0, amps=1.5)
    assert overload.current(2.4, 20.0) == 1.5 and overload.current(2.4, 30.0) == 0.0
    assert overload.current(0.05, 20.0) == pytest.approx(0.75)
    for bad in (dict(kind="short", amps=1.0), dict(kind="overload", ohms=1.0), dict(kind="melt", ohms=1.0)):
        with pytest.raises(ValueError):
            Fault(start_s=0.0, duration_s=1.0, **bad)


def test_loads_sum_and_next_change() -> None:
    loads = Loads(ConstantCurrent(0.1), Fault("overload", 50.0, 10.0, amps=1.0), ConstantResistance(24.0))
    assert loads.current(2.4, 0.0) == pytest.approx(0.2)
    assert loads.current(2.4, 55.0) == pytest.approx(1.2)
    assert loads.next_change(0.0) == 50.0 and loads.next_change(55.0) == 60.0
    assert loads.next_change(60.0) == math.inf
    assert Loads().current(2.4, 0.0) == 0.0 and Loads().next_change(0.0) == math.inf


# ---------------------------------------------------------------- environment


def test_climate_day_and_night() -> None:
    climate = Climate(datetime(2025, 4, 1, 0, 0), mean_c=10.0, day_swing_c=12.0)
    minutes = [m * 60.0 for m in range(24 * 60)]
    temps = [climate.ambient(t) for t in minutes]
    coldest = minutes[temps.index(min(temps))] / 3600
    warmest = minutes[temps.index(max(temps))] / 3600
    assert coldest == pytest.approx(5.0, abs=0.05) and warmest == pytest.approx(15.0, abs=0.05)
    assert min(temps) == pytest.approx(4.0) and max(temps) == pytest.approx(16.0)
    assert sum(temps) / len(temps) == pytest.approx(10.0, abs=0.01)
    assert max(abs(b - a) for a, b in zip(temps, temps[1:], strict=False)) < 0.1  # smooth
    assert climate.ambient(DAY + 5 * 3600) == pytest.approx(4.0)  # every day alike
    # Time counts from the start's clock time.
    late = Climate(datetime(2025, 4, 1, 15, 0), mean_c=10.0, day_swing_c=12.0)
    assert late.ambient(0.0) == pytest.approx(16.0) and late.ambient(14 * 3600) == pytest.approx(4.0)


def test_climate_season_and_noise() -> None:
    seasonal = Climate(datetime(2025, 1, 1), mean_c=8.0, day_swing_c=0.0, season_swing_c=20.0)
    jan, jul = seasonal.ambient(14 * DAY), seasonal.ambient(195 * DAY)
    assert jan == pytest.approx(-2.0, abs=0.1) and jul == pytest.approx(18.0, abs=0.1)
    noisy = Climate(datetime(2025, 1, 1), mean_c=0.0, day_swing_c=0.0, seed=3, noise_c=2.0)
    same = Climate(datetime(2025, 1, 1), mean_c=0.0, day_swing_c=0.0, seed=3, noise_c=2.0)
    other = Climate(datetime(2025, 1, 1), mean_c=0.0, day_swing_c=0.0, seed=4, noise_c=2.0)
    times = sweep(0.0, 2 * DAY, 2880)
    values = [noisy.ambient(t) for t in times]
    assert values == [same.ambient(t) for t in times]
    assert values != [other.ambient(t) for t in times]
    assert max(abs(v) for v in values) <= 2.0 and max(abs(v) for v in values) > 0.5
    assert max(abs(b - a) for a, b in zip(values, values[1:], strict=False)) < 0.2
    # Smooth through the hourly knots too: flat there, not a kink.
    for k in (1, 2, 7):
        assert noisy.ambient(k * 3600.0 + 1) - noisy.ambient(k * 3600.0) == pytest.approx(0.0, abs=1e-4)


def test_die_temperature() -> None:
    assert die_temperature(-20.0) == pytest.approx(-19.5)
    assert die_temperature(30.0, self_heating_k=2.0) == pytest.approx(32.0)


# ---------------------------------------------------------------- PTC


def run_until_trip(ptc: Ptc, amps: float, dt: float, limit_s: float) -> float:
    t = 0.0
    while t < limit_s:
        t += dt
        if ptc.step(amps, dt):
            return t
    return math.inf


def test_ptc_never_trips_at_hold_current() -> None:
    ptc = Ptc()
    assert ptc.time_to_trip(1.0) == math.inf
    assert run_until_trip(ptc, 1.0, 1.0, 3600.0) == math.inf
    assert not ptc.tripped and ptc.resistance == pytest.approx(0.1)


def test_ptc_trips_at_2a_within_seconds_and_at_8a_like_the_datasheet() -> None:
    ptc = Ptc()
    expected_2a = ptc.trip_energy / (2.0 ** 2 - 1.0 ** 2)
    assert ptc.time_to_trip(2.0) == pytest.approx(expected_2a)
    trip_2a = run_until_trip(ptc, 2.0, 0.01, 120.0)
    assert trip_2a == pytest.approx(expected_2a, abs=0.011)
    assert trip_2a < 60.0  # "trip current" means within tens of seconds
    assert ptc.tripped and ptc.resistance > 5.0 and ptc.trips == 1
    fast = Ptc()
    trip_8a = run_until_trip(fast, 8.0, 0.001, 5.0)
    # Bourns MF-MSMF110: max. time to trip 0.3 s at 8 A.
    assert 0.2 < trip_8a <= 0.3 + 0.001


def test_ptc_time_to_trip_counts_the_heat_it_already_has() -> None:
    ptc = Ptc()
    ptc.step(2.0, 3.0)
    assert ptc.time_to_trip(2.0) == pytest.approx(ptc.trip_energy / 3.0 - 3.0)
    ptc.step(0.0, ptc.cool_tau_s)  # loses 1 − 1/e of its heat
    assert ptc.heat == pytest.approx(9.0 / math.e)


def test_ptc_latches_while_the_fault_lasts_and_resets_after_cooling() -> None:
    ptc = Ptc()
    ptc.step(8.0, 1.0)
    assert ptc.tripped
    # Shorted pack at 2.4 V through the tripped PTC: it keeps itself hot.
    latched_a = 2.4 / ptc.resistance
    for _ in range(600):
        ptc.step(latched_a, 1.0)
    assert ptc.tripped and ptc.time_to_reset(latched_a) == math.inf
    # The BMS opens the switch: no current, it cools and resets.
    wait = ptc.time_to_reset(0.0)
    assert 5.0 < wait < 120.0
    ptc.step(0.0, wait * 0.9)
    assert ptc.tripped
    ptc.step(0.0, wait * 0.2)
    assert not ptc.tripped and ptc.resistance == pytest.approx(0.1)
    assert ptc.time_to_trip(1.0) == math.inf and ptc.time_to_trip(2.0) < 6.3
