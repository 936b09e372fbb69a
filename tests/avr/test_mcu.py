"""The chip around the core: CCP windows, sleep fast-forward, resets and their flags, the main clock,
and what strict and lenient mode do with addresses the emulator has nothing behind."""

from __future__ import annotations

import pytest
from avr_build import Builder, Runner, run_to_break

from ltobms.avr.errors import UnmappedAccess, UnsupportedRegister
from ltobms.avr.mcu import Mcu

CCP, RSTFR, SWRR, MCLKCTRLA, MCLKCTRLB = 0x34, 0x40, 0x41, 0x60, 0x61
CCP_IOREG = 0xD8


# --- configuration change protection ----------------------------------------------------------------
@pytest.mark.parametrize("gap, accepted", [(0, True), (3, True), (4, False), (8, False)])
def test_ccp_window_is_four_instructions(run, gap: int, accepted: bool) -> None:
    # MCLKCTRLB = 0 (prescaler off): the clock goes from 20 MHz / 6 to 20 MHz only if accepted.
    nops = "\n".join(["nop"] * gap)
    body = f"ldi r16, {CCP_IOREG}\nldi r17, 0\nout {CCP}, r16\n{nops}\nsts {MCLKCTRLB}, r17\nbreak"
    mcu, _ = run(body)
    assert (mcu.data.peek(MCLKCTRLB)[0] == 0) == accepted
    assert mcu.sched.freq_hz == (20e6 if accepted else 20e6 / 6)


def test_protected_write_without_ccp_is_ignored(run) -> None:
    mcu, _ = run(f"ldi r17, 0\nsts {MCLKCTRLB}, r17\nbreak")
    assert mcu.data.peek(MCLKCTRLB)[0] == (8 << 1) | 1 and mcu.sched.freq_hz == 20e6 / 6


def test_ccp_reads_back_while_open(run) -> None:
    mcu, _ = run(f"ldi r16, {CCP_IOREG}\nout {CCP}, r16\nin r2, {CCP}\nnop\nnop\nnop\nin r3, {CCP}\nbreak")
    assert (mcu.cpu.r[2], mcu.cpu.r[3]) == (0x02, 0x00)


def test_ccp_readable_from_the_host_before_any_instruction() -> None:
    assert Mcu().data.read(CCP) == 0


# --- clock --------------------------------------------------------------------------------------------
LOOP_1000 = "ldi r24, lo8(250)\nldi r25, hi8(250)\n1: sbiw r24, 1\nbrne 1b\n"  # 2 + 250*4 - 1 cycles


@pytest.mark.parametrize("ctrla, ctrlb, hz", [(0, (0 << 1) | 1, 10e6), (0, (1 << 1) | 1, 5e6),
                                              (0, (8 << 1) | 1, 20e6 / 6), (0, (12 << 1) | 1, 20e6 / 48),
                                              (0, 0, 20e6), (1, 0, 32768.0), (1, (0 << 1) | 1, 16384.0)])
def test_prescaler_sets_the_cpu_clock(run, ctrla: int, ctrlb: int, hz: float) -> None:
    body = (f"ldi r16, {CCP_IOREG}\nldi r17, {ctrlb}\nout {CCP}, r16\nsts {MCLKCTRLB}, r17\n"
            f"ldi r17, {ctrla}\nout {CCP}, r16\nsts {MCLKCTRLA}, r17\nstart: break\n"
            + LOOP_1000 + "break")
    mcu, _ = run(body)
    assert mcu.sched.freq_hz == hz
    t0, c0 = mcu.time, mcu.cycles
    mcu.breaks.clear()
    cycles = run_to_break(mcu)
    assert cycles == 2 + 250 * 4 - 1 + 1
    assert mcu.cycles - c0 == cycles
    assert mcu.time - t0 == pytest.approx(cycles / hz, rel=1e-9)


def test_freqsel_fuse_selects_16_mhz(builder: Builder) -> None:
    mcu = Mcu()
    mcu.fuses[2] = 0x01  # OSCCFG.FREQSEL = 16 MHz
    mcu.reset("PORF")
    assert mcu.sched.freq_hz == 16e6 / 6


