"""Simulator figures: simulated days per wall-clock minute for `solar-week` (the `make demo` scenario),
measured over a day-time and a night-time stretch of the real firmware on the emulator."""

from __future__ import annotations

import datetime as dt

from ltobms.sim.firmware import firmware_image
from ltobms.sim.run import Simulation
from ltobms.sim.scenario import Scenario

STRETCH_S = 2 * 3600.0


def measure(label: str, start: dt.datetime) -> float:
    scenario = Scenario.load("solar-week").with_changes(start=start, days=STRETCH_S / 86400)
    sim = Simulation(scenario, firmware_image(scenario.chemistry, scenario.board))
    result = sim.run()
    speed = result.duration_s / result.wall_s
    print(f"solar-week {label:<28} {speed:8.0f}x real time = {speed / 1440:6.2f} simulated days per "
          f"wall minute  ({result.instructions / result.wall_s / 1e6:.2f} M AVR instr/s)")
    return speed


def main() -> None:
    day = measure("midday (charging, 2 h)", dt.datetime(2026, 4, 1, 11, 0))
    night = measure("night (discharging, 2 h)", dt.datetime(2026, 4, 1, 0, 0))
    mean = 2 / (1 / day + 1 / night)
    print(f"solar-week mix                     {mean:8.0f}x real time = "
          f"{mean / 1440:6.2f} simulated days per wall minute; "
          f"a 7-day week takes ~{7 * 1440 / mean:.1f} wall minutes")


if __name__ == "__main__":
    main()
