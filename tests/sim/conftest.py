"""Fixtures for the simulator's tests: the project's firmware images (built by `make test` first; built
here under a lock when missing) and a runner for shortened scenarios."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ltobms.sim.firmware import firmware_image
from ltobms.sim.run import SimResult, Simulation
from ltobms.sim.scenario import Scenario


@pytest.fixture(scope="session")
def elf() -> Callable[[str], Path]:
    return lambda chemistry: firmware_image(chemistry, "revC")


@pytest.fixture
def simulate(elf: Callable[[str], Path]) -> Callable[..., SimResult]:
    """simulate("winter-deficit", days=..., pack={...}) → the result of the shortened built-in."""

    def run(name: str, **changes: Any) -> SimResult:
        scenario = Scenario.load(name).with_changes(**changes)
        return Simulation(scenario, elf(scenario.chemistry)).run()

    return run
