"""The pack: identical 18650 cells in parallel (1SxP), as one equivalent cell.

A cell is its open-circuit voltage over state of charge (with a small linear temperature term), a DC
internal resistance that rises in the cold (Arrhenius-like), a capacity that shrinks in the cold, and
self-discharge. Positive current charges the pack.

State of charge is the only state, defined on the cell's usable capacity: 0 is the rested cell at its
rated discharge cut-off voltage (`empty_v`, LTO 1.5 V), 1 the rested cell at its rated charge voltage
(`full_v`, LTO 2.8 V), and `capacity_ah` is the charge between the two — what a cell datasheet's rated
capacity means. The BMS's own limits (UVLO 1.7 V, OVLO 2.8 V for LTO) lie inside that window, so a
protected pack stays within 0–100 %. The model reaches a little beyond on both sides (down to -0.02,
over-discharged below the rated cut-off; up to 1.05, overcharged past the charge voltage) only so that
a failing protection can be shown to fail.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

KELVIN = 273.15
T_REF_K = 298.15
SOC_MIN = -0.02
SOC_MAX = 1.05
# A step may overshoot the model's range by this much (rounding in the integrator) before it is an error.
SOC_TOLERANCE = 0.001
# The cold resistance rise is capped: far below the table the Arrhenius term would grow without bound.
R_MAX_FACTOR = 20.0
SECONDS_PER_MONTH = 30 * 86400.0


@dataclass(frozen=True)
class Chemistry:
    """Parameters of one cell type (per cell, 25 °C unless a field says otherwise)."""

    name: str
    capacity_ah: float
    r_ohm: float
    ocv_table: tuple[tuple[float, float], ...]  # (soc, V), soc ascending from 0.0 to 1.05
    empty_v: float  # rated discharge cut-off voltage: the OCV at soc 0 (25 °C)
    full_v: float  # rated charge voltage: the OCV at soc 1 (25 °C)
    ocv_temp_coeff_v_per_k: float
    r_activation_k: float  # R(T) = r_ohm · exp(k · (1/T − 1/298.15 K)), capped at 20×
    capacity_temp_table: tuple[tuple[float, float], ...]  # (°C, fraction of capacity), °C ascending
    self_discharge_per_month: float  # fraction of capacity per 30 days at 25 °C
    safe_min_v: float
    safe_max_v: float

    def __post_init__(self) -> None:
        socs = [s for s, _ in self.ocv_table]
        volts = [v for _, v in self.ocv_table]
        if len(socs) < 2 or socs[0] != 0.0 or socs[-1] != SOC_MAX:
            raise ValueError(f"{self.name}: ocv_table must run from soc 0.0 to {SOC_MAX}")
        if any(b <= a for a, b in zip(socs, socs[1:], strict=False)):
            raise ValueError(f"{self.name}: ocv_table soc values must be strictly ascending")
        if any(b <= a for a, b in zip(volts, volts[1:], strict=False)):
            raise ValueError(f"{self.name}: ocv_table voltages must rise with soc")
        table = dict(self.ocv_table)
        if table.get(0.0) != self.empty_v or table.get(1.0) != self.full_v:
            raise ValueError(f"{self.name}: ocv_table must give empty_v at soc 0 and full_v at soc 1 "
                             "(state of charge is defined on the usable capacity)")
        temps = [t for t, _ in self.capacity_temp_table]
        if not temps or any(b <= a for a, b in zip(temps, temps[1:], strict=False)):
            raise ValueError(f"{self.name}: capacity_temp_table temperatures must be strictly ascending")
        if self.capacity_ah <= 0 or self.r_ohm <= 0:
            raise ValueError(f"{self.name}: capacity_ah and r_ohm must be > 0")


class _Curve:
    """Piecewise-linear y(x) through a table; past the ends either the end segment's line
    (extrapolate) or the end value."""

    def __init__(self, table: tuple[tuple[float, float], ...], extrapolate: bool) -> None:
        self.xs = tuple(p[0] for p in table)
        self.ys = tuple(p[1] for p in table)
        self.extrapolate = extrapolate and len(table) >= 2

    def __call__(self, x: float) -> float:
        xs, ys = self.xs, self.ys
        i = bisect_right(xs, x)
        if i == 0 or i == len(xs):
            if not self.extrapolate:
                return ys[0] if i == 0 else ys[-1]
            i = 1 if i == 0 else len(xs) - 1
        x0, x1 = xs[i - 1], xs[i]
        return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - x0) / (x1 - x0)


# 18650 LTO, 1300 mAh, 2.4 V nominal, 1.5–2.8 V, ≤ 18 mΩ (design §2). OCV shape: the usual LTO curve —
# a steep knee below 10 % (the BMS's 1.7 V UVLO cutoff at ≈ 2 %), a flat 2.3–2.45 V plateau, a rise to
# 2.8 V at full, and a steep overcharge rise past 100 % (2.9 V at 102 %, 3.05 V at 105 %).
LTO = Chemistry(
    name="LTO",
    capacity_ah=1.3,  # design §2: 1300 mAh per cell, between 1.5 V and 2.8 V
    r_ohm=0.018,  # design §2: ≤ 18 mΩ per cell (the worst case)
    ocv_table=(
        (0.00, 1.50), (0.01, 1.62), (0.02, 1.72), (0.04, 1.84), (0.06, 1.97), (0.09, 2.10),
        (0.14, 2.22), (0.23, 2.29), (0.33, 2.32), (0.43, 2.34), (0.52, 2.36), (0.62, 2.38),
        (0.71, 2.40), (0.81, 2.43), (0.90, 2.48), (0.95, 2.56), (0.98, 2.68), (1.00, 2.80),
        (1.02, 2.90), (1.05, 3.05),
    ),
    empty_v=1.50,  # design §2: 1.5–2.8 V
    full_v=2.80,
    # Entropic OCV change of LTO cells is well below 1 mV/K; −0.2 mV/K is of that order.
    ocv_temp_coeff_v_per_k=-0.0002,
    # ≈ 4× the 25 °C resistance at −30 °C (typical LTO low-temperature DCIR rise; E_a/R ≈ 1800 K).
    r_activation_k=1800.0,
    # LTO makers quote ≥ 80 % capacity at −30 °C; the rest is a smooth fit through that figure.
    capacity_temp_table=((-40.0, 0.65), (-30.0, 0.80), (-20.0, 0.88), (0.0, 0.95), (25.0, 1.0)),
    self_discharge_per_month=0.02,  # typical LTO cell datasheet: ≤ 2–3 % per month at 25 °C
    safe_min_v=1.5,  # absolute cell window 1.5–2.9 V (project brief; design §2 operating 1.5–2.8 V)
    safe_max_v=2.9,
)

# 18650 Na-ion, layered-oxide cathode / hard carbon: ~1.5 Ah, 3.0–3.1 V nominal, 1.5–4.0 V window,
# ~25 mΩ (typical 18650 Na-ion datasheets). OCV: a knee below 2.5 V (the BMS's 2.0 V UVLO cutoff at
# ≈ 2 %), a sloped middle, 4.0 V full, overcharge rise to 4.25 V.
NAION = Chemistry(
    name="NAION",
    capacity_ah=1.5,  # typical 18650 Na-ion datasheet: 1.3–1.5 Ah between 1.5 V and 4.0 V
    r_ohm=0.025,  # typical 18650 Na-ion datasheet: AC/DC IR ≈ 20–30 mΩ
    ocv_table=(
        (0.00, 1.50), (0.01, 1.80), (0.02, 2.00), (0.04, 2.25), (0.07, 2.50), (0.11, 2.70),
        (0.20, 2.87), (0.30, 2.98), (0.40, 3.07), (0.50, 3.15), (0.60, 3.24), (0.70, 3.34),
        (0.80, 3.46), (0.89, 3.62), (0.94, 3.72), (0.97, 3.85), (1.00, 4.00), (1.02, 4.10),
        (1.05, 4.25),
    ),
    empty_v=1.50,  # typical 18650 Na-ion datasheet window 1.5–4.0 V
    full_v=4.00,
    # Sloped Na-ion OCV: small entropic term, same order as LTO.
    ocv_temp_coeff_v_per_k=-0.0003,
    # ≈ 6× at −30 °C (Na-ion DCIR rises faster in the cold than LTO; E_a/R ≈ 2400 K).
    r_activation_k=2400.0,
    # Na-ion makers quote ≈ 90 % capacity at −20 °C; a smooth fit through that figure.
    capacity_temp_table=((-40.0, 0.60), (-30.0, 0.78), (-20.0, 0.90), (0.0, 0.96), (25.0, 1.0)),
    self_discharge_per_month=0.03,  # typical Na-ion datasheet: ≤ 3 % per month at 25 °C
    safe_min_v=1.5,  # typical Na-ion datasheet window 1.5–4.0 V
    safe_max_v=4.0,
)

CHEMISTRIES: dict[str, Chemistry] = {"LTO": LTO, "NAION": NAION}


class Pack:
    """cells_parallel identical cells in parallel, tracked as one state of charge."""

    def __init__(self, chemistry: Chemistry, cells_parallel: int = 3, soc: float = 0.5,
                 capacity_ah_per_cell: float | None = None) -> None:
        if cells_parallel < 1:
            raise ValueError(f"cells_parallel must be ≥ 1, got {cells_parallel}")
        if not SOC_MIN <= soc <= SOC_MAX:
            raise ValueError(f"soc must be in [{SOC_MIN}, {SOC_MAX}], got {soc}")
        if capacity_ah_per_cell is not None and capacity_ah_per_cell <= 0:
            raise ValueError(f"capacity_ah_per_cell must be > 0, got {capacity_ah_per_cell}")
        self.chemistry = chemistry
        self.cells_parallel = cells_parallel
        self.soc = float(soc)
        self.capacity_ah_per_cell = capacity_ah_per_cell or chemistry.capacity_ah
        self.self_discharged_c = 0.0
        self._ocv_curve = _Curve(chemistry.ocv_table, extrapolate=True)
        self._capacity_curve = _Curve(chemistry.capacity_temp_table, extrapolate=False)

    def nominal_capacity_ah(self) -> float:
        return self.cells_parallel * self.capacity_ah_per_cell

    def capacity_ah(self, temp_c: float) -> float:
        return self.nominal_capacity_ah() * self._capacity_curve(temp_c)

    def ocv(self, temp_c: float) -> float:
        chem = self.chemistry
        return self._ocv_curve(self.soc) + chem.ocv_temp_coeff_v_per_k * (temp_c - 25.0)

    def resistance(self, temp_c: float) -> float:
        chem = self.chemistry
        t_k = max(temp_c + KELVIN, 1.0)
        factor = min(math.exp(chem.r_activation_k * (1.0 / t_k - 1.0 / T_REF_K)), R_MAX_FACTOR)
        return chem.r_ohm * factor / self.cells_parallel

    def terminal_voltage(self, current_a: float, temp_c: float) -> float:
        """Voltage at the pack terminals with current_a flowing in (+ charging, − discharging)."""
        return self.ocv(temp_c) + current_a * self.resistance(temp_c)

    def apply(self, charge_c: float, dt_s: float, temp_c: float) -> None:
        """charge_c coulombs INTO the pack over dt_s (negative = discharge), plus self-discharge over
        dt_s. soc changes by charge/(capacity_ah(temp)·3600)."""
        if dt_s < 0:
            raise ValueError(f"dt_s must be ≥ 0, got {dt_s}")
        capacity_c = self.capacity_ah(temp_c) * 3600.0
        # Self-discharge is a fraction of the nominal capacity per month; it stops at empty (a real
        # cell's leakage fades there, and it must not push the model past its range on its own).
        leak_c = 0.0
        if self.soc > 0.0:
            leak_c = self.chemistry.self_discharge_per_month * self.nominal_capacity_ah() * 3600.0 \
                * dt_s / SECONDS_PER_MONTH
            leak_c = min(leak_c, self.soc * capacity_c)
        soc = self.soc + (charge_c - leak_c) / capacity_c
        if soc < SOC_MIN - SOC_TOLERANCE or soc > SOC_MAX + SOC_TOLERANCE:
            raise ValueError(
                f"{self.chemistry.name} pack state of charge would reach {soc:.4f}, outside the modelled "
                f"range [{SOC_MIN}, {SOC_MAX}] (charge {charge_c:+.3f} C over {dt_s:g} s): "
                f"the protection should have stopped this")
        self.soc = min(max(soc, SOC_MIN), SOC_MAX)
        self.self_discharged_c += leak_c
