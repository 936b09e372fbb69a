"""NVMCTRL with the memories behind it: EEPROM (mapped at 0x1400, written through the page buffer and
the NVM commands, EEBUSY for the write time), the signature row (device ID, serial number, oscillator
and temperature-sensor calibration), the fuses (from `mcu.fuses`), the lock bits and the user row.
"""

from __future__ import annotations

from pathlib import Path

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write

CTRLA, CTRLB, STATUS, INTCTRL, INTFLAGS, DATAL, DATAH, ADDRL, ADDRH = 0, 1, 2, 3, 4, 6, 7, 8, 9
FBUSY, EEBUSY, WRERROR = 0x01, 0x02, 0x04
CMD_NOCMD, CMD_WP, CMD_ER, CMD_ERWP, CMD_PBC, CMD_CHER, CMD_EEER, CMD_WFU = range(8)
EEPROM_WRITE_S = 4e-3  # page erase + write (datasheet: 4 ms)
# Temperature sensor calibration in the signature row: gain (TEMPSENSE0, /256 K per 10-bit code)
# and signed offset (TEMPSENSE1). Plausible values for a part; the ADC model inverts the same formula.
TEMPSENSE_GAIN = 0xB0
TEMPSENSE_OFFSET = 0x10
SERIAL = bytes([0x35, 0x33, 0x34, 0x38, 0x37, 0x31, 0x09, 0x1D, 0x12, 0x0E])
VECTOR_EEREADY = 29