def test_time_stays_continuous_across_a_clock_change(run) -> None:
    body = (LOOP_1000 + f"ldi r16, {CCP_IOREG}\nldi r17, 0\nout {CCP}, r16\nsts {MCLKCTRLB}, r17\n"
            + LOOP_1000 + "break")
    # The loop, two LDI and OUT run at the old clock; the write takes effect as the STS starts.
    first = 2 + 250 * 4 - 1 + 1 + 1 + 1
    t0: list[float] = []
    mcu, cycles = run(body, setup=lambda m: t0.append(m.time))
    second = cycles - first
    assert second == 2 + 2 + 250 * 4 - 1
    assert mcu.time - t0[0] == pytest.approx(first / (20e6 / 6) + (second + 1) / 20e6, rel=1e-9)


# --- resets -------------------------------------------------------------------------------------------
SWRR_PROGRAM = f"""
    lds r20, {RSTFR}
    sbrc r20, 4            ; SWRF: the software reset happened
    rjmp done
    ldi r16, 0xff
    sts {RSTFR}, r16       ; write 1 to clear every flag
    lds r21, {RSTFR}
    sts 0x3c00, r21        ; SRAM survives the reset
    ldi r16, {CCP_IOREG}
    ldi r17, 1
    out {CCP}, r16
    sts {SWRR}, r17
1:  inc r22
    rjmp 1b
done:
    break
"""


def test_software_reset_sets_swrf(run) -> None:
    mcu, cycles = run(SWRR_PROGRAM)
    assert mcu.cpu.r[20] == 0x10  # only SWRF: PORF was cleared before
    assert mcu.data.peek(RSTFR)[0] == 0x10
    assert mcu.data.peek(0x3C00)[0] == 0x00
    assert mcu.cpu.r[22] == 0  # registers cleared by the reset
    assert cycles < 40


def test_software_reset_needs_ccp(run) -> None:
    body = SWRR_PROGRAM.replace(f"out {CCP}, r16", "nop")
    with pytest.raises(AssertionError, match="no BREAK"):
        run(body, max_cycles=3000)


def test_rstfr_write_one_to_clear(run) -> None:
    def after_wdt_reset(m: Mcu) -> None:
        m.reset("WDRF")  # RSTFR = PORF | WDRF

    mcu, _ = run(f"ldi r16, 0x01\nsts {RSTFR}, r16\nlds r2, {RSTFR}\nldi r16, 0\nsts {RSTFR}, r16\n"
                 f"lds r3, {RSTFR}\nbreak", setup=after_wdt_reset)
    assert mcu.cpu.r[2] == 0x08 and mcu.cpu.r[3] == 0x08


def test_power_on_reset_clears_other_flags() -> None:
    mcu = Mcu()
    mcu.reset("BORF")
    mcu.reset("EXTRF")
    assert mcu.data.read(RSTFR) == 0x01 | 0x02 | 0x04
    mcu.reset("PORF")
    assert mcu.data.read(RSTFR) == 0x01


# --- sleep ---------------------------------------------------------------------------------------------
PIT_SLEEP = """
    rjmp start
    .org 4*2
    rjmp pit_isr            ; vector 4: RTC_PIT
start:
    ldi r16, 0x01
    sts 0x0152, r16         ; RTC.PITINTCTRL = PI
    ldi r16, (0x0e << 3) | 1
    sts 0x0150, r16         ; RTC.PITCTRLA = CYC32768 | PITEN: one second
    ldi r16, (1 << 1) | 1
    sts 0x0050, r16         ; SLPCTRL.CTRLA = STANDBY | SEN
    sei
1:  sleep
    cpi r20, {n}
    brne 1b
    break
pit_isr:
    inc r20
    ldi r17, 1
    sts 0x0153, r17         ; RTC.PITINTFLAGS: clear
    reti
"""


