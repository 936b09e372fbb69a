"""Fixtures for the emulator's own tests: a per-worker build directory and a reusable Mcu."""

from __future__ import annotations

import pytest
from avr_build import CORPUS, PRE, Builder, Runner, run_to_break

from ltobms.avr.mcu import Mcu
from ltobms.avr.world import StaticWorld


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


# The CPU sleeps in IDLE with interrupts off: nothing but the peripherals moves (tests drive the
# registers from the host side).
IDLE_FOREVER = """
    ldi r16, 0x01      ; SLPCTRL.CTRLA: IDLE, SEN
    sts 0x0050, r16
1:  sleep
    rjmp 1b
"""


@pytest.fixture
def asleep(builder: Builder, runner: Runner) -> Mcu:
    """A chip whose program went to sleep for good (after 20 cycles), with its UART capture empty."""
    mcu = runner.load(builder.asm(IDLE_FOREVER))
    mcu.run_cycles(20)
    mcu.uart_tx.clear()
    return mcu


@pytest.fixture
def load(builder: Builder, runner: Runner):  # noqa: ANN201 - a helper closure
    """load(c_source) -> Mcu with a fresh StaticWorld state."""
    def _load(src: str, **world: object) -> Mcu:
        mcu = runner.load(builder.c(PRE + src, extra=(f"-I{CORPUS}",)))
        w = mcu.world
        assert isinstance(w, StaticWorld)
        w.voltages.clear()
        w.inputs.clear()
        w.pin_log.clear()
        w.supply, w.temperature_c = 3.3, 25.0
        for k, v in world.items():
            setattr(w, k, v)
        adc = mcu.peripherals["ADC0"]
        adc.noise(lsb_rms=0)
        return mcu
    return _load
