"""CLKCTRL: the main clock (OSC20M at 16/20 MHz by fuse, or the 32.768 kHz ULP oscillator) and its
prescaler. Reset: OSC20M / 6. A change re-times the scheduler so time stays continuous."""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write

MCLKCTRLA, MCLKCTRLB, MCLKLOCK, MCLKSTATUS = 0x00, 0x01, 0x02, 0x03
OSC20MCTRLA, OSC20MCALIBA, OSC20MCALIBB, OSC32KCTRLA, XOSC32KCTRLA = 0x10, 0x11, 0x12, 0x18, 0x1C
PDIV = {0: 2, 1: 4, 2: 8, 3: 16, 4: 32, 5: 64, 8: 6, 9: 10, 10: 12, 11: 24, 12: 48}
OSCULP32K_HZ = 32_768
PROTECTED = (MCLKCTRLA, MCLKCTRLB, MCLKLOCK, OSC20MCTRLA, OSC20MCALIBA, OSC32KCTRLA, XOSC32KCTRLA)


class Clkctrl(Peripheral):
    def __init__(self, mcu, name: str = "CLKCTRL", base: int = 0x0060, **params) -> None:
        super().__init__(mcu, name, base, **params)
        d = self.data
        for off, reg in ((MCLKCTRLA, "MCLKCTRLA"), (MCLKCTRLB, "MCLKCTRLB"), (MCLKLOCK, "MCLKLOCK"),
                         (MCLKSTATUS, "MCLKSTATUS"), (OSC20MCTRLA, "OSC20MCTRLA"),
                         (OSC20MCALIBA, "OSC20MCALIBA"), (OSC20MCALIBB, "OSC20MCALIBB"),
                         (OSC32KCTRLA, "OSC32KCTRLA"), (XOSC32KCTRLA, "XOSC32KCTRLA")):
            write = self._w_protected if off in PROTECTED else None
            if off in (MCLKSTATUS, OSC20MCALIBB):
                write = ignore_write
            d.hook(base + off, None, write, f"{name}.{reg}")

    def reset(self) -> None:
        self.set_reg(MCLKCTRLA, 0)
        self.set_reg(MCLKCTRLB, (8 << 1) | 1)  # PDIV = 6, PEN
        self.set_reg(MCLKLOCK, 0)
        self.set_reg(MCLKSTATUS, 0x10)  # OSC20M stable
        self.set_reg(OSC20MCTRLA, 0)
        self.set_reg(OSC20MCALIBA, 0x40)
        self.set_reg(OSC20MCALIBB, 0x80)
        self.set_reg(OSC32KCTRLA, 0)
        self.set_reg(XOSC32KCTRLA, 0)
        self.apply()

    def _w_protected(self, a: int, v: int) -> None:
        if not self.mcu.ccp_ioreg_open():
            return
        if self.reg(MCLKLOCK) & 1 and a - self.base in (MCLKCTRLA, MCLKCTRLB):
            return
        self.mem[a] = v
        if a - self.base in (MCLKCTRLA, MCLKCTRLB):
            self.apply()

    def main_oscillator_hz(self) -> int:
        freqsel = self.mcu.fuses[2] & 0x3
        return 16_000_000 if freqsel == 1 else 20_000_000

    def frequency(self) -> float:
        sel = self.reg(MCLKCTRLA) & 3
        if sel == 0:
            src = self.main_oscillator_hz()
        elif sel == 1:
            src = OSCULP32K_HZ
        else:
            raise Unsupported("CLKCTRL: external crystal / clock source", self.mcu.pc)
        b = self.reg(MCLKCTRLB)
        if b & 1:
            div = PDIV.get((b >> 1) & 0xF)
            if div is None:
                raise Unsupported(f"CLKCTRL: reserved PDIV value {(b >> 1) & 0xF}", self.mcu.pc)
            return src / div
        return float(src)

    def apply(self) -> None:
        self.sched.set_frequency(self.frequency())
