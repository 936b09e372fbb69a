"""ADC0 against the tinyAVR 2-series datasheet, as firmware observes it: RESULT/SAMPLE formats
(12-bit, 8-bit, differential two's complement, LEFTADJ, accumulation and scaling), references and
internal channels, the INTFLAGS set/clear rules, the window comparator, conversion time and the
RESRDY interrupt waking the CPU. Expected values come from the datasheet's equations, never from
the emulator.

Most cases drive the registers directly while the CPU sleeps in IDLE with interrupts off (the
emulator then advances cycle by cycle exactly); the interrupt cases run small C programs."""

from __future__ import annotations

import pytest

from ltobms.avr.mcu import Mcu

BASE = 0x0600
CTRLA, CTRLB, CTRLC, CTRLD, INTCTRL, INTFLAGS, STATUS = range(7)
CTRLE, CTRLF, COMMAND, PGACTRL, MUXPOS, MUXNEG = 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D
RESULT, SAMPLE, WINLT, WINHT = 0x10, 0x14, 0x1C, 0x1E
ENABLE, LOWLAT, RUNSTDBY = 0x01, 0x20, 0x80
RESRDY, SAMPRDY, WCMP, RESOVR, SAMPOVR, TRIGOVR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
LEFTADJ, DIFF, START = 0x10, 0x80, 0x01
SINGLE_8BIT, SINGLE_12BIT, SERIES, SERIES_SCALING, BURST, BURST_SCALING = (m << 4 for m in range(6))
REF_VDD, REF_1V024, REF_2V048, REF_2V5, REF_4V096 = 0, 4, 5, 6, 7
REF_VOLTS = {REF_1V024: 1.024, REF_2V048: 2.048, REF_2V5: 2.5, REF_4V096: 4.096}
AIN2, AIN3, GND, VDDDIV10 = 0x02, 0x03, 0x30, 0x31
PRESC_DIV = [2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64]
TIMEBASE = 4  # ceil(3.33 MHz * 1 µs)
# Initialization before a conversion (datasheet, Conversion Timing): the ADC itself 10 µs, an
# internal reference 60 µs; the slowest module counts.
INIT_US_ADC, INIT_US_INTERNAL_REF = 10, 60

@pytest.fixture
def chip(asleep: Mcu) -> Mcu:
    mcu = asleep
    w = mcu.world
    w.voltages.clear()
    w.supply, w.temperature_c = 3.3, 25.0
    mcu.peripherals["ADC0"].noise(lsb_rms=0)
    return mcu


def wr(mcu: Mcu, off: int, v: int) -> None:
    mcu.data.write(BASE + off, v)


def flags(mcu: Mcu) -> int:
    return mcu.data.peek(BASE + INTFLAGS)[0]


def setup(mcu: Mcu, ref: int = REF_2V048, presc: int = 1, sampdur: int = 4, muxpos: int = AIN2,
          muxneg: int = GND, ctrlf: int = 0, ctrla: int = ENABLE, ctrld: int = 0) -> None:
    wr(mcu, CTRLA, ctrla)
    wr(mcu, CTRLB, presc)
    wr(mcu, CTRLC, (TIMEBASE << 3) | ref)
    wr(mcu, CTRLD, ctrld)
    wr(mcu, CTRLE, sampdur)
    wr(mcu, CTRLF, ctrlf)
    wr(mcu, MUXPOS, muxpos)
    wr(mcu, MUXNEG, muxneg)


def convert(mcu: Mcu, command: int, flag: int = RESRDY, max_cycles: int = 200_000) -> int:
    """Start a conversion; wait for `flag`; return the CPU cycles from START to the flag."""
    wr(mcu, COMMAND, command | START)
    c0 = mcu.cycles
    while not flags(mcu) & flag:
        assert mcu.cycles - c0 < max_cycles, f"no flag 0x{flag:02x}"
        mcu.run_cycles(1)
    return mcu.cycles - c0


