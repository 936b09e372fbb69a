"""Emulator speed in simulated time: how many times faster than real time a sleeping firmware runs.

1. A tiny firmware: STANDBY, woken by the RTC PIT once a second, one 64-sample ADC burst per wake
   (CPU in IDLE until RESRDY), back to sleep.
2. The real BMS firmware (build/lto-bms-LTO-revC.elf, `make firmware`) on a small board world: a cell
   behind 1/3 dividers, a 0.1 Ohm shunt and the CUTOFF switch with a 0.5 A load.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from avrbuild import build_elf

from ltobms.avr.mcu import Mcu

ROOT = Path(__file__).resolve().parents[1]
BMS_ELF = ROOT / "build" / "lto-bms-LTO-revC.elf"

PROGRAM = r"""
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

volatile uint32_t wakes, total;
static volatile uint8_t done;

ISR(RTC_PIT_vect) { RTC.PITINTFLAGS = RTC_PI_bm; }
ISR(ADC0_RESRDY_vect) { ADC0.INTCTRL = 0; done = 1; }

int main(void)
{
    RTC.CLKSEL = RTC_CLKSEL_INT32K_gc;
    while (RTC.PITSTATUS & RTC_CTRLBUSY_bm) {
    }
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = RTC_PERIOD_CYC32768_gc | RTC_PITEN_bm;
    ADC0.CTRLB = ADC_PRESC_DIV2_gc;
    ADC0.CTRLC = ADC_REFSEL_1024MV_gc | (4 << ADC_TIMEBASE_gp);
    ADC0.CTRLE = 20;
    ADC0.MUXPOS = ADC_MUXPOS_AIN2_gc;
    ADC0.MUXNEG = ADC_MUXNEG_GND_gc;
    ADC0.CTRLF = ADC_SAMPNUM_ACC64_gc;
    sei();
    for (;;) {
        set_sleep_mode(SLEEP_MODE_STANDBY);
        sleep_mode();
        wakes++;
        ADC0.CTRLA = ADC_ENABLE_bm;
        done = 0;
        ADC0.INTCTRL = ADC_RESRDY_bm;
        ADC0.COMMAND = ADC_MODE_BURST_gc | ADC_START_IMMEDIATE_gc;
        set_sleep_mode(SLEEP_MODE_IDLE);
        while (!done) {
            sleep_mode();
        }
        total += ADC0.RESULT;
        ADC0.CTRLA = 0;
    }
}
"""

SHUNT_OHM, SWITCH_OHM, DIVIDER = 0.1, 0.05, 3.0


class BoardWorld:
    """A cell with a slow ripple, the dividers, the shunt and the CUTOFF switch (PA4, high = closed)."""

    def __init__(self, load_a: float = 0.5) -> None:
        self.load_a = load_a
        self.closed = False

    def cell(self, t: float) -> float:
        return 2.4 + 0.01 * math.sin(t / 600.0)

    def analog(self, pin: str, t: float) -> float:
        cell = self.cell(t)
        amps = self.load_a if self.closed else 0.0
        if pin == "PA2":
            return cell / DIVIDER
        if pin == "PA3":
            return (cell - amps * (SHUNT_OHM + SWITCH_OHM)) / DIVIDER if self.closed else 0.0
        if pin == "PA7":
            return cell
        if pin == "PA6":
            return cell - amps * SHUNT_OHM
        return 0.0

    def analog_many(self, pin: str, times: list[float]) -> np.ndarray:
        """`analog` at every instant of an ADC burst, vectorised."""
        t = np.asarray(times)
        cell = 2.4 + 0.01 * np.sin(t / 600.0)
        amps = self.load_a if self.closed else 0.0
        if pin == "PA2":
            return cell / DIVIDER
        if pin == "PA3":
            return (cell - amps * (SHUNT_OHM + SWITCH_OHM)) / DIVIDER if self.closed else np.zeros(len(t))
        if pin == "PA7":
            return cell
        if pin == "PA6":
            return cell - amps * SHUNT_OHM
        return np.zeros(len(t))

    def vdd(self, t: float) -> float:
        return 3.3

    def die_temperature(self, t: float) -> float:
        return 25.0

    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        if pin == "PA4":
            self.closed = output and level == 1

    def pin_input(self, pin: str, t: float) -> int | None:
        return None


def measure(label: str, mcu: Mcu, seconds: float) -> None:
    i0, c0 = mcu.instructions, mcu.awake_cycles
    start = time.perf_counter()
    mcu.run(seconds)
    wall = time.perf_counter() - start
    print(f"{label:<52} {seconds / wall:8,.0f}x real time  ({seconds:.0f} s simulated in {wall:.2f} s; "
          f"{(mcu.instructions - i0) / seconds:,.0f} instr and {(mcu.awake_cycles - c0) / seconds:,.0f} "
          f"awake cycles per simulated s)")


def main() -> None:
    mcu = Mcu.from_elf(build_elf(PROGRAM, "bench_realtime"), world=BoardWorld())
    mcu.run(2.0)
    measure("emulator, PIT wake + 64-sample ADC burst", mcu, 3600.0)
    if mcu.read_var("wakes", "<I") < 3600:
        raise SystemExit("the bench firmware did not wake once a second")

    if not BMS_ELF.exists():
        raise SystemExit(f"{BMS_ELF} is missing: run `make firmware`")
    world = BoardWorld()
    bms = Mcu.from_elf(BMS_ELF, world=world)
    measure("emulator, BMS firmware, first 2 min (translating)", bms, 120.0)
    if not world.closed:
        raise SystemExit("the BMS firmware did not connect the load")
    measure("emulator, BMS firmware (LTO, revC), next hour", bms, 3600.0)


if __name__ == "__main__":
    main()