class Nvmctrl(Peripheral):
    def __init__(self, mcu, name: str = "NVMCTRL", base: int = 0x1000, **params) -> None:
        super().__init__(mcu, name, base, **params)
        dev = mcu.device
        d = self.data
        for off, reg in ((CTRLA, "CTRLA"), (CTRLB, "CTRLB"), (STATUS, "STATUS"), (INTCTRL, "INTCTRL"),
                         (INTFLAGS, "INTFLAGS"), (DATAL, "DATAL"), (DATAH, "DATAH"), (ADDRL, "ADDRL"),
                         (ADDRH, "ADDRH")):
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + CTRLA, None, self._w_ctrla)
        d.hook(base + STATUS, None, ignore_write)
        d.hook(base + INTCTRL, None, self._w_intctrl)
        d.hook(base + INTFLAGS, None, self._w_intflags)
        self.ee_start, self.ee_size, self.ee_page = dev.EEPROM_START, dev.EEPROM_SIZE, dev.EEPROM_PAGE
        for a in range(self.ee_start, self.ee_start + self.ee_size):
            d.hook(a, None, self._w_eeprom_buffer, f"EEPROM[{a - self.ee_start}]")
        d.map_readonly(dev.SIGROW_START, 0x40)
        d.map_readonly(dev.FUSE_START, dev.FUSE_SIZE)
        d.map_readonly(dev.LOCKBIT_START, 1)
        d.map_readonly(dev.USERROW_START, dev.USERROW_SIZE)
        sig = bytearray(0x40)
        sig[0:3] = dev.SIGNATURE
        sig[3:13] = SERIAL
        sig[0x18:0x1C] = bytes([0x80, 0x00, 0x80, 0x00])  # OSCCAL16M0/1, OSCCAL20M0/1
        sig[0x20] = TEMPSENSE_GAIN
        sig[0x21] = TEMPSENSE_OFFSET & 0xFF
        d.poke(dev.SIGROW_START, bytes(sig))
        d.poke(dev.USERROW_START, b"\xff" * dev.USERROW_SIZE)
        d.poke(self.ee_start, b"\xff" * self.ee_size)  # an erased EEPROM reads 0xFF
        self._buffer: dict[int, int] = {}
        self._busy_event = None
        self.writes = 0  # EEPROM page writes since power-on

    def reset(self) -> None:
        self.sched.cancel(self._busy_event)
        self._busy_event = None
        self._buffer.clear()
        self.mem[self.base:self.base + 0x10] = bytes(0x10)
        dev = self.mcu.device
        self.data.poke(dev.FUSE_START, bytes(self.mcu.fuses))
        self.data.poke(dev.LOCKBIT_START, b"\xc5")  # unlocked
        self._irq()

    # --- EEPROM contents ------------------------------------------------------------------------
    def eeprom_write_raw(self, offset: int, data: bytes) -> None:
        if offset < 0 or offset + len(data) > self.ee_size:
            raise ValueError(f"EEPROM has {self.ee_size} bytes; cannot write {len(data)} at {offset}")
        self.data.poke(self.ee_start + offset, data)

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.data.peek(self.ee_start, self.ee_size))

    def load(self, path: str | Path) -> None:
        self.eeprom_write_raw(0, Path(path).read_bytes()[: self.ee_size])

    # --- registers --------------------------------------------------------------------------------
    def _irq(self) -> None:
        self.mcu.set_irq(VECTOR_EEREADY, bool(self.reg(INTCTRL) & self.reg(INTFLAGS) & 1))

    def _w_intctrl(self, a: int, v: int) -> None:
        self.mem[a] = v & 1
        self._irq()

    def _w_intflags(self, a: int, v: int) -> None:
        self.mem[a] &= ~v & 0xFF
        self._irq()

    def _w_eeprom_buffer(self, a: int, v: int) -> None:
        self._buffer[a - self.ee_start] = v
        addr = a
        self.set_reg(ADDRL, addr & 0xFF)
        self.set_reg(ADDRH, addr >> 8)

    def _w_ctrla(self, a: int, v: int) -> None:
        if not self.mcu.ccp_spm_open():
            return
        cmd = v & 7
        if cmd == CMD_NOCMD:
            return
        if self.reg(STATUS) & (EEBUSY | FBUSY):
            self.set_reg(STATUS, self.reg(STATUS) | WRERROR)
            return
        addr = self.reg(ADDRL) | (self.reg(ADDRH) << 8)
        if cmd == CMD_PBC:
            self._buffer.clear()
            return
        if cmd in (CMD_WP, CMD_ER, CMD_ERWP):
            if not self.ee_start <= addr < self.ee_start + self.ee_size:
                raise Unsupported(f"{self.name}: flash self-programming (address 0x{addr:04x})", self.mcu.pc)
            page = (addr - self.ee_start) // self.ee_page * self.ee_page
            self._commit(page, cmd)
            return
        if cmd == CMD_EEER:
            self.data.poke(self.ee_start, b"\xff" * self.ee_size)
            self._buffer.clear()
            self._busy()
            return
        raise Unsupported(f"{self.name}: command {cmd} (chip erase / fuse write)", self.mcu.pc)

    def _commit(self, page: int, cmd: int) -> None:
        mem, start = self.mem, self.ee_start
        for off, val in sorted(self._buffer.items()):
            if not page <= off < page + self.ee_page:
                continue
            a = start + off
            if cmd == CMD_ER:
                mem[a] = 0xFF
            elif cmd == CMD_WP:
                mem[a] &= val
            else:
                mem[a] = val
        self._buffer = {k: v for k, v in self._buffer.items() if not page <= k < page + self.ee_page}
        self.writes += 1
        self._busy()

    def _busy(self) -> None:
        self.set_reg(STATUS, (self.reg(STATUS) | EEBUSY) & ~WRERROR)
        self.set_reg(INTFLAGS, self.reg(INTFLAGS) & ~1)
        self._irq()
        self._busy_event = self.sched.after_seconds(EEPROM_WRITE_S, self._ready)

    def _ready(self) -> None:
        self._busy_event = None
        self.set_reg(STATUS, self.reg(STATUS) & ~EEBUSY)
        self.set_reg(INTFLAGS, self.reg(INTFLAGS) | 1)
        self._irq()
