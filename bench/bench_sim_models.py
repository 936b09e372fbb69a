"""Simulator model figures: calls per second of what the board solve evaluates most often."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ltobms.sim.cell import LTO, Pack
from ltobms.sim.charger import SolarCharger
from ltobms.sim.environment import Climate
from ltobms.sim.load import Loads, Meshtastic
from ltobms.sim.ptc import Ptc
from ltobms.sim.solar import Panel, Sky

COUNT = 100_000


def rate(label: str, fn: Callable[[int], object]) -> None:
    start = time.perf_counter()
    for i in range(COUNT):
        fn(i)
    seconds = time.perf_counter() - start
    print(f"{label:<46} {COUNT / seconds:>12,.0f} calls/s  ({COUNT} in {seconds:.3f} s)")


def main() -> None:
    start = datetime(2025, 6, 21, 0, 0)
    pack = Pack(LTO)
    climate = Climate(start, mean_c=15.0, day_swing_c=10.0, noise_c=1.0)
    charger = SolarCharger(Panel(), Sky(50.0, start, variability=0.3), climate.ambient, v_cv=2.8)
    load = Loads(Meshtastic(seed=1))
    ptc = Ptc()
    rate("Pack.terminal_voltage", lambda i: pack.terminal_voltage(-0.05, 10.0))
    rate("Pack.apply (1 s)", lambda i: pack.apply(0.0, 1.0, 10.0))
    rate("Climate.ambient", lambda i: climate.ambient(i * 1.0))
    rate("SolarCharger.current (1 s apart)", lambda i: charger.current(2.4, i * 1.0))
    rate("Loads(Meshtastic).current (1 s apart)", lambda i: load.current(2.4, i * 1.0))
    rate("Loads(Meshtastic).next_change (1 s apart)", lambda i: load.next_change(i * 1.0))
    rate("Ptc.step", lambda i: ptc.step(0.05, 1.0))


if __name__ == "__main__":
    main()