def result32(mcu: Mcu) -> int:
    """RESULT as the firmware reads it (4 bytes, low first), as a signed 32-bit number."""
    v = int.from_bytes(bytes(mcu.data.read(BASE + RESULT + i) for i in range(4)), "little")
    return v - (1 << 32) if v & 0x80000000 else v


def sample16(mcu: Mcu) -> int:
    return mcu.data.read(BASE + SAMPLE) | (mcu.data.read(BASE + SAMPLE + 1) << 8)


# --- result formats ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command, ctrlf, vp, vn, result, sample", [
    # single-ended 12-bit: RES = Vin / Vref * 4096; 1.0 V / 2.048 V -> 2000
    (SINGLE_12BIT, 0, 1.0, None, 2000, 2000),
    (SINGLE_12BIT, LEFTADJ, 1.0, None, 2000 << 4, 2000 << 4),
    # 8-bit: RES = Vin / Vref * 256 -> 125
    (SINGLE_8BIT, 0, 1.0, None, 125, 125),
    # differential 12-bit: (Vp - Vn) / Vref * 2048 = -0.128 / 2.048 * 2048 = -128, sign-extended
    (SINGLE_12BIT | DIFF, 0, 0.872, 1.0, -128, -128 & 0xFFFF),
    (SINGLE_12BIT | DIFF, LEFTADJ, 0.872, 1.0, -128 * 16, (-128 * 16) & 0xFFFF),
    # differential 8-bit: (Vp - Vn) / Vref * 128 = -8
    (SINGLE_8BIT | DIFF, 0, 0.872, 1.0, -8, -8 & 0xFFFF),
    # inputs beyond the reference clip at the range ends
    (SINGLE_12BIT, 0, 2.5, None, 4095, 4095),
    (SINGLE_12BIT | DIFF, 0, 0.0, 2.2, -2048, -2048 & 0xFFFF),
])
def test_single_conversion_formats(chip: Mcu, command: int, ctrlf: int, vp: float, vn: float | None,
                                   result: int, sample: int) -> None:
    chip.world.voltages.update({"PA2": vp, "PA3": vn or 0.0})
    setup(chip, ctrlf=ctrlf, muxneg=AIN3 if vn is not None else GND)
    convert(chip, command)
    assert sample16(chip) == sample
    assert result32(chip) == result


@pytest.mark.parametrize("command, sampnum, ctrlf, volts, result", [
    # accumulation: the plain sum of the 12-bit samples, up to 22 bits
    (BURST, 2, 0, 1.0, 4 * 2000),
    (BURST, 10, 0, 2.5, 1024 * 4095),
    (BURST | DIFF, 3, 0, -0.128, 8 * -128),
    # scaling to 16 bits: more than 16 samples shift right by SAMPNUM - 4 ...
    (BURST_SCALING, 8, 0, 1.0, (256 * 2000) >> 4),
    (BURST_SCALING, 4, 0, 1.0, 16 * 2000),
    # ... fewer stay the plain sum, left-shifted to bit 15 only with LEFTADJ (the datasheet's
    # example: 8 x 0xFFF = 0x7FF8, with LEFTADJ 0xFFF0)
    (BURST_SCALING, 3, 0, 2.5, 0x7FF8),
    (BURST_SCALING, 3, LEFTADJ, 2.5, 0xFFF0),
    (BURST_SCALING, 8, LEFTADJ, 1.0, (256 * 2000) >> 4),
])
def test_accumulated_results(chip: Mcu, command: int, sampnum: int, ctrlf: int, volts: float,
                             result: int) -> None:
    if volts < 0:
        chip.world.voltages.update({"PA2": 1.0 + volts, "PA3": 1.0})
    else:
        chip.world.voltages["PA2"] = volts
    setup(chip, ctrlf=ctrlf | sampnum, muxneg=AIN3 if command & DIFF else GND)
    convert(chip, command)
    assert result32(chip) == result


