"""Long translated blocks (and chains of them) must behave exactly like single steps: the same
registers, memory, cycle and instruction counts at every stop, with interrupts, ADC events, a clock
change and hooked peripheral accesses in the mix.

A hooked read whose side effect raises an interrupt request is taken at the end of its block, not
after the read (a known limit of blocks); chaining must not move it any further."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ltobms import toolchain
from ltobms.avr.mcu import Mcu
from ltobms.avr.peripherals.rtc import VEC_PIT
from ltobms.avr.translator import Block
from ltobms.avr.world import StaticWorld

GPIOR3 = 0x1F

PROGRAM = r"""
#include <avr/interrupt.h>
#include <avr/io.h>
#include <stdint.h>

volatile uint16_t ticks;
volatile uint32_t adc_sum, mix;
static uint16_t table[40];

ISR(RTC_PIT_vect)
{
    RTC.PITINTFLAGS = RTC_PI_bm;
    ticks++;
    mix = mix * 33u + ticks;
}

__attribute__((noinline)) static uint16_t crc16(const uint8_t *p, uint8_t n)
{
    uint16_t crc = 0xFFFF;
    while (n--) {
        crc ^= *p++;
        for (uint8_t b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
    return crc;
}

__attribute__((noinline)) static void shell(uint16_t *a, uint8_t n)
{
    for (uint8_t gap = n / 2; gap; gap /= 2)
        for (uint8_t i = gap; i < n; i++)
            for (uint8_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uint16_t t = a[j]; a[j] = a[j - gap]; a[j - gap] = t;
            }
}

__attribute__((noinline)) static int16_t fib(int8_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

volatile uint8_t adc_irqs;

ISR(ADC0_RESRDY_vect)
{
    ADC0.INTCTRL = 0;
    adc_irqs++;
}

static uint16_t adc_once(uint8_t mux)
{
    ADC0.MUXPOS = mux;
    ADC0.COMMAND = ADC_MODE_SINGLE_12BIT_gc | ADC_START_IMMEDIATE_gc;
    while (!(ADC0.INTFLAGS & ADC_RESRDY_bm)) {
    }
    ADC0.INTCTRL = ADC_RESRDY_bm; /* the flag is set: this store raises the request at once */
    return ADC0.RESULT + adc_irqs;
}

int main(void)
{
    RTC.CLKSEL = RTC_CLKSEL_INT32K_gc;
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = RTC_PERIOD_CYC4_gc | RTC_PITEN_bm;
    ADC0.CTRLA = ADC_ENABLE_bm;
    ADC0.CTRLC = ADC_REFSEL_2048MV_gc;
    ADC0.CTRLE = 7;
    sei();
    uint32_t seed = 7, acc = 0;
    for (uint8_t round = 0; round < 6; round++) {
        if (round == 3)
            _PROTECTED_WRITE(CLKCTRL.MCLKCTRLB, CLKCTRL_PDIV_4X_gc | CLKCTRL_PEN_bm);
        for (uint8_t i = 0; i < 40; i++) {
            seed = seed * 1103515245u + 12345u;
            uint8_t probe, zero;
            /* A hooked read, flags that depend on it, then a block that overwrites them all. */
            __asm__ volatile ("in %0, 0x1f\n\tcpi %0, 0x80\n\trjmp 1f\n1:\n\tsub %1, %1"
                              : "=d"(probe), "=r"(zero));
            table[i] = (uint16_t)(seed >> 12) ^ ticks ^ probe ^ zero;
        }
        shell(table, 40);
        acc += crc16((const uint8_t *)table, sizeof table);
        acc += (uint32_t)fib(9 + (round & 1)) * 1000003u / (table[round] | 1);
        cli();
        acc ^= mix;
        sei();
        adc_sum += adc_once(ADC_MUXPOS_AIN2_gc) + adc_once(ADC_MUXPOS_AIN3_gc);
        GPIOR0 = (uint8_t)acc;
    }
    mix ^= acc;
    __asm__ volatile ("break");
    for (;;) {
    }
}
"""


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("equivalence")
    src, elf = out / "mixed.c", out / "mixed.elf"
    src.write_text(PROGRAM)
    subprocess.run([str(toolchain.find_gcc()), f"-mmcu={toolchain.MCU}", "-Os", "-Wall", "-Werror", str(src),
                    "-o", str(elf)], check=True, capture_output=True, text=True)
    return elf


def snapshot(mcu: Mcu) -> tuple:
    cpu = mcu.cpu
    return (tuple(cpu.r), cpu.pc, cpu.sp, cpu.sreg, mcu.cycles, mcu.instructions, mcu.awake_cycles,
            mcu.sched.freq_hz, cpu.irq_hold, mcu.cpuint.lines, bytes(mcu.data.mem[0:0x4000]))


def run_in_chunks(elf: Path, block_len: int, chain: bool,
                  raising_read: bool = False) -> Run:
    world = StaticWorld()
    world.voltages.update({"PA2": 0.7, "PA3": 1.3})
    mcu = Mcu.from_elf(elf, world=world)
    reads = [0]

    def gpior3_read(address: int) -> int:
        # Every 13th read raises the PIT request line (its ISR clears it through RTC.PITINTFLAGS).
        reads[0] += 1
        if raising_read and reads[0] % 13 == 0:
            mcu.set_irq(VEC_PIT, True)
        return reads[0] & 0xFF

    mcu.data.hook(GPIOR3, gpior3_read, None)
    states = []
    take = mcu.cpuint.take

    def take_logged() -> int | None:
        # The interrupted program's complete state at every interrupt entry.
        vector = take()
        if vector is not None:
            states.append((vector, snapshot(mcu)))
        return vector

    mcu.cpuint.take = take_logged
    # The state each time the CPU loop enters a block, by instruction count: a chain that leaves
    # flags or registers wrong when it returns shows up here.
    entries = {}
    build = mcu.cpu.translator.build
    cpu = mcu.cpu

    def build_logged(*args: int) -> Block:
        blk = build(*args)
        fn = blk.fn

        def logged(lim: int) -> int:
            entries[cpu.instructions] = (mcu.cycles, cpu.sreg, hash(tuple(cpu.r)))
            return fn(lim)

        blk.fn = logged
        return blk

    cpu.translator.build = build_logged
    mcu.cpu.max_block = block_len
    mcu.cpu.chain = chain
    chunk = 1
    while not mcu.breaks and mcu.cycles < 20_000_000:
        mcu.run_cycles(chunk)
        states.append(snapshot(mcu))
        chunk = chunk * 7 % 4099 + 1  # uneven stops: inside blocks, next to events
    assert mcu.breaks, "the program did not reach its BREAK"
    assert mcu.read_var("ticks", "<H") > 100, "the PIT interrupt did not run often"
    return states, entries


Run = tuple[list[tuple], dict[int, tuple]]


def assert_same(run: Run, reference: Run) -> None:
    states, entries = run
    assert states == reference[0]
    assert len(entries) > 1000
    assert {n: reference[1].get(n) for n in entries} == entries


def test_blocks_and_chains_match_single_steps(elf: Path) -> None:
    reference = run_in_chunks(elf, 1, chain=False)
    assert_same(run_in_chunks(elf, 48, chain=False), reference)
    assert_same(run_in_chunks(elf, 48, chain=True), reference)


def test_chains_stop_after_a_hooked_read(elf: Path) -> None:
    assert_same(run_in_chunks(elf, 48, chain=True, raising_read=True),
                run_in_chunks(elf, 48, chain=False, raising_read=True))
