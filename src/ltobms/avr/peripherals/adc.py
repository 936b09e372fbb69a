"""ADC0 of the tinyAVR 2-series: 12-bit, single-ended or differential, optional PGA (1–16×),
accumulation of up to 1024 samples (burst or series), 8-bit mode, scaling, left adjust, window
comparator, and the RESRDY/SAMPRDY/WCMP/RESOVR/SAMPOVR/TRIGOVR flags.

Inputs are the world's analog node voltages, read at the end of each sample's sampling phase, so a
signal that changes during a burst is seen as it changes. Timing (datasheet and Microchip's ADC
application notes for this ADC): each trigger first waits the initialization time of the analog
modules it uses (ADC 10 µs, PGA 20 µs, internal reference 60 µs, TEMPSENSE and DACREF 35 µs; the
slowest counts), measured in TIMEBASE CLK_PER cycles per µs; with LOWLAT only modules not yet
running need it (2 µs when switching between internal references). A sample then takes
SAMPDUR + 0.5 ADC clocks of sampling (SAMPDUR + 1 plus ADCPGASAMPDUR through the PGA) and 13 ADC
clocks of conversion (9 in 8-bit mode); the result reaches RESULT 2 ADC clocks after the last
sample. So a single 12-bit conversion is init + SAMPDUR + 15.5 ADC clocks and a burst of n samples
init + n * (SAMPDUR + 13.5) + 2, with CLK_ADC = CLK_PER / prescaler.
A seeded error model (gaussian noise, 1 LSB rms
by default; offset and gain error settable with `noise()`) makes accuracy claims meaningful.
TEMPSENSE returns the code that the datasheet's signature-row formula converts back to the world's
die temperature (see `nvmctrl.TEMPSENSE_GAIN/OFFSET`).
"""

from __future__ import annotations

import numpy as np

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write

CTRLA, CTRLB, CTRLC, CTRLD, INTCTRL, INTFLAGS, STATUS, DBGCTRL, CTRLE, CTRLF, COMMAND, PGACTRL = range(12)
MUXPOS, MUXNEG = 0x0C, 0x0D
RESULT, SAMPLE, TEMP0, WINLT, WINHT = 0x10, 0x14, 0x18, 0x1C, 0x1E
WINSRC_SAMPLE = 0x08
ENABLE, LOWLAT, RUNSTDBY = 0x01, 0x20, 0x80
RESRDY, SAMPRDY, WCMP, RESOVR, SAMPOVR, TRIGOVR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
LEFTADJ, FREERUN = 0x10, 0x20
DIFF = 0x80
PRESC = [2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64]
REFS = {4: 1.024, 5: 2.048, 6: 2.5, 7: 4.096}
PGA_SAMPDUR = [6, 15, 20, 32]
# Initialization times (µs) of the analog modules a conversion uses, and the shorter settling of one
# internal reference after another while LOWLAT keeps the reference running.
INIT_US = {"ADC": 10, "PGA": 20, "REF": 60, "TEMPSENSE": 35, "DACREF0": 35}
REF_SWITCH_US = 2
DEFAULT_NOISE_LSB, DEFAULT_SEED = 1.0, 824
MODE_8BIT, MODE_12BIT, MODE_SERIES, MODE_SERIES_SCALING, MODE_BURST, MODE_BURST_SCALING = range(6)
INTERNAL = {0x30: "GND", 0x31: "VDDDIV10", 0x32: "TEMPSENSE", 0x33: "DACREF0"}
AIN_PINS = {1: "PA1", 2: "PA2", 3: "PA3", 4: "PA4", 5: "PA5", 6: "PA6", 7: "PA7", 10: "PB1", 11: "PB0"}
NAMES = {CTRLA: "CTRLA", CTRLB: "CTRLB", CTRLC: "CTRLC", CTRLD: "CTRLD", INTCTRL: "INTCTRL",
         INTFLAGS: "INTFLAGS", STATUS: "STATUS", DBGCTRL: "DBGCTRL", CTRLE: "CTRLE", CTRLF: "CTRLF",
         COMMAND: "COMMAND", PGACTRL: "PGACTRL", MUXPOS: "MUXPOS", MUXNEG: "MUXNEG",
         RESULT: "RESULT0", RESULT + 1: "RESULT1", RESULT + 2: "RESULT2", RESULT + 3: "RESULT3",
         SAMPLE: "SAMPLEL", SAMPLE + 1: "SAMPLEH", TEMP0: "TEMP0", TEMP0 + 1: "TEMP1", TEMP0 + 2: "TEMP2",
         WINLT: "WINLTL", WINLT + 1: "WINLTH", WINHT: "WINHTL", WINHT + 1: "WINHTH"}


