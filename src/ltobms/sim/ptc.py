"""The resettable fuse F1 on the load path (1.0 A hold, 2.0 A trip, 6 V; design §2).

A lumped thermal model in units of A²s. The heating the part cannot shed is the excess of its
dissipation over what it dissipates at the hold current, expressed as an equivalent current through
the cold resistance: q = I² · R / R_cold, and h grows by (q − I_hold²) · dt while q > I_hold². With
q ≤ I_hold² the heat decays exponentially (cool_tau_s). At h ≥ trip_energy it trips to r_tripped.

Because q uses the present resistance, a tripped part stays tripped as long as the fault drives
enough current through its high resistance to keep it hot (I² · r_tripped > I_hold² · r_cold, about
0.1 W with the defaults), as a real PTC latches until the fault or the voltage goes away; once the
current falls below that it cools, and it resets when h has decayed below reset_fraction of
trip_energy.

Calibration (Bourns MF-MSMF110, the nearest 1812 / 6 V part: 1.1 A hold, 2.2 A trip, max. time to
trip 0.3 s at 8 A, R 0.04–0.21 Ω, 0.8 W tripped): from cold, t_trip(I) = trip_energy / (I² − I_hold²),
so trip_energy = (8² − 1²) A² · 0.3 s = 18.9 A²s: 0.30 s at 8 A, 6.3 s at 2 A, never at ≤ 1 A.
"""

from __future__ import annotations

import math

MAX_TIME_TO_TRIP_8A_S = 0.3  # Bourns MF-MSMF110 datasheet: max. time to trip at 8.0 A


class Ptc:
    def __init__(self, hold_a: float = 1.0, trip_a: float = 2.0,
                 # Bourns MF-MSMF110: R_min 0.04 Ω, R1_max 0.21 Ω; 0.1 Ω in between.
                 r_cold_ohm: float = 0.1,
                 # V²/P with 0.8 W tripped dissipation (MF-MSMF110 datasheet) at the 2.4 V LTO pack.
                 r_tripped_ohm: float = 2.4 ** 2 / 0.8,
                 trip_energy: float = (8.0 ** 2 - 1.0 ** 2) * MAX_TIME_TO_TRIP_8A_S,
                 # Model choice (datasheets give no cooling constant): an 1812 part cools back
                 # within tens of seconds once the fault is gone.
                 cool_tau_s: float = 10.0,
                 reset_fraction: float = 0.1) -> None:
        if not 0 < hold_a < trip_a:
            raise ValueError(f"need 0 < hold_a < trip_a, got hold_a={hold_a}, trip_a={trip_a}")
        if not 0 < r_cold_ohm < r_tripped_ohm:
            raise ValueError("need 0 < r_cold_ohm < r_tripped_ohm")
        if trip_energy <= 0 or cool_tau_s <= 0 or not 0 < reset_fraction < 1:
            raise ValueError("need trip_energy > 0, cool_tau_s > 0 and 0 < reset_fraction < 1")
        if trip_energy / (trip_a ** 2 - hold_a ** 2) > 600.0:
            raise ValueError(f"trip_energy {trip_energy} A²s would take over 10 min to trip at "
                             f"trip_a={trip_a} A")
        self.hold_a = hold_a
        self.trip_a = trip_a
        self.r_cold_ohm = r_cold_ohm
        self.r_tripped_ohm = r_tripped_ohm
        self.trip_energy = trip_energy
        self.cool_tau_s = cool_tau_s
        self.reset_fraction = reset_fraction
        self.heat = 0.0  # A²s above the hold state
        self.tripped = False
        self.trips = 0

    @property
    def resistance(self) -> float:
        return self.r_tripped_ohm if self.tripped else self.r_cold_ohm

    def _excess(self, amps: float) -> float:
        """q − I_hold² at this current through the present resistance (A²)."""
        return amps * amps * self.resistance / self.r_cold_ohm - self.hold_a ** 2

    def time_to_trip(self, amps: float) -> float:
        """Seconds until it trips at a constant current from the present heat state (0 if tripped,
        inf if it never would)."""
        if self.tripped:
            return 0.0
        excess = self._excess(amps)
        if excess <= 0.0:
            return math.inf
        return max(self.trip_energy - self.heat, 0.0) / excess

    def time_to_reset(self, amps: float) -> float:
        """Seconds until a tripped part resets at a constant current (inf if it stays tripped)."""
        if not self.tripped or self._excess(amps) > 0.0:
            return math.inf
        return self.cool_tau_s * math.log(max(self.heat / (self.reset_fraction * self.trip_energy), 1.0))

    def step(self, amps: float, dt_s: float) -> bool:
        """Advance dt_s at a constant current; True if it tripped during this step. The step is taken
        at the resistance it starts with: split steps at time_to_trip / time_to_reset."""
        if dt_s < 0:
            raise ValueError(f"dt_s must be ≥ 0, got {dt_s}")
        excess = self._excess(amps)
        if excess > 0.0:
            self.heat = min(self.heat + excess * dt_s, self.trip_energy)
            if not self.tripped and self.heat >= self.trip_energy:
                self.tripped = True
                self.trips += 1
                return True
            return False
        self.heat *= math.exp(-dt_s / self.cool_tau_s)
        if self.tripped and self.heat < self.reset_fraction * self.trip_energy:
            self.tripped = False
        return False