def test_series_accumulates_one_sample_per_trigger(chip: Mcu) -> None:
    chip.world.voltages["PA2"] = 1.0
    setup(chip, ctrlf=2)  # 4 samples
    for i in range(3):
        wr(chip, COMMAND, SERIES | START)
        chip.run_cycles(5000)
        assert flags(chip) & SAMPRDY and not flags(chip) & RESRDY, i
        assert sample16(chip) == 2000  # reading SAMPLE clears SAMPRDY
        assert not flags(chip) & SAMPRDY
    convert(chip, SERIES)
    assert result32(chip) == 4 * 2000
    assert not flags(chip) & SAMPOVR  # every sample was read in time


# --- references and internal channels ----------------------------------------------------------------------
@pytest.mark.parametrize("ref", [REF_VDD, REF_1V024, REF_2V048, REF_2V5, REF_4V096])
def test_reference_scales_the_result(chip: Mcu, ref: int) -> None:
    volts = 0.9
    chip.world.voltages["PA2"] = volts
    setup(chip, ref=ref)
    convert(chip, SINGLE_12BIT)
    vref = REF_VOLTS.get(ref, 3.3)
    assert abs(result32(chip) - volts / vref * 4096) <= 0.5 + 1e-9


@pytest.mark.parametrize("mux, expect", [(GND, lambda vdd: 0.0), (VDDDIV10, lambda vdd: vdd / 10)])
@pytest.mark.parametrize("vdd", [2.7, 3.3])
def test_internal_channels(chip: Mcu, mux: int, expect, vdd: float) -> None:  # noqa: ANN001
    chip.world.supply = vdd
    chip.world.voltages["PA2"] = 1.0  # must not matter
    setup(chip, ref=REF_1V024, muxpos=mux)
    convert(chip, SINGLE_12BIT)
    assert abs(result32(chip) - expect(vdd) / 1.024 * 4096) <= 0.5 + 1e-9


# --- INTFLAGS ---------------------------------------------------------------------------------------------
def test_resrdy_cleared_by_reading_result_or_writing_one_and_resovr(chip: Mcu) -> None:
    chip.world.voltages["PA2"] = 1.0
    setup(chip)
    convert(chip, SINGLE_12BIT)
    assert flags(chip) & (RESRDY | SAMPRDY) == RESRDY | SAMPRDY
    chip.data.read(BASE + RESULT)
    assert not flags(chip) & RESRDY
    convert(chip, SINGLE_12BIT)
    wr(chip, INTFLAGS, RESRDY)
    assert not flags(chip) & RESRDY and not flags(chip) & RESOVR
    convert(chip, SINGLE_12BIT)  # RESRDY was cleared: no overwrite
    assert not flags(chip) & RESOVR
    wr(chip, COMMAND, SINGLE_12BIT | START)
    chip.run_cycles(5000)  # a second result while the first is unread
    assert flags(chip) & RESOVR and flags(chip) & SAMPOVR
    wr(chip, INTFLAGS, RESOVR | SAMPOVR)
    assert not flags(chip) & (RESOVR | SAMPOVR) and flags(chip) & RESRDY


def test_burst_without_reading_sample_sets_sampovr(chip: Mcu) -> None:
    chip.world.voltages["PA2"] = 1.0
    setup(chip, ctrlf=2)
    convert(chip, BURST)
    f = flags(chip)
    assert f & SAMPRDY and f & SAMPOVR and f & RESRDY and not f & RESOVR


def test_start_while_busy_sets_trigovr(chip: Mcu) -> None:
    setup(chip, ctrlf=4)
    wr(chip, COMMAND, BURST | START)
    chip.run_cycles(100)
    assert chip.data.peek(BASE + STATUS)[0] & 1  # ADCBUSY
    wr(chip, COMMAND, BURST | START)
    assert flags(chip) & TRIGOVR


# --- window comparator -------------------------------------------------------------------------------------
WINDOW_LO, WINDOW_HI = 1000, 3000