def test_sleep_fast_forwards_to_the_pit(run) -> None:
    n = 20
    start: dict[str, float] = {}

    def note_start(m: Mcu) -> None:
        start.update(t=m.time, cycles=m.cycles, instructions=m.instructions, awake=m.awake_cycles)

    mcu, _ = run(PIT_SLEEP.format(n=n), max_cycles=10**9, setup=note_start)
    hz = 20e6 / 6
    # The PIT starts counting two RTC cycles after PITCTRLA is written (at cycle 5).
    first = start["t"] + 5 / hz + 2 / 32768
    assert mcu.cpu.r[20] == n
    last_fire = first + n * 1.0
    assert last_fire <= mcu.time < last_fire + 30 / hz
    # Twenty simulated seconds (67 million cycles), a few hundred instructions executed.
    assert mcu.cycles - start["cycles"] > n * hz * 0.99
    assert mcu.instructions - start["instructions"] < 20 * n
    assert mcu.awake_cycles - start["awake"] < 30 * n


# --- strict and lenient mode ---------------------------------------------------------------------------
def test_strict_unmapped_read_names_pc_and_address(run) -> None:
    with pytest.raises(UnmappedAccess) as info:
        run("nop\nlds r0, 0x2000\nbreak")
    assert info.value.address == 0x2000 and info.value.pc == 1
    assert "0x2000" in str(info.value) and "PC=0x0002" in str(info.value)


def test_strict_unmapped_write_through_a_pointer(run) -> None:
    with pytest.raises(UnmappedAccess) as info:
        run("ldi r30, 0x55\nldi r31, 0x0f\nst Z, r0\nbreak")
    assert info.value.address == 0x0F55 and info.value.pc == 2


def test_strict_unmodelled_register(run) -> None:
    with pytest.raises(UnsupportedRegister) as info:
        run("lds r0, 0x08a3\nbreak")  # TWI0.MCTRLA: host mode is not modelled
    assert info.value.address == 0x08A3 and info.value.pc == 0 and "TWI0" in str(info.value)


def test_lenient_mode_logs_and_continues(builder: Builder) -> None:
    lenient = Runner(strict=False)
    mcu = lenient.load(builder.asm("ldi r16, 7\nsts 0x2000, r16\nlds r1, 0x2001\nldi r17, 1\nbreak"))
    mcu.cpu.r[1] = 0x99
    run_to_break(mcu)
    assert mcu.cpu.r[1] == 0 and mcu.cpu.r[17] == 1
    assert any("0x2000" in w for w in mcu.data.warnings)
    assert any("0x2001" in w for w in mcu.data.warnings)


# --- interrupt entry ---------------------------------------------------------------------------------
IRQ_PROGRAM = """
    rjmp start
    .org 13*2
    rjmp isr                ; vector 13 (TCB0_INT)
start:
    sei
    inc r20                 ; runs before the pending interrupt is taken (one instruction after SEI)
after_inc:
    inc r21
    break
isr:
    break
"""


def test_pending_interrupt_waits_one_instruction_after_sei(run) -> None:
    mcu, cycles = run(IRQ_PROGRAM, setup=lambda m: m.set_irq(13, True))
    assert (mcu.cpu.r[20], mcu.cpu.r[21]) == (1, 0)
    assert mcu.breaks == [mcu.symbols["isr"][0]]
    ret = mcu.symbols["after_inc"][0] // 2
    assert mcu.data.peek(0x3FFE, 2) == bytes([ret >> 8, ret & 0xFF]) and mcu.cpu.sp == 0x3FFD
    assert mcu.data.read(0x0111) & 0x01  # CPUINT.STATUS LVL0EX
    # RJMP 2, SEI 1, INC 1, interrupt response 2, vector RJMP 2.
    assert cycles == 2 + 1 + 1 + 2 + 2


def test_one_instruction_runs_after_reti_before_the_next_interrupt(run) -> None:
    # The request line stays asserted: every RETI lets exactly one main-line instruction run.
    body = """
    rjmp start
    .org 13*2
    rjmp isr
start:
    sei
    inc r20
    inc r21
    inc r24
    break
isr:
    inc r22
    reti
"""
    mcu, _ = run(body, setup=lambda m: m.set_irq(13, True))
    assert [mcu.cpu.r[i] for i in (20, 21, 24, 22)] == [1, 1, 1, 3]
