"""The CPU block in the I/O space: CCP (0x34), SP (0x3D/0x3E), SREG (0x3F), and GPIOR0–3 (0x1C–0x1F).

CCP: writing 0xD8 (IOREG) or 0x9D (SPM) opens a window of four instructions in which protected
registers accept a write; the Mcu asks `ioreg_open()` / `spm_open()`.
"""

from __future__ import annotations

from ltobms.avr.peripherals.base import Peripheral

CCP, SPL, SPH, SREG = 0x34, 0x3D, 0x3E, 0x3F
GPIOR = 0x1C
SIG_IOREG, SIG_SPM = 0xD8, 0x9D
WINDOW = 4  # instructions


class CpuRegs(Peripheral):
    def __init__(self, mcu, name: str = "CPU", base: int = 0, **params) -> None:
        super().__init__(mcu, name, base, **params)
        d = self.data
        d.map_plain(GPIOR, 4)
        for i in range(4):
            d.names[GPIOR + i] = f"GPIOR{i}"
        d.hook(CCP, self._r_ccp, self._w_ccp, "CPU.CCP")
        d.hook(SPL, lambda a: mcu.cpu.sp & 0xFF, self._w_spl, "CPU.SPL")
        d.hook(SPH, lambda a: mcu.cpu.sp >> 8, self._w_sph, "CPU.SPH")
        d.hook(SREG, lambda a: mcu.cpu.sreg, self._w_sreg, "CPU.SREG")
        self._ioreg_until = -1
        self._spm_until = -1

    def reset(self) -> None:
        self.mem[GPIOR:GPIOR + 4] = bytes(4)
        self._ioreg_until = self._spm_until = -1

    def _now(self) -> int:
        return self.mcu.cpu.inow

    def _r_ccp(self, a: int) -> int:
        now = self._now()
        return (1 if now <= self._spm_until else 0) | (2 if now <= self._ioreg_until else 0)

    def _w_ccp(self, a: int, v: int) -> None:
        if v == SIG_IOREG:
            self._ioreg_until = self._now() + WINDOW
        elif v == SIG_SPM:
            self._spm_until = self._now() + WINDOW

    def ioreg_open(self) -> bool:
        return self._now() <= self._ioreg_until

    def spm_open(self) -> bool:
        return self._now() <= self._spm_until

    def _w_spl(self, a: int, v: int) -> None:
        cpu = self.mcu.cpu
        cpu.sp = (cpu.sp & 0xFF00) | v

    def _w_sph(self, a: int, v: int) -> None:
        cpu = self.mcu.cpu
        cpu.sp = (cpu.sp & 0x00FF) | (v << 8)

    def _w_sreg(self, a: int, v: int) -> None:
        self.mcu.cpu.sreg = v