@pytest.mark.parametrize("wincm", [1, 2, 3, 4])  # BELOW, ABOVE, INSIDE, OUTSIDE
@pytest.mark.parametrize("code", [500, 1000, 2000, 3000, 3500])
def test_window_comparator_modes(chip: Mcu, wincm: int, code: int) -> None:
    chip.world.voltages["PA2"] = code / 4096 * 2.048
    setup(chip, ctrld=wincm)
    for off, v in ((WINLT, WINDOW_LO), (WINHT, WINDOW_HI)):
        wr(chip, off, v & 0xFF)
        wr(chip, off + 1, v >> 8)
    convert(chip, SINGLE_12BIT)
    # Datasheet CTRLD.WINCM: BELOW R < LT, ABOVE R > HT, INSIDE LT < R < HT, OUTSIDE R < LT or R > HT
    hit = {1: code < WINDOW_LO, 2: code > WINDOW_HI, 3: WINDOW_LO < code < WINDOW_HI,
           4: code < WINDOW_LO or code > WINDOW_HI}[wincm]
    assert bool(flags(chip) & WCMP) == hit


def test_window_comparator_is_signed_in_differential_mode(chip: Mcu) -> None:
    chip.world.voltages.update({"PA2": 0.872, "PA3": 1.0})  # -128
    setup(chip, muxneg=AIN3, ctrld=1)
    lt = -100 & 0xFFFF
    wr(chip, WINLT, lt & 0xFF)
    wr(chip, WINLT + 1, lt >> 8)
    convert(chip, SINGLE_12BIT | DIFF)
    assert flags(chip) & WCMP  # -128 < -100


# --- conversion time ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("presc, sampdur, command, sampnum, ref", [
    (1, 0, SINGLE_12BIT, 0, REF_2V048),
    (7, 10, SINGLE_12BIT, 0, REF_2V048),
    (15, 4, SINGLE_12BIT, 0, REF_VDD),
    (7, 10, SINGLE_8BIT, 0, REF_2V048),
    (3, 6, BURST, 4, REF_2V048),
    (5, 20, BURST_SCALING, 6, REF_1V024),
    (7, 10, SERIES, 4, REF_2V048),
])
def test_conversion_time_follows_the_datasheet(chip: Mcu, presc: int, sampdur: int, command: int,
                                               sampnum: int, ref: int) -> None:
    setup(chip, ref=ref, presc=presc, sampdur=sampdur, ctrlf=sampnum)
    div = PRESC_DIV[presc]
    init = (INIT_US_INTERNAL_REF if ref in REF_VOLTS else INIT_US_ADC) * TIMEBASE
    # Conversion time (Microchip's 2-series ADC notes): initialization + SAMPDUR + 15.5 CLK_ADC
    # (11.5 in 8-bit mode); a burst of n: initialization + (SAMPDUR + 13.5) * n + 2 CLK_ADC.
    if command in (BURST, BURST_SCALING):
        clocks = (sampdur + 13.5) * (1 << sampnum) + 2
    else:
        clocks = sampdur + (11.5 if command == SINGLE_8BIT else 15.5)
    expected = init + clocks * div
    # A series takes one sample per trigger: time the trigger's SAMPRDY.
    got = convert(chip, command, SAMPRDY if command == SERIES else RESRDY)
    assert got == pytest.approx(expected, abs=1)


def test_lowlat_initializes_once(chip: Mcu) -> None:
    setup(chip, ref=REF_2V048, presc=3, sampdur=2, ctrla=ENABLE | LOWLAT)
    convert_clocks = (2 + 15.5) * 8
    first = convert(chip, SINGLE_12BIT)
    assert first == pytest.approx(INIT_US_INTERNAL_REF * TIMEBASE + convert_clocks, abs=1)
    chip.data.read(BASE + RESULT)
    assert convert(chip, SINGLE_12BIT) == pytest.approx(convert_clocks, abs=1)


