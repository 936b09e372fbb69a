"""The simulated world around the emulated BMS: the physical models of the pack (cells over state of
charge and temperature), the sun and a small PV panel, chargers and loads on the load terminal, the
ambient climate and the PTC fuse, together with the board's electrical solve, the coupling to the
emulated ATtiny824 and the scenarios built from them. Each model is plain Python in its own module;
time is float seconds since the scenario start, currents in A, voltages in V, temperatures in °C."""

from importlib import import_module
from typing import Any

# The public API, imported on first use: `ltobms --help` must not pay for the emulator and matplotlib.
_API = {"Scenario": "scenario", "builtin_names": "scenario", "Simulation": "run", "SimResult": "run",
        "firmware_image": "firmware", "summarize": "report", "summary_text": "report",
        "write_outputs": "report"}
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'ltobms.sim' has no attribute {name!r}")
    return getattr(import_module(f"ltobms.sim.{_API[name]}"), name)
