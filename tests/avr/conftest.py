"""Fixtures for the emulator's own tests: a per-worker build directory and a reusable Mcu."""

from __future__ import annotations

import pytest
from avr_build import Builder, Runner, run_to_break


@pytest.fixture(scope="session")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Builder:
    return Builder(tmp_path_factory.mktemp("avr-build"))


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner()


@pytest.fixture(scope="module")
def run(builder: Builder, runner: Runner):  # noqa: ANN201 - a helper closure
    """run(asm_body, regs, sreg, start=label, setup=fn) -> (mcu, cycles before the final BREAK)."""
    def _run(body: str, regs: dict[int, int] | None = None, sreg: int = 0, start: str | None = None,
             setup=None, max_cycles: int = 10_000):  # noqa: ANN001,ANN202
        mcu = runner.load(builder.asm(body))
        for i, v in (regs or {}).items():
            mcu.cpu.r[i] = v
        mcu.cpu.sreg = sreg
        if start is not None:
            mcu.cpu.pc = mcu.symbols[start][0] // 2
        if setup is not None:
            setup(mcu)
        cycles = run_to_break(mcu, max_cycles) - 1  # without the BREAK itself
        return mcu, cycles
    return _run