# --- interrupts and sleep ----------------------------------------------------------------------------------
ADC_IRQ = """
volatile uint8_t resrdy, samprdy, samples, wcmp_seen;
volatile uint16_t last;
ISR(ADC0_RESRDY_vect) {
    if (ADC0.INTFLAGS & ADC_WCMP_bm) wcmp_seen |= 1;
    ADC0.INTFLAGS = ADC_WCMP_bm;
    last = ADC0.RESULT; resrdy++;
}
ISR(ADC0_SAMPRDY_vect) {
    if (ADC0.INTFLAGS & ADC_WCMP_bm) wcmp_seen |= 2;
    ADC0.INTFLAGS = ADC_WCMP_bm;
    last = ADC0.SAMPLE; samples++; samprdy++;
}
int main(void) {
    ADC0.CTRLA = ADC_ENABLE_bm | X_RUNSTDBY;
    ADC0.CTRLB = ADC_PRESC_DIV16_gc;
    ADC0.CTRLC = ADC_REFSEL_2048MV_gc | (4 << ADC_TIMEBASE_gp);
    ADC0.CTRLD = X_CTRLD;
    ADC0.WINHT = 100;
    ADC0.CTRLE = 10;
    ADC0.CTRLF = X_SAMPNUM;
    ADC0.MUXPOS = ADC_MUXPOS_AIN2_gc;
    ADC0.INTCTRL = X_INTCTRL;
    set_sleep_mode(X_SLEEP); sleep_enable(); sei();
    ADC0.COMMAND = X_COMMAND | ADC_START_IMMEDIATE_gc;
    sleep_cpu();
    GPIOR3 = 1;     /* woke up */
    for (;;) {}
}
"""


def adc_irq(**defs: str) -> str:
    base = {"RUNSTDBY": "0", "CTRLD": "0", "SAMPNUM": "0", "INTCTRL": "ADC_RESRDY_bm",
            "SLEEP": "SLEEP_MODE_IDLE", "COMMAND": "ADC_MODE_SINGLE_12BIT_gc"}
    base.update(defs)
    return "".join(f"#define X_{k} {v}\n" for k, v in base.items()) + ADC_IRQ


@pytest.mark.parametrize("sleep, runstdby, wakes", [
    ("SLEEP_MODE_IDLE", "0", True), ("SLEEP_MODE_STANDBY", "ADC_RUNSTDBY_bm", True),
    ("SLEEP_MODE_STANDBY", "0", False), ("SLEEP_MODE_PWR_DOWN", "ADC_RUNSTDBY_bm", False)])
def test_resrdy_interrupt_wakes_the_cpu(load, sleep: str, runstdby: str, wakes: bool) -> None:
    mcu = load(adc_irq(SLEEP=sleep, RUNSTDBY=runstdby))
    mcu.world.voltages["PA2"] = 1.0
    mcu.run(5e-3)  # a conversion takes well under 1 ms
    gpior3 = 0x1F
    assert bool(mcu.data.peek(gpior3)[0]) == wakes
    assert mcu.read_var("resrdy") == (1 if wakes else 0)
    if wakes:
        assert mcu.read_var("last", "<H") == 2000


def test_samprdy_interrupt_sees_every_sample_of_a_burst(load) -> None:
    mcu = load(adc_irq(SAMPNUM="ADC_SAMPNUM_ACC8_gc", INTCTRL="(ADC_RESRDY_bm | ADC_SAMPRDY_bm)",
                       COMMAND="ADC_MODE_BURST_gc"))
    mcu.world.voltages["PA2"] = 1.0
    mcu.run(5e-3)
    assert mcu.read_var("samples") == 8
    assert not mcu.data.peek(BASE + INTFLAGS)[0] & SAMPOVR  # each SAMPLE read in time


@pytest.mark.parametrize("winsrc, vector", [("ADC_WINSRC_RESULT_gc", 1), ("ADC_WINSRC_SAMPLE_gc", 2)])
def test_wcmp_requests_the_vector_of_its_source(load, winsrc: str, vector: int) -> None:
    # Datasheet: WINSRC selects which vector the WCMP interrupt requests, RESRDY or SAMPRDY.
    mcu = load(adc_irq(CTRLD=f"({winsrc} | ADC_WINCM_ABOVE_gc)", INTCTRL="ADC_WCMP_bm"))
    mcu.world.voltages["PA2"] = 1.0  # 2000 > WINHT = 100
    mcu.run(2e-3)
    assert mcu.read_var("wcmp_seen") == vector
