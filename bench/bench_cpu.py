"""Emulator CPU speed: a fixed CPU-bound program (CRC, insertion sort, recursion, 32-bit
multiply/divide) runs to its BREAK. The first run includes translating the program into blocks; the
others reuse them (best of three); the last line is without library routines run natively
(ltobms.avr.routines)."""

from __future__ import annotations

import time

from avrbuild import build_elf

from ltobms.avr.mcu import Mcu

PROGRAM = r"""
#include <stdint.h>

#define ROUNDS 24
static uint8_t buf[200];
static uint16_t arr[48];
volatile uint32_t result;

__attribute__((noinline)) static uint16_t crc16(const uint8_t *p, uint16_t n, uint16_t crc)
{
    while (n--) {
        crc ^= *p++;
        for (uint8_t b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
    return crc;
}

__attribute__((noinline)) static void isort(uint16_t *a, uint8_t n)
{
    for (uint8_t i = 1; i < n; i++) {
        uint16_t v = a[i];
        uint8_t j = i;
        while (j && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

__attribute__((noinline)) static uint16_t fib(uint8_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    uint32_t seed = 1, acc = 0;
    for (uint8_t round = 0; round < ROUNDS; round++) {
        for (uint8_t i = 0; i < sizeof buf; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = seed >> 16;
        }
        acc += crc16(buf, sizeof buf, 0xFFFF);
        for (uint8_t i = 0; i < 48; i++)
            arr[i] = buf[i] * 257u + buf[i + 48];
        isort(arr, 48);
        acc += fib(10 + (round & 3));
        for (uint8_t i = 0; i < 48; i++) {
            int32_t x = (int32_t)arr[i] * (int32_t)(arr[47 - i] - 30000);
            acc += (uint32_t)(x / (int32_t)(arr[i] | 1)) % 1000u + (uint16_t)x / 7u;
        }
    }
    result = acc;
    __asm__ volatile ("break");
    for (;;) {
    }
}
"""


def run_once(mcu: Mcu) -> tuple[float, int, int]:
    """(wall seconds, instructions, cycles) of one run from reset to BREAK."""
    mcu.reset("PORF")
    i0, c0 = mcu.instructions, mcu.cycles
    start = time.perf_counter()
    mcu.run(seconds=60.0)
    wall = time.perf_counter() - start
    if not mcu.stop:
        raise SystemExit("bench program did not reach its BREAK")
    return wall, mcu.instructions - i0, mcu.cycles - c0


def report(label: str, wall: float, instrs: int, cycles: int) -> None:
    print(f"emulator CPU, {label:<32} {instrs / wall / 1e6:6.2f} M instr/s  {cycles / wall / 1e6:6.2f} "
          f"M cycles/s  ({instrs} instr, {cycles} cycles in {wall:.3f} s)")


def main() -> None:
    elf = build_elf(PROGRAM, "bench_cpu")
    mcu = Mcu.from_elf(elf)
    report("first run (incl. translation)", *run_once(mcu))
    report("next runs (blocks reused)", *min(run_once(mcu) for _ in range(3)))
    plain = Mcu.from_elf(elf)
    plain.cpu.natives = frozenset()  # every instruction translated, none run as a library routine
    report("next runs, no native routines", *min(run_once(plain) for _ in range(4)))
    result_addr, _ = mcu.symbol("result")
    checksum = int.from_bytes(mcu.data.peek(result_addr, 4), "little")
    print(f"emulator CPU, result checksum 0x{checksum:08x}")


if __name__ == "__main__":
    main()
