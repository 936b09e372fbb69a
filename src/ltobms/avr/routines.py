"""Native execution of libgcc's `__udivmodsi4` (32-bit unsigned divide with remainder).

Why: the BMS firmware spends about a third of its emulated time in this shift-and-subtract loop
(~550 instructions a call). Found in the flash by its exact code (avr-gcc's libgcc, 68 bytes, position
independent), it runs as one step that leaves exactly what the instructions would: registers, SREG,
the return popped from the stack, cycles and instruction count (which depend on the quotient's bits).
tests/avr/test_routines.py checks it against the instructions, single-stepped.

The CPU uses it like a block (`Block.fn(lim)`): only when the whole routine ends before `lim` and no
interrupt is pending (the loop's own checks between blocks then could not have changed anything);
otherwise it runs the routine's ordinary translation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.cpu import Cpu

# ldi r26,33; mov r1,r26; sub r26,r26; sub r27,r27; movw r30,r26; rjmp ep
# loop: adc r26..r31 (x4); cp/cpc r26..r31, r18..r21; brcs ep; sub/sbc r26..r31, r18..r21
# ep: adc r22..r25 (x4); dec r1; brne loop; com r22..r25; movw r18,r22; movw r20,r24;
#     movw r22,r26; movw r24,r30; ret
UDIVMODSI4 = bytes.fromhex(
    "a1e21a2eaa1bbb1bfd010dc0aa1fbb1fee1fff1fa217b307e407f50720f0a21bb30be40bf50b"
    "661f771f881f991f1a9469f760957095809590959b01ac01bd01cf010895"
)
# Cycles: entry 7; per pass through ep 4 + 1 + (2 when BRNE loops, else 1); per loop pass 4 + 4 +
# (2 when BRCS skips the subtraction, else 1 + 4); exit 4 + 4 + 4 (COM, MOVW, RET).
UDIVMODSI4_MAX_CYCLES = 7 + 32 * 7 + 6 + 32 * 13 + 12


def find(flash: bytes) -> list[int]:
    """Word addresses where `__udivmodsi4` starts."""
    out = []
    at = flash.find(UDIVMODSI4)
    while at >= 0:
        if not at & 1:
            out.append(at // 2)
        at = flash.find(UDIVMODSI4, at + 1)
    return out


def udivmodsi4(cpu: Cpu, fallback: Callable[[int], int]) -> Callable[[int], int]:
    """The block function for the routine's entry; `fallback` is its ordinary translation."""
    r = cpu.r
    sc = cpu.sched

    def run(lim: int) -> int:
        if sc.cycles + UDIVMODSI4_MAX_CYCLES >= lim:
            return fallback(lim)
        dvd = r[22] | (r[23] << 8) | (r[24] << 16) | (r[25] << 24)
        div = r[18] | (r[19] << 8) | (r[20] << 16) | (r[21] << 24)
        if 0 < div <= 0x80000000:
            # The remainder stays below 2**32, so the loop is exact restoring division: quotient bit
            # 1 = a subtraction (BRCS not taken); the bit shifted into r25 last before ep's final
            # pass is the complement of quotient bit 28 (H).
            quo, rem = divmod(dvd, div)
            subs = quo.bit_count()
            return finish(quo, rem, 1 - ((quo >> 28) & 1), 7 + 32 * 7 + 6 + 32 * 10 + 3 * subs,
                          6 + 33 * 6 + 32 * 9 + 4 * subs)
        rem = carry = h = 0  # SUB r27,r27 leaves C clear
        cycles, count = 7, 6
        for i in range(33):
            # ep: ADC r22..r25 (dividend left through carry; H from bit 3 of r25), DEC r1, BRNE.
            h = (dvd >> 27) & 1
            dvd = (dvd << 1) | carry
            carry = dvd >> 32
            dvd &= 0xFFFFFFFF
            count += 6
            if i == 32:
                cycles += 6
                break
            cycles += 7
            # loop: ADC r26,r27,r30,r31 (carry out lost to CP), CP/CPC with r18..r21, BRCS, SUB/SBC.
            rem = ((rem << 1) | carry) & 0xFFFFFFFF
            if rem < div:
                carry = 1
                cycles += 10
                count += 9
            else:
                rem -= div
                carry = 0
                cycles += 13
                count += 13
        return finish(dvd ^ 0xFFFFFFFF, rem, h, cycles, count)

    def finish(quo: int, rem: int, h: int, cycles: int, count: int) -> int:
        # COM r22..r25 (flags from r25), MOVW x4, RET.
        top = quo >> 24
        n = top >> 7
        r[18], r[19], r[20], r[21] = quo & 0xFF, (quo >> 8) & 0xFF, (quo >> 16) & 0xFF, top
        rb = (rem & 0xFF, (rem >> 8) & 0xFF, (rem >> 16) & 0xFF, rem >> 24)
        r[22], r[23], r[24], r[25] = rb
        r[26], r[27], r[30], r[31] = rb
        r[1] = 0
        cpu.sreg = (cpu.sreg & 0xC0) | (h << 5) | (n << 4) | (n << 2) | ((top == 0) << 1) | 1
        sc.cycles += cycles + 12
        cpu.instructions += count + 9
        return cpu.pop_pc()

    return run
