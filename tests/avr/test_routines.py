"""libgcc's __udivmodsi4 run natively (ltobms.avr.routines) leaves exactly the state its instructions
leave when single-stepped: registers, SREG, SP, cycles, instruction count, for edge and random
operands."""

from __future__ import annotations

import random

import pytest

from ltobms.avr import routines
from ltobms.avr.mcu import Mcu

ROUTINE_AT = 0x20  # word address
BREAK = 0x9598


def image() -> bytes:
    """rcall __udivmodsi4; break; ... the routine at ROUTINE_AT."""
    words = [0xD000 | ((ROUTINE_AT - 1) & 0xFFF), BREAK] + [0] * (ROUTINE_AT - 2)
    code = b"".join(w.to_bytes(2, "little") for w in words) + routines.UDIVMODSI4
    return code + b"\xff" * 16


@pytest.fixture(scope="module")
def chips() -> dict[bool, Mcu]:
    """A chip that runs the routine natively and one that single-steps it."""
    out = {}
    for native in (True, False):
        mcu = Mcu()
        mcu.load_flash(image())
        assert mcu.cpu.natives == {ROUTINE_AT}
        if not native:
            mcu.cpu.max_block, mcu.cpu.chain = 1, False
        out[native] = mcu
    return out


def divide(mcu: Mcu, dividend: int, divisor: int, sreg: int) -> tuple:
    mcu.reset("PORF")
    mcu.breaks.clear()
    cpu = mcu.cpu
    for i in range(32):
        cpu.r[i] = (i * 37 + dividend) & 0xFF  # registers the routine must leave alone
    for i in range(4):
        cpu.r[22 + i] = (dividend >> (8 * i)) & 0xFF
        cpu.r[18 + i] = (divisor >> (8 * i)) & 0xFF
    cpu.sreg = sreg
    c0, i0 = mcu.cycles, mcu.instructions
    mcu.run_cycles(2000)
    assert mcu.breaks == [2]
    return tuple(cpu.r), cpu.sreg, cpu.sp, mcu.cycles - c0, mcu.instructions - i0


def same(chips: dict[bool, Mcu], dividend: int, divisor: int, sreg: int) -> tuple:
    native = divide(chips[True], dividend, divisor, sreg)
    assert chips[True].cpu._blocks[ROUTINE_AT].fn.__qualname__.startswith("udivmodsi4")
    assert native == divide(chips[False], dividend, divisor, sreg), (dividend, divisor)
    return native


EDGES = [(0, 1), (1, 1), (0xFFFFFFFF, 1), (0xFFFFFFFF, 0xFFFFFFFF), (123456789, 0), (0, 0),
         (0xFFFFFFFF, 0x80000000), (0xFFFFFFFF, 0x80000001), (0x80000000, 0x7FFFFFFF),
         (5, 7), (1 << 28, 1), (0xF0000000, 3)]


@pytest.mark.parametrize("dividend,divisor", EDGES)
def test_edges(chips: dict[bool, Mcu], dividend: int, divisor: int) -> None:
    same(chips, dividend, divisor, 0xC0)


def test_random_operands(chips: dict[bool, Mcu]) -> None:
    rnd = random.Random(824)
    for _ in range(200):
        dividend = rnd.getrandbits(rnd.choice((8, 16, 24, 32)))
        divisor = rnd.getrandbits(rnd.choice((1, 8, 16, 31, 32)))
        regs = same(chips, dividend, divisor, rnd.getrandbits(8))[0]
        if divisor:
            assert regs[18] | regs[19] << 8 | regs[20] << 16 | regs[21] << 24 == dividend // divisor
