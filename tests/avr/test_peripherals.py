"""Peripherals against datasheet behaviour, each driven by a small C program built with the project's
toolchain: RTC PIT, TWI client, EEPROM through NVMCTRL, ADC (burst accumulation, PGA, TEMPSENSE),
USART timing, WDT, PORT/VPORT, and the basic TCA0, TCB0, AC0 and EVSYS models."""

from __future__ import annotations

import pytest
from avr_build import HZ, PASS, run_corpus

from ltobms.avr.errors import Unsupported
from ltobms.avr.mcu import Mcu


def toggles(mcu: Mcu, pin: str) -> list[float]:
    return [t for t, p, out, _lvl, _pu in mcu.world.pin_log if p == pin and out]


# --- RTC PIT ----------------------------------------------------------------------------------------
PIT_TOGGLE = """
ISR(RTC_PIT_vect) { RTC.PITINTFLAGS = RTC_PI_bm; PORTA.OUTTGL = PIN3_bm; }
int main(void) {
    PORTA.DIRSET = PIN3_bm;
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = PERIOD | RTC_PITEN_bm;
    set_sleep_mode(SLEEP_MODE_STANDBY); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


@pytest.mark.parametrize("code, cycles", [("RTC_PERIOD_CYC64_gc", 64), ("RTC_PERIOD_CYC4096_gc", 4096)])
def test_pit_wakes_standby_at_its_period(load, code: str, cycles: int) -> None:
    mcu = load(f"#define PERIOD {code}\n" + PIT_TOGGLE)
    period = cycles / 32768
    mcu.run(12 * period)
    times = toggles(mcu, "PA3")[1:]  # the first entry is the DIRSET
    assert len(times) >= 10
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    for g in gaps:
        assert g == pytest.approx(period, abs=2 / HZ)
    assert mcu.sleep_mode == "STANDBY"


RTC_COUNTER_SLEEP = """
volatile uint16_t wakes;
ISR(RTC_PIT_vect) { RTC.PITINTFLAGS = RTC_PI_bm; wakes++; }
int main(void) {
    RTC.PER = 0xFFFF;
    RTC.CTRLA = RTC_PRESCALER_DIV1_gc | RTC_RTCEN_bm | RUNSTDBY;
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = RTC_PERIOD_CYC8192_gc | RTC_PITEN_bm;   /* wake every 0.25 s */
    set_sleep_mode(MODE); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


@pytest.mark.parametrize(("mode", "runstdby", "counts"), [
    ("SLEEP_MODE_IDLE", "0", True), ("SLEEP_MODE_STANDBY", "RTC_RUNSTDBY_bm", True),
    ("SLEEP_MODE_STANDBY", "0", False), ("SLEEP_MODE_PWR_DOWN", "RTC_RUNSTDBY_bm", False)])
def test_rtc_counter_in_sleep_follows_runstdby(load, mode: str, runstdby: str, counts: bool) -> None:
    mcu = load(f"#define MODE {mode}\n#define RUNSTDBY {runstdby}\n" + RTC_COUNTER_SLEEP)
    mcu.run(1.01)
    assert mcu.read_var("wakes", "<H") == 4  # the PIT runs in every sleep mode
    counter = mcu.peripherals["RTC"].counter()
    if counts:
        assert abs(counter - 1.01 * 32768) < 40
    else:
        assert counter < 40  # only the few awake microseconds around each wake-up


BUSY_LOOP = """
volatile uint32_t spins;
int main(void) { for (;;) spins++; }
"""


def test_bod_holds_the_chip_in_reset_while_the_supply_is_low(load) -> None:
    mcu = load(BUSY_LOOP)
    mcu.fuses[1] = 0x40 | 0x04 | 0x01  # BODCFG: level 2 (2.6 V), enabled in active and sleep
    mcu.fuses[0] = 0x09  # WDTCFG: 2 s period, must not fire while held
    mcu.reset("PORF")
    mcu.run(0.01)
    assert mcu.read_var("spins", "<I") > 0
    mcu.world.supply = 2.0
    mcu.supply_changed()
    assert mcu.held_in_reset
    before = mcu.instructions
    mcu.run(5.0)  # longer than the watchdog period
    assert mcu.instructions == before and mcu.held_in_reset
    assert mcu.data.read(0x0040) & 0x02  # RSTCTRL.RSTFR.BORF
    assert not mcu.data.read(0x0040) & 0x08  # no WDRF: the watchdog did not count while held
    mcu.world.supply = 3.3
    mcu.run(0.2)  # the BOD's next look at the supply releases the chip
    assert not mcu.held_in_reset and mcu.instructions > before
    mcu.fuses[0] = mcu.fuses[1] = 0
    mcu.reset("PORF")


# --- TWI client -------------------------------------------------------------------------------------
TWI_CLIENT = """
volatile uint8_t rx[8], nrx, stops;
int main(void) {
    TWI0.SADDR = 0x41 << 1;
    TWI0.SCTRLA = TWI_ENABLE_bm | TWI_PIEN_bm; /* PIEN: APIF also for STOP */
    for (;;) {
        uint8_t s = TWI0.SSTATUS;
        if (s & TWI_APIF_bm) {
            if (s & TWI_AP_bm) TWI0.SCTRLB = TWI_SCMD_RESPONSE_gc;
            else { stops++; TWI0.SCTRLB = TWI_SCMD_COMPTRANS_gc; }
        } else if (s & TWI_DIF_bm) {
            if (s & TWI_DIR_bm) TWI0.SDATA = 0xA0 + nrx;
            else if (nrx < sizeof rx) rx[nrx++] = TWI0.SDATA;
            TWI0.SCTRLB = TWI_SCMD_RESPONSE_gc;
        }
    }
}
"""


def test_twi_acks_its_address_only(load) -> None:
    mcu = load(TWI_CLIENT)
    mcu.run(1e-3)
    bus = mcu.i2c
    assert not bus.probe(0x40) and not bus.probe(0x42) and not bus.probe(0x41 ^ 0x40)
    assert bus.probe(0x41)
    res = bus.write(0x41, b"\x05\x06\x07")
    assert res.ok and res.acks == [True, True, True]
    assert mcu.read_var("nrx") == 3
    assert bytes(mcu.data.peek(mcu.symbol("rx")[0], 3)) == b"\x05\x06\x07"
    assert bus.read(0x41, 2) == bytes([0xA3, 0xA3])
    assert mcu.read_var("stops") >= 2


# --- EEPROM -----------------------------------------------------------------------------------------
EEPROM_WRITE = """
#include <avr/eeprom.h>
int main(void) {
    eeprom_write_byte((uint8_t *)5, 0x5A);
    __asm__ volatile("break");
    for (;;) {}
}
"""


def test_eeprom_write_keeps_eebusy_for_4_ms(load) -> None:
    mcu = load(EEPROM_WRITE)
    mcu.eeprom_write_raw(5, b"\xff")
    assert run_corpus(mcu, 1.0) == 0  # stops at the BREAK right after the write command
    t0 = mcu.time
    status = 0x1002
    assert mcu.data.read(status) & 0x02  # EEBUSY
    done = mcu.run_until(lambda: not mcu.data.read(status) & 0x02, timeout_s=0.1, step_s=50e-6)
    assert done - t0 == pytest.approx(4e-3, abs=0.1e-3)
    assert mcu.eeprom[5] == 0x5A


# --- ADC --------------------------------------------------------------------------------------------
ADC_PROGRAM = """
volatile int32_t result;
int main(void) {
    ADC0.CTRLA = ADC_ENABLE_bm;
    ADC0.CTRLB = ADC_PRESC_DIV4_gc;
    ADC0.CTRLC = X_REFSEL | (4 << ADC_TIMEBASE0_bp);
    ADC0.CTRLE = 32;
    ADC0.CTRLF = X_SAMPNUM;
    ADC0.PGACTRL = X_PGACTRL;
    ADC0.MUXPOS = X_MUXPOS;
    ADC0.MUXNEG = X_MUXNEG;
    ADC0.COMMAND = X_COMMAND | ADC_START_IMMEDIATE_gc;
    while (!(ADC0.INTFLAGS & ADC_RESRDY_bm)) {}
    result = ADC0.RESULT;
    finish(PASS, 0, 0);
}
"""


def adc(load, **defs: str):  # noqa: ANN001,ANN201
    base = {"REFSEL": "ADC_REFSEL_2048MV_gc", "SAMPNUM": "ADC_SAMPNUM_NONE_gc", "PGACTRL": "0",
            "MUXNEG": "ADC_MUXNEG_GND_gc", "COMMAND": "ADC_MODE_SINGLE_12BIT_gc"}
    base.update(defs)
    return "".join(f"#define X_{k} {v}\n" for k, v in base.items()) + ADC_PROGRAM


@pytest.mark.parametrize("sampnum, n", [("ADC_SAMPNUM_ACC16_gc", 16), ("ADC_SAMPNUM_ACC64_gc", 64)])
def test_adc_burst_accumulates_sampnum_samples(load, sampnum: str, n: int) -> None:
    mcu = load(adc(load, SAMPNUM=sampnum, MUXPOS="ADC_MUXPOS_AIN2_gc", COMMAND="ADC_MODE_BURST_gc"))
    mcu.world.voltages["PA2"] = 1.0  # 1.0 V / 2.048 V * 4096 = 2000 exactly
    assert run_corpus(mcu) == PASS
    assert mcu.read_var("result", "<i") == 2000 * n
    assert mcu.peripherals["ADC0"].conversions >= n


def test_adc_pga_differential_with_gain(load) -> None:
    src = adc(load, MUXPOS="(ADC_MUXPOS_AIN2_gc | ADC_VIA_PGA_gc)",
              MUXNEG="(ADC_MUXNEG_AIN3_gc | ADC_VIA_PGA_gc)", PGACTRL="(ADC_GAIN_4X_gc | ADC_PGAEN_bm)",
              COMMAND="(ADC_MODE_SINGLE_12BIT_gc | ADC_DIFF_bm)")
    mcu = load(src)
    mcu.world.voltages.update({"PA2": 1.0, "PA3": 0.9})
    assert run_corpus(mcu) == PASS
    # (1.0 - 0.9) V * 4 / 2.048 V * 2048 = 400
    assert mcu.read_var("result", "<i") == 400
    mcu = load(src)
    mcu.world.voltages.update({"PA2": 0.9, "PA3": 1.0})
    assert run_corpus(mcu) == PASS
    assert mcu.read_var("result", "<i") == -400


@pytest.mark.parametrize("celsius", [-20.0, 25.0, 61.5])
def test_tempsense_with_the_sigrow_formula(load, celsius: float) -> None:
    mcu = load(adc(load, REFSEL="ADC_REFSEL_1024MV_gc", MUXPOS="ADC_MUXPOS_TEMPSENSE_gc"),
               temperature_c=celsius)
    assert run_corpus(mcu) == PASS
    raw = mcu.read_var("result", "<i")
    sigrow = 0x1100
    gain = mcu.data.read(sigrow + 0x20)  # SIGROW.TEMPSENSE0
    offset = mcu.data.read(sigrow + 0x21)  # SIGROW.TEMPSENSE1
    offset = offset - 256 if offset & 0x80 else offset
    # Datasheet: T[K] = ((RESULT >> 2) - TEMPSENSE1) * TEMPSENSE0 / 256, rounded.
    kelvin = (((raw >> 2) - offset) * gain + 0x80) >> 8
    assert kelvin - 273.15 == pytest.approx(celsius, abs=1.0)


# --- USART ------------------------------------------------------------------------------------------
USART_SEND = """
int main(void) {
    USART0.BAUD = (uint16_t)(64.0 * 3333333.0 / (16.0 * 9600) + 0.5);
    USART0.CTRLB = USART_TXEN_bm;
    PORTB.DIRSET = PIN2_bm;
    for (uint8_t i = 0; i < 6; i++) {
        while (!(USART0.STATUS & USART_DREIF_bm)) {}
        USART0.TXDATAL = 'A' + i;
    }
    while (!(USART0.STATUS & USART_TXCIF_bm)) {}
    finish(PASS, 0, 0);
}
"""


def test_usart_bytes_are_ten_bit_times_apart(load) -> None:
    mcu = load(USART_SEND)
    mcu.uart_tx.clear()
    assert run_corpus(mcu) == PASS
    sent = mcu.uart_tx.bytes
    assert bytes(b for _, b in sent) == b"ABCDEF"
    baud_reg = round(64 * 3333333.0 / (16 * 9600))
    bit = 16 * baud_reg / (64 * HZ)
    gaps = [b[0] - a[0] for a, b in zip(sent, sent[1:], strict=False)]
    for g in gaps:
        assert g == pytest.approx(10 * bit, abs=1 / HZ)  # a frame ends on a CPU cycle
        assert g == pytest.approx(1.0417e-3, rel=1e-3)


# --- WDT --------------------------------------------------------------------------------------------
WDT_PROGRAM = """
#include <avr/wdt.h>
int main(void) {
    if (RSTCTRL.RSTFR & RSTCTRL_WDRF_bm) finish(PASS, 0, 0);
    RSTCTRL.RSTFR = 0xFF;
    _PROTECTED_WRITE(WDT.CTRLA, WDT_PERIOD_8CLK_gc);
    for (;;) { if (FEED) wdt_reset(); }
}
"""


def test_wdt_resets_without_wdr(load) -> None:
    mcu = load("#define FEED 0\n" + WDT_PROGRAM)
    t0 = mcu.time
    assert run_corpus(mcu, 0.1) == PASS
    assert mcu.data.read(0x40) == 0x08  # RSTFR: WDRF only
    assert mcu.time - t0 == pytest.approx(8 / 1024, abs=0.2e-3)


def test_wdr_keeps_the_wdt_from_resetting(load) -> None:
    mcu = load("#define FEED 1\n" + WDT_PROGRAM)
    mcu.run(0.05)
    assert not mcu.breaks and mcu.data.read(0x40) == 0


# --- PORT -------------------------------------------------------------------------------------------
PORT_PROGRAM = """
volatile uint8_t edges;
ISR(PORTA_PORT_vect) { edges++; PORTA.INTFLAGS = PORTA.INTFLAGS; }
int main(void) {
    PORTA.DIR = PIN2_bm | PIN3_bm;
    CHECK(10, VPORTA.DIR == (PIN2_bm | PIN3_bm));
    PORTA.OUTSET = PIN2_bm;
    CHECK(11, PORTA.OUT == PIN2_bm && VPORTA.OUT == PIN2_bm);
    PORTA.OUTTGL = PIN2_bm | PIN3_bm;
    CHECK(12, PORTA.OUT == PIN3_bm);
    PORTA.OUTCLR = PIN3_bm;
    CHECK(13, PORTA.OUT == 0);
    PORTA.DIRCLR = PIN2_bm;
    PORTA.DIRSET = PIN1_bm;
    CHECK(14, PORTA.DIR == (PIN1_bm | PIN3_bm));
    PORTA.DIRTGL = PIN1_bm | PIN3_bm;
    CHECK(15, PORTA.DIR == 0);
    VPORTA.DIR = PIN5_bm;
    VPORTA.OUT = PIN5_bm;
    CHECK(16, PORTA.DIR == PIN5_bm && PORTA.OUT == PIN5_bm);
    CHECK(17, VPORTA.IN & PIN5_bm);
    PORTA.PIN6CTRL = PORT_ISC_RISING_gc;
    sei();
    GPIOR0 = 2;
    __asm__ volatile("break");      /* the test raises PA6 */
    CHECK(18, edges == 1 && (VPORTA.IN & PIN6_bm) && (PORTA.IN & PIN6_bm));
    __asm__ volatile("break");      /* the test lowers PA6: no interrupt on a falling edge */
    CHECK(19, edges == 1 && !(PORTA.IN & PIN6_bm));
    PORTA.PIN6CTRL = PORT_ISC_BOTHEDGES_gc;
    __asm__ volatile("break");      /* the test raises PA6 again */
    CHECK(20, edges == 2);
    finish(PASS, 0, 0);
}
"""


def test_port_registers_vport_and_pin_change_interrupt(load) -> None:
    mcu = load(PORT_PROGRAM)
    w = mcu.world
    for level in (1, 0, 1):
        code = run_corpus(mcu, 0.01)
        assert code == 2, f"check {code} failed"
        mcu.breaks.clear()
        w.inputs["PA6"] = level
        mcu.pin_input_changed("PA6")
    assert run_corpus(mcu, 0.01) == PASS
    log = [(p, out, lvl) for _t, p, out, lvl, _pu in w.pin_log]
    # PA2 and PA3 in order: outputs low, PA2 high, PA2 low + PA3 high, PA3 low, then inputs again.
    pa2 = [e for e in log if e[0] == "PA2"]
    pa3 = [e for e in log if e[0] == "PA3"]
    assert pa2 == [("PA2", True, 0), ("PA2", True, 1), ("PA2", True, 0), ("PA2", False, 0)]
    assert pa3 == [("PA3", True, 0), ("PA3", True, 1), ("PA3", True, 0), ("PA3", False, 0)]
    assert ("PA5", True, 1) in log


def test_port_changes_recorded_as_vcd(load, tmp_path) -> None:
    mcu = load(PORT_PROGRAM)
    vcd = mcu.record_pins(tmp_path / "pins.vcd")
    try:
        run_corpus(mcu, 0.01)
    finally:
        vcd.close()
        mcu.pin_listeners.remove(vcd.pin_changed)
    text = (tmp_path / "pins.vcd").read_text()
    ident = next(line.split()[3] for line in text.splitlines() if line.endswith(" PA2 $end"))
    assert " PB3 $end" in text and " PB4 $end" not in text  # the 14-pin package's pins only
    changes, now = [], 0
    for line in text.split("$enddefinitions $end")[1].splitlines():
        if line.startswith("#"):
            now = int(line[1:])
        elif line.endswith(ident) and len(line) == 1 + len(ident) and not line.startswith("$"):
            changes.append((now, line[0]))
    # initial z, then driven low, high, low (the program's first steps), each at a later time
    assert [v for _, v in changes[:4]] == ["z", "0", "1", "0"]
    assert changes[1][0] < changes[2][0] < changes[3][0]
    assert changes[2][0] == round(next(t for t, pin, out, lvl, _ in mcu.world.pin_log
                                       if pin == "PA2" and out and lvl == 1) * 1e9)


# --- TCA0 -------------------------------------------------------------------------------------------
TCA_PROGRAM = """
volatile uint16_t ovf, cmp0;
ISR(TCA0_OVF_vect) { TCA0.SINGLE.INTFLAGS = TCA_SINGLE_OVF_bm; ovf++; }
ISR(TCA0_CMP0_vect) { TCA0.SINGLE.INTFLAGS = TCA_SINGLE_CMP0_bm; cmp0++; }
int main(void) {
    TCA0.SINGLE.PER = X_PER;
    TCA0.SINGLE.CMP0 = X_PER / 2;
    TCA0.SINGLE.INTCTRL = TCA_SINGLE_OVF_bm | TCA_SINGLE_CMP0_bm;
    TCA0.SINGLE.CTRLA = CLKSEL | TCA_SINGLE_ENABLE_bm;
    set_sleep_mode(SLEEP_MODE_IDLE); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


@pytest.mark.parametrize("per, clksel, div", [(999, "TCA_SINGLE_CLKSEL_DIV1_gc", 1),
                                              (3332, "TCA_SINGLE_CLKSEL_DIV64_gc", 64)])
def test_tca_overflow_interrupts_count_the_period(load, per: int, clksel: str, div: int) -> None:
    mcu = load(f"#define X_PER {per}\n#define CLKSEL {clksel}\n" + TCA_PROGRAM)
    mcu.run(1e-3)
    n0, t0 = mcu.read_var("ovf", "<H"), mcu.time
    c0, awake0 = mcu.cycles, mcu.awake_cycles
    span = 0.5
    mcu.run(span)
    period = (per + 1) * div / HZ
    got = mcu.read_var("ovf", "<H") - n0
    assert abs(got - span / period) <= 1
    assert abs(mcu.read_var("cmp0", "<H") - mcu.read_var("ovf", "<H")) <= 1
    # Asleep in IDLE between interrupts: few awake cycles per period.
    if div > 1:
        assert mcu.awake_cycles - awake0 < 0.05 * (mcu.cycles - c0)
    assert mcu.time - t0 == pytest.approx(span, abs=1e-6)


TCA_COUNT = """
volatile uint16_t c1, c2;
int main(void) {
    TCA0.SINGLE.PER = 0xFFFF;
    TCA0.SINGLE.CTRLA = TCA_SINGLE_CLKSEL_DIV4_gc | TCA_SINGLE_ENABLE_bm;
    c1 = TCA0.SINGLE.CNT;
    for (volatile uint8_t i = 0; i < 100; i++) {}
    c2 = TCA0.SINGLE.CNT;
    TCA0.SINGLE.CTRLESET = TCA_SINGLE_CMD_RESTART_gc;
    CHECK(10, TCA0.SINGLE.CNT < 4);
    finish(PASS, 0, 0);
}
"""


def test_tca_counter_reads_follow_cycles(load) -> None:
    mcu = load(TCA_COUNT)
    assert run_corpus(mcu) == PASS
    c1, c2 = mcu.read_var("c1", "<H"), mcu.read_var("c2", "<H")
    assert c1 < 4 and 100 < c2 - c1 < 2000


def test_tca_unsupported_modes_raise() -> None:
    mcu = Mcu()
    with pytest.raises(Unsupported):
        mcu.data.write(0x0A01, 0x05)  # dual-slope
    with pytest.raises(Unsupported):
        mcu.data.write(0x0A03, 0x01)  # split mode


# --- TCB0 -------------------------------------------------------------------------------------------
TCB_PROGRAM = """
volatile uint16_t capt;
ISR(TCB0_INT_vect) { TCB0.INTFLAGS = TCB_CAPT_bm; capt++; }
int main(void) {
    TCA0.SINGLE.CTRLA = TCA_SINGLE_CLKSEL_DIV16_gc | TCA_SINGLE_ENABLE_bm;
    TCB0.CCMP = X_CCMP;
    TCB0.INTCTRL = TCB_CAPT_bm;
    TCB0.CTRLA = CLKSEL | TCB_ENABLE_bm;
    set_sleep_mode(SLEEP_MODE_IDLE); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


@pytest.mark.parametrize("clksel, div", [("TCB_CLKSEL_DIV1_gc", 1), ("TCB_CLKSEL_DIV2_gc", 2),
                                         ("TCB_CLKSEL_TCA0_gc", 16)])
def test_tcb_periodic_interrupt(load, clksel: str, div: int) -> None:
    ccmp = 3332
    mcu = load(f"#define X_CCMP {ccmp}\n#define CLKSEL {clksel}\n" + TCB_PROGRAM)
    mcu.run(1e-3)
    n0 = mcu.read_var("capt", "<H")
    span = 0.2
    mcu.run(span)
    period = (ccmp + 1) * div / HZ
    assert abs(mcu.read_var("capt", "<H") - n0 - span / period) <= 1
    assert mcu.data.read(0x0A87) & 1  # STATUS.RUN


TIMER_STANDBY_PROGRAM = """
volatile uint16_t capt, ovf;
ISR(TCB0_INT_vect) { TCB0.INTFLAGS = TCB_CAPT_bm; capt++; }
ISR(TCA0_OVF_vect) { TCA0.SINGLE.INTFLAGS = TCA_SINGLE_OVF_bm; ovf++; }
int main(void) {
    TCA0.SINGLE.PER = 999;
    TCA0.SINGLE.INTCTRL = TCA_SINGLE_OVF_bm;
    TCA0.SINGLE.CTRLA = TCA_SINGLE_CLKSEL_DIV1_gc | TCA_SINGLE_ENABLE_bm | RUNSTDBY_A;
    TCB0.CCMP = 999;
    TCB0.INTCTRL = TCB_CAPT_bm;
    TCB0.CTRLA = TCB_CLKSEL_DIV1_gc | TCB_ENABLE_bm | RUNSTDBY_B;
    set_sleep_mode(SLEEP_MODE_STANDBY); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


@pytest.mark.parametrize("runstdby", [False, True])
def test_timers_count_in_standby_only_with_runstdby(load, runstdby: bool) -> None:
    flags = ("TCA_SINGLE_RUNSTDBY_bm", "TCB_RUNSTDBY_bm") if runstdby else ("0", "0")
    mcu = load(f"#define RUNSTDBY_A {flags[0]}\n#define RUNSTDBY_B {flags[1]}\n" + TIMER_STANDBY_PROGRAM)
    mcu.run(0.05)
    assert mcu.sleep_mode == "STANDBY"
    periods = 0.05 * HZ / 1000
    for name in ("capt", "ovf"):
        count = mcu.read_var(name, "<H")
        if runstdby:
            assert abs(count - periods) <= 1, (name, count)
        else:
            assert count == 0, (name, count)


# --- AC0 --------------------------------------------------------------------------------------------
AC_PROGRAM = """
volatile uint8_t edges, state;
ISR(AC0_AC_vect) { AC0.STATUS = AC_CMP_bm; edges++; }
int main(void) {
    VREF.CTRLA = VREF_AC0REFSEL_2V048_gc;
    AC0.DACREF = 128;                        /* 1.024 V */
    AC0.MUXCTRLA = AC_MUXPOS_PIN0_gc | MUXNEG;
    AC0.INTCTRL = AC_CMP_bm;
    AC0.CTRLA = AC_ENABLE_bm | AC_INTMODE_POSEDGE_gc;
    sei();
    for (;;) state = AC0.STATUS;
}
"""


@pytest.mark.parametrize("muxneg", ["AC_MUXNEG_DACREF_gc", "AC_MUXNEG_PIN0_gc"])
def test_ac_output_follows_world_voltages(load, muxneg: str) -> None:
    mcu = load(f"#define MUXNEG {muxneg}\n" + AC_PROGRAM)
    w = mcu.world
    w.voltages.update({"PA7": 0.5, "PA6": 1.024})
    mcu.run(2e-3)
    assert not mcu.read_var("state") & 0x10 and mcu.read_var("edges") == 0
    for v in (1.5, 0.3, 1.2, 0.9, 2.0):
        w.voltages["PA7"] = v
        mcu.run(3e-3)  # the comparator polls its inputs every millisecond
        above = v > 1.024
        assert bool(mcu.read_var("state") & 0x10) == above, v
    assert mcu.read_var("edges") == 3  # rising edges only (INTMODE POSEDGE)


def test_ac_analog_changed_is_seen_at_once(load) -> None:
    mcu = load("#define MUXNEG AC_MUXNEG_DACREF_gc\n" + AC_PROGRAM)
    mcu.world.voltages["PA7"] = 0.2
    mcu.run(1e-3)
    mcu.world.voltages["PA7"] = 1.1
    mcu.analog_changed()
    mcu.run(20e-6)
    assert mcu.read_var("edges") == 1


def test_ac_hysteresis() -> None:
    mcu = Mcu()
    w = mcu.world
    w.voltages.update({"PA7": 1.0, "PA6": 1.0})
    d = mcu.data
    d.write(0x0682, 0x00)  # PA7 vs PA6
    d.write(0x0680, 0x01 | (3 << 1))  # enable, 50 mV hysteresis
    for v, state in ((1.02, 0), (1.03, 1), (0.99, 1), (0.97, 0)):
        w.voltages["PA7"] = v
        assert bool(d.read(0x0687) & 0x10) == bool(state), v


# --- EVSYS ------------------------------------------------------------------------------------------
def test_evsys_registers_and_strict_users() -> None:
    mcu = Mcu()
    d = mcu.data
    d.write(0x0190, 0x40)
    d.write(0x0195, 0x12)
    assert (d.read(0x0190), d.read(0x0195), mcu.peripherals["EVSYS"].channel(5)) == (0x40, 0x12, 0x12)
    d.write(0x01A8, 0)  # disconnecting a user is fine
    with pytest.raises(Unsupported, match="USERADC0START"):
        d.write(0x01A8, 0x01)
    lenient = Mcu(strict=False)
    lenient.data.write(0x01B0, 0x02)
    assert lenient.data.read(0x01B0) == 0x02
    assert any("USERTCB0CAPT" in w for w in lenient.data.warnings)
