"""The emulated chip's port to the outside world (see docs/emulator.md).

`ltobms.sim` implements `World` with the board model; `StaticWorld` holds settable values for the
emulator's own tests."""

from __future__ import annotations

from typing import Protocol


class World(Protocol):
    def analog(self, pin: str, t: float) -> float: ...
    def vdd(self, t: float) -> float: ...
    def die_temperature(self, t: float) -> float: ...
    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None: ...
    def pin_input(self, pin: str, t: float) -> int | None: ...

    # Optional: `analog_many(pin, times) -> sequence of volts` lets the ADC read a whole burst in
    # one call (the same values `analog` would give at each instant); without it, `analog` is
    # called once per sample.


class StaticWorld:
    """Fixed voltages and temperature that a test sets; records every pin change."""

    def __init__(self, vdd: float = 3.3, temperature_c: float = 25.0) -> None:
        self.voltages: dict[str, float] = {}
        self.inputs: dict[str, int] = {}
        self.supply = vdd
        self.temperature_c = temperature_c
        self.pin_log: list[tuple[float, str, bool, int, bool]] = []
        self.pins: dict[str, tuple[bool, int, bool]] = {}

    def analog(self, pin: str, t: float) -> float:
        return self.voltages.get(pin, 0.0)

    def vdd(self, t: float) -> float:
        return self.supply

    def die_temperature(self, t: float) -> float:
        return self.temperature_c

    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        self.pins[pin] = (output, level, pullup)
        self.pin_log.append((t, pin, output, level, pullup))

    def pin_input(self, pin: str, t: float) -> int | None:
        return self.inputs.get(pin)