class Adc(Peripheral):
    """params: vectors (ERROR, RESRDY, SAMPRDY)."""

    def __init__(self, mcu, name: str = "ADC0", base: int = 0x0600, vectors: tuple = (21, 22, 23)) -> None:
        super().__init__(mcu, name, base)
        self.v_error, self.v_resrdy, self.v_samprdy = vectors
        d = self.data
        for off, reg in NAMES.items():
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + INTCTRL, None, self._w_intctrl)
        d.hook(base + INTFLAGS, None, self._w_intflags)
        d.hook(base + CTRLD, None, self._w_ctrld)
        d.hook(base + STATUS, None, ignore_write)
        d.hook(base + COMMAND, None, self._w_command)
        d.hook(base + CTRLA, None, self._w_ctrla)
        d.hook(base + MUXPOS, None, self._w_muxpos)
        d.hook(base + MUXNEG, None, self._w_muxneg)
        for i in range(4):
            d.hook(base + RESULT + i, self._r_result, ignore_write)
        for i in range(2):
            d.hook(base + SAMPLE + i, self._r_sample, ignore_write)
        self._event = None
        self._paused: int | None = None
        self._resume_fn = self._sample_done
        self._warm: dict[str, int] = {}  # LOWLAT: running module -> cycle its initialization ends
        self._acc = 0
        self._count = 0
        # Real conversions carry about one LSB of noise, which is what lets oversampling resolve
        # below one LSB; it is seeded, so every run is repeatable. `noise(lsb_rms=0)` turns it off.
        self._rng: np.random.Generator | None = np.random.default_rng(DEFAULT_SEED)
        self._noise = (DEFAULT_NOISE_LSB, 0.0, 0.0)  # lsb_rms, offset_lsb, gain_error
        self.conversions = 0  # samples converted since power-on (for tests and benchmarks)

    def noise(self, seed: int = 0, lsb_rms: float = 0.5, offset_lsb: float = 0.0,
              gain_error: float = 0.0) -> None:
        """Set the seeded error model: gaussian noise, a fixed offset and a relative gain error."""
        self._rng = np.random.default_rng(seed)
        self._noise = (lsb_rms, offset_lsb, gain_error)

    def reset(self) -> None:
        self.sched.cancel(self._event)
        self._event = None
        self._paused = None
        self._acc = self._count = 0
        self._warm = {}
        self.mem[self.base:self.base + 0x20] = bytes(0x20)
        self._irqs()

    # --- registers ------------------------------------------------------------------------------------
    def _irqs(self) -> None:
        f, e = self.reg(INTFLAGS), self.reg(INTCTRL)
        # WCMP requests the vector of the register it watches (CTRLD.WINSRC): RESRDY or SAMPRDY.
        wcmp = bool(f & e & WCMP)
        on_sample = bool(self.reg(CTRLD) & WINSRC_SAMPLE)
        self.mcu.set_irq(self.v_resrdy, bool(f & e & RESRDY) or (wcmp and not on_sample))
        self.mcu.set_irq(self.v_samprdy, bool(f & e & SAMPRDY) or (wcmp and on_sample))
        self.mcu.set_irq(self.v_error, bool(f & e & (RESOVR | SAMPOVR | TRIGOVR)))

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x3F
        self._irqs()

    def _w_ctrld(self, a: int, v: int) -> None:
        self.mem[a] = v & 0x0F
        self._irqs()

    def _w_intflags(self, a: int, v: int) -> None:
        self.mem[a] &= ~v & 0xFF
        self._irqs()

    def _r_result(self, a: int) -> int:
        flags = self.reg(INTFLAGS)
        if flags & RESRDY:  # the request lines follow the flags: nothing to update otherwise
            self.set_reg(INTFLAGS, flags & ~RESRDY)
            self._irqs()
        return self.mem[a]

    def _r_sample(self, a: int) -> int:
        flags = self.reg(INTFLAGS)
        if flags & SAMPRDY:
            self.set_reg(INTFLAGS, flags & ~SAMPRDY)
            self._irqs()
        return self.mem[a]

    def _w_ctrla(self, a: int, v: int) -> None:
        was = self.mem[a]
        self.mem[a] = v
        if not v & ENABLE:
            self._stop()
        if v & (ENABLE | LOWLAT) != ENABLE | LOWLAT:
            self._warm = {}  # the analog modules power down between conversions
        elif was & (ENABLE | LOWLAT) != ENABLE | LOWLAT:
            self._init_cycles()  # LOWLAT: the configured modules start up now and stay on

    def _w_muxpos(self, a: int, v: int) -> None:
        self.mem[a] = v
        if self.reg(COMMAND) & 7 == 2:
            self._start()

    def _w_muxneg(self, a: int, v: int) -> None:
        self.mem[a] = v
        if self.reg(COMMAND) & 7 == 3:
            self._start()

    def _w_command(self, a: int, v: int) -> None:
        start = v & 7
        if start == 4:
            raise Unsupported(f"{self.name}: event-triggered conversions", self.mcu.pc)
        if start > 4:
            raise Unsupported(f"{self.name}.COMMAND START={start} is reserved", self.mcu.pc)
        if (v >> 4) & 7 > MODE_BURST_SCALING:
            raise Unsupported(f"{self.name}.COMMAND MODE={(v >> 4) & 7} is reserved", self.mcu.pc)
        self.mem[a] = v
        if start == 0:
            self._stop()
        elif start == 1:
            self._start()

    # --- conversions -----------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self._event is not None or self._paused is not None

    def _stop(self) -> None:
        self.sched.cancel(self._event)
        self._event = None
        self._paused = None
        self.set_reg(STATUS, 0)
        self._acc = self._count = 0

    def _mode(self) -> int:
        return (self.reg(COMMAND) >> 4) & 7

    def _samples_wanted(self) -> int:
        if self._mode() in (MODE_8BIT, MODE_12BIT):
            return 1
        return 1 << min(self.reg(CTRLF) & 0xF, 10)

    def _uses_pga(self) -> bool:
        return bool((self.reg(MUXPOS) | self.reg(MUXNEG)) & 0x40)

    def _leftadj(self) -> bool:
        """LEFTADJ acts only in the modes that support it: single 12-bit and the scaling modes."""
        return bool(self.reg(CTRLF) & LEFTADJ) and self._mode() in (
            MODE_12BIT, MODE_SERIES_SCALING, MODE_BURST_SCALING)

    def sample_cycles(self) -> int:
        """CPU (CLK_PER) cycles of one sample: sampling plus conversion (prescalers are even, so
        the half ADC clock of sampling is a whole number of CPU cycles)."""
        sampdur = self.reg(CTRLE)
        conv = 9 if self._mode() == MODE_8BIT else 13
        if self._uses_pga():
            half_clocks = 2 * (sampdur + 1 + PGA_SAMPDUR[(self.reg(PGACTRL) >> 1) & 3] + conv)
        else:
            half_clocks = 2 * (sampdur + conv) + 1
        return half_clocks * PRESC[self.reg(CTRLB) & 0xF] // 2

    def _tail_cycles(self) -> int:
        """The 2 ADC clocks from the end of the last conversion to RESULT (and RESRDY)."""
        return 2 * PRESC[self.reg(CTRLB) & 0xF]

    def _modules(self) -> dict[str, int]:
        """The analog modules this configuration uses -> initialization time in µs."""
        mods = {"ADC": INIT_US["ADC"]}
        if self._uses_pga():
            mods["PGA"] = INIT_US["PGA"]
        ref = self.reg(CTRLC) & 7
        if ref in REFS:
            mods[f"REF{ref}"] = INIT_US["REF"]
        for mux in (self.reg(MUXPOS) & 0x3F, self.reg(MUXNEG) & 0x3F):
            name = INTERNAL.get(mux)
            if name in INIT_US:
                mods[name] = INIT_US[name]
        return mods

    def _init_cycles(self) -> int:
        """CPU cycles to wait before sampling: the slowest module still initializing. The ADC
        counts microseconds in TIMEBASE (CTRLC[7:3]) CPU cycles, as the firmware configured it."""
        per_us = max(self.reg(CTRLC) >> 3, 1)
        now = self.sched.cycles
        mods = self._modules()
        lowlat = self.reg(CTRLA) & (ENABLE | LOWLAT) == ENABLE | LOWLAT
        if not lowlat:
            return max(mods.values()) * per_us
        ready = now
        for name, us in mods.items():
            if name not in self._warm:
                if name.startswith("REF") and any(k.startswith("REF") for k in self._warm):
                    us = REF_SWITCH_US  # one internal reference after another: short settling
                    self._warm = {k: c for k, c in self._warm.items() if not k.startswith("REF")}
                self._warm[name] = now + us * per_us
            ready = max(ready, self._warm[name])
        return ready - now

    def _per_sample_events(self) -> bool:
        """Whether the firmware can see each sample of a burst as it happens (else one event)."""
        e = self.reg(INTCTRL)
        return bool(e & SAMPRDY or (e & WCMP and self.reg(CTRLD) & WINSRC_SAMPLE))

    def _start(self) -> None:
        if not self.reg(CTRLA) & ENABLE:
            return
        if self.busy():
            self.set_reg(INTFLAGS, self.reg(INTFLAGS) | TRIGOVR)
            self._irqs()
            return
        mode = self._mode()
        if mode in (MODE_BURST, MODE_BURST_SCALING, MODE_8BIT, MODE_12BIT) or self._count == 0:
            self._acc = self._count = 0
        self.set_reg(STATUS, 1)
        n = self._samples_wanted()
        init = self._init_cycles()
        burst = mode in (MODE_BURST, MODE_BURST_SCALING)
        if burst and n > 1 and not self._per_sample_events():
            # A whole burst in one event: each sample still sees the inputs at its own instant.
            self._event = self.sched.after_cycles(init + n * self.sample_cycles() + self._tail_cycles(),
                                                  self._burst_done)
            return
        last = not burst or n == 1
        self._event = self.sched.after_cycles(
            init + self.sample_cycles() + (self._tail_cycles() if last else 0), self._sample_done)

    def _burst_done(self) -> None:
        self._event = None
        n = self._samples_wanted()
        hz = self.sched.freq_hz
        step = self.sample_cycles() / hz
        last = self.sched.time - self._tail_cycles() / hz
        codes = self._convert_many((last - np.arange(n - 1, -1, -1, dtype=float) * step).tolist())
        self.conversions += n
        flags = self.reg(INTFLAGS)
        if n > 1 or flags & SAMPRDY:
            flags |= SAMPOVR  # every sample after the first overwrote an unread one
        if self.reg(CTRLD) & WINSRC_SAMPLE and self.reg(CTRLD) & 7:
            if any(self._window_hit(self._sample_value(int(c))) for c in codes[:-1]):
                flags |= WCMP
        self.set_reg(INTFLAGS, flags & ~SAMPRDY)
        self._store_sample(int(codes[-1]))
        self._store_result(int(codes.sum()), n)
        self._acc = self._count = 0
        self.set_reg(STATUS, 0)
        if self.reg(CTRLF) & FREERUN:
            self._start()

    def _sample_done(self) -> None:
        self._event = None
        code = self._convert(self.sched.time)
        self.conversions += 1
        mode = self._mode()
        self._acc += code
        self._count += 1
        self._store_sample(code)
        wanted = self._samples_wanted()
        if self._count < wanted:
            if mode in (MODE_BURST, MODE_BURST_SCALING):
                last = self._count + 1 == wanted
                self._event = self.sched.after_cycles(
                    self.sample_cycles() + (self._tail_cycles() if last else 0), self._sample_done)
                return
            self.set_reg(STATUS, 0)  # series: wait for the next trigger
            return
        self._store_result(self._acc, wanted)
        self._acc = self._count = 0
        self.set_reg(STATUS, 0)
        if self.reg(CTRLF) & FREERUN:
            self._start()

    def _sample_value(self, code: int) -> int:
        """SAMPLE as the firmware reads it (16 bits, two's complement when negative)."""
        return ((code << 4) if self._leftadj() else code) & 0xFFFF

    def _store_sample(self, code: int) -> None:
        flags = self.reg(INTFLAGS)
        if flags & SAMPRDY:
            flags |= SAMPOVR
        v = self._sample_value(code)
        self.set_reg(SAMPLE, v & 0xFF)
        self.set_reg(SAMPLE + 1, v >> 8)
        flags |= SAMPRDY
        if self.reg(CTRLD) & WINSRC_SAMPLE and self._window_hit(v):
            flags |= WCMP
        self.set_reg(INTFLAGS, flags)
        self._irqs()

    def _store_result(self, acc: int, n: int) -> None:
        mode = self._mode()
        if mode in (MODE_SERIES_SCALING, MODE_BURST_SCALING):
            # Scaled to 16 bits: more than 16 samples are shifted right; fewer are shifted left to
            # bit 15 only with LEFTADJ (else the plain sum).
            sampnum = n.bit_length() - 1
            if sampnum > 4:
                value = acc >> (sampnum - 4)
            else:
                value = acc << (4 - sampnum) if self._leftadj() else acc
        elif self._leftadj():
            value = acc << 4
        else:
            value = acc
        value &= 0xFFFFFFFF
        flags = self.reg(INTFLAGS)
        if flags & RESRDY:
            flags |= RESOVR
        for i in range(4):
            self.set_reg(RESULT + i, (value >> (8 * i)) & 0xFF)
        flags |= RESRDY
        if not self.reg(CTRLD) & WINSRC_SAMPLE and self._window_hit(value & 0xFFFF):
            flags |= WCMP
        self.set_reg(INTFLAGS, flags)
        self._irqs()

    def _window_hit(self, output: int) -> bool:
        """CTRLD.WINCM on the 16-bit OUTPUT (RESULT[15:0] or SAMPLE); signed when DIFF."""
        mode = self.reg(CTRLD) & 7
        if mode == 0:
            return False
        lt = self.reg(WINLT) | (self.reg(WINLT + 1) << 8)
        ht = self.reg(WINHT) | (self.reg(WINHT + 1) << 8)
        if self.reg(COMMAND) & DIFF:
            output, lt, ht = (x - 0x10000 if x & 0x8000 else x for x in (output, lt, ht))
        hits = {1: output < lt, 2: output > ht, 3: lt < output < ht, 4: output < lt or output > ht}
        return hits.get(mode, False)

    # --- the analog front end ----------------------------------------------------------------------------
    def reference(self, t: float) -> float:
        sel = self.reg(CTRLC) & 7
        if sel == 0:
            return self.mcu.world.vdd(t)
        if sel in REFS:
            return REFS[sel]
        raise Unsupported(f"{self.name}.CTRLC REFSEL={sel} (VREFA / reserved)", self.mcu.pc)

    def _node(self, mux: int, t: float) -> float:
        ch = mux & 0x3F
        if ch in AIN_PINS:
            return self.mcu.world.analog(AIN_PINS[ch], t)
        name = INTERNAL.get(ch)
        if name == "GND":
            return 0.0
        if name == "VDDDIV10":
            return self.mcu.world.vdd(t) / 10.0
        if name == "TEMPSENSE":
            return self._tempsense_volts(t)
        raise Unsupported(f"{self.name}: input channel 0x{ch:02x} ({name or 'reserved'})", self.mcu.pc)

    def _tempsense_volts(self, t: float) -> float:
        """The sensor voltage whose 12-bit code the SIGROW formula turns into the die temperature."""
        from ltobms.avr.peripherals.nvmctrl import TEMPSENSE_GAIN, TEMPSENSE_OFFSET

        kelvin = self.mcu.world.die_temperature(t) + 273.15
        code10 = kelvin * 256.0 / TEMPSENSE_GAIN + TEMPSENSE_OFFSET
        return code10 * 4.0 / 4096.0 * 1.024

    def gain(self) -> int:
        return 1 << min((self.reg(PGACTRL) >> 5) & 7, 4)

    def _convert(self, t: float) -> int:
        """One sample: `_convert_many`'s arithmetic on Python floats (same IEEE operations, same
        noise draw), since numpy's per-call cost is most of the time of a single conversion."""
        pos, neg = self.reg(MUXPOS), self.reg(MUXNEG)
        diff = bool(self.reg(COMMAND) & DIFF)
        pga = bool((pos | neg) & 0x40)
        if pga and not self.reg(PGACTRL) & 1:
            gain = 0.0
        else:
            gain = self.gain() if pga else 1
        vref = self.reference(t)
        vp = self._node_one(pos, t)
        lsb_rms, offset, gain_err = self._noise
        if diff:
            x = (vp - self._node_one(neg, t)) * (gain / vref * 2048.0)
        else:
            x = vp * (gain / vref * 4096.0)
        x = x * (1.0 + gain_err) + offset
        if self._rng is not None and lsb_rms:
            x = x + self._rng.normal(0.0, lsb_rms)
        code = round(x)  # half to even, as np.rint
        code = min(max(code, -2048), 2047) if diff else min(max(code, 0), 4095)
        return code >> 4 if self._mode() == MODE_8BIT else code

    def _node_one(self, mux: int, t: float) -> float:
        ch = mux & 0x3F
        if ch in AIN_PINS:
            world = self.mcu.world
            many = getattr(world, "analog_many", None)
            if many is not None:
                return float(many(AIN_PINS[ch], [t])[0])
            return float(world.analog(AIN_PINS[ch], t))
        return float(self._node(mux, t))

    def _convert_many(self, times: list[float]) -> np.ndarray:
        """Codes of samples taken at `times` (the front end evaluated per sample, vectorised)."""
        pos, neg = self.reg(MUXPOS), self.reg(MUXNEG)
        diff = bool(self.reg(COMMAND) & DIFF)
        pga = bool((pos | neg) & 0x40)
        if pga and not self.reg(PGACTRL) & 1:
            gain = 0.0  # PGA selected but not enabled: no signal reaches the ADC
        else:
            gain = self.gain() if pga else 1
        vref = self.reference(times[0])
        vp = self._node_many(pos, times)
        lsb_rms, offset, gain_err = self._noise
        if diff:
            x = (vp - self._node_many(neg, times)) * (gain / vref * 2048.0)
        else:
            x = vp * (gain / vref * 4096.0)
        x = x * (1.0 + gain_err) + offset
        if self._rng is not None and lsb_rms:
            x = x + self._rng.normal(0.0, lsb_rms, len(times))
        codes = np.rint(x).astype(np.int64)
        lo, hi = (-2048, 2047) if diff else (0, 4095)
        codes = np.minimum(np.maximum(codes, lo), hi)  # np.clip, without its Python wrapper
        if self._mode() == MODE_8BIT:
            codes >>= 4
        return codes

    def _node_many(self, mux: int, times: list[float]) -> np.ndarray:
        ch = mux & 0x3F
        if ch in AIN_PINS:
            world = self.mcu.world
            pin = AIN_PINS[ch]
            many = getattr(world, "analog_many", None)
            if many is not None:
                return np.asarray(many(pin, times), dtype=float)
            return np.fromiter((world.analog(pin, t) for t in times), dtype=float, count=len(times))
        return np.fromiter((self._node(mux, t) for t in times), dtype=float, count=len(times))

    def sleep_changed(self, mode: str | None) -> None:
        if mode in ("STANDBY", "PDOWN") and not (mode == "STANDBY" and self.reg(CTRLA) & RUNSTDBY):
            if self._event is not None:
                self._paused = max(0, self._event.cycle - self.sched.cycles)
                self._resume_fn = self._event.fn
                self.sched.cancel(self._event)
                self._event = None
        elif mode is None and self._paused is not None:
            self._event = self.sched.after_cycles(self._paused, self._resume_fn)
            self._paused = None
