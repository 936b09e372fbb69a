"""TWI0 client (the part of TWI0 the BMS uses): address match with SADDR/SADDRMASK, the client status
flags (DIF, APIF, CLKHOLD, RXACK, COLL, BUSERR, DIR, AP), ACKACT and the SCMD commands. The host side
of the bus is `ltobms.avr.i2c.I2CBus`, which drives this model one bus event at a time: it calls
`address()`, `data_from_host()`, `data_to_host()` and `stop()`, each of which sets the flags a real
client would see and then lets the firmware run until it releases the clock (or the host times out).
Host-mode registers are not modelled: touching them raises in strict mode.
"""

from __future__ import annotations

from ltobms.avr.errors import UnsupportedRegister
from ltobms.avr.peripherals.base import Peripheral

CTRLA, DBGCTRL = 0x00, 0x02
MCTRLA, MCTRLB, MSTATUS, MBAUD, MADDR, MDATA = range(0x03, 0x09)
SCTRLA, SCTRLB, SSTATUS, SADDR, SDATA, SADDRMASK = range(0x09, 0x0F)
# SCTRLA
DIEN, APIEN, PIEN, PMEN, SMEN, ENABLE = 0x80, 0x40, 0x20, 0x04, 0x02, 0x01
# SCTRLB
ACKACT_NACK, SCMD_MASK, SCMD_COMPTRANS, SCMD_RESPONSE = 0x04, 0x03, 0x02, 0x03
# SSTATUS
DIF, APIF, CLKHOLD, RXACK, COLL, BUSERR, DIR, AP = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01


class Twi(Peripheral):
    """params: vector (TWI0_TWIS)."""

    def __init__(self, mcu, name: str = "TWI0", base: int = 0x08A0, vector: int = 14) -> None:
        super().__init__(mcu, name, base)
        self.vector = vector
        d = self.data
        d.hook(base + CTRLA, None, None, f"{name}.CTRLA")
        d.hook(base + DBGCTRL, None, None, f"{name}.DBGCTRL")
        host_regs = ("MCTRLA", "MCTRLB", "MSTATUS", "MBAUD", "MADDR", "MDATA")
        for off, reg in zip(range(MCTRLA, MDATA + 1), host_regs, strict=True):
            d.hook(base + off, self._host_mode(reg), self._host_mode_w(reg), f"{name}.{reg}")
        d.hook(base + SCTRLA, None, self._w_sctrla, f"{name}.SCTRLA")
        d.hook(base + SCTRLB, None, self._w_sctrlb, f"{name}.SCTRLB")
        d.hook(base + SSTATUS, None, self._w_sstatus, f"{name}.SSTATUS")
        d.hook(base + SADDR, None, None, f"{name}.SADDR")
        d.hook(base + SDATA, self._r_sdata, self._w_sdata, f"{name}.SDATA")
        d.hook(base + SADDRMASK, None, None, f"{name}.SADDRMASK")
        self.waiting = False  # the host waits for the firmware to release the clock
        self.response: int | None = None  # the last SCMD the firmware issued (with ACKACT)
        self.sdata_written = False

    def reset(self) -> None:
        self.mem[self.base:self.base + 0x0F] = bytes(0x0F)
        self.waiting = False
        self.response = None
        self.mcu.set_irq(self.vector, False)

    def _host_mode(self, reg: str):
        def read(a: int) -> int:
            if self.data.strict:
                raise UnsupportedRegister(f"{self.name}.{reg} (host mode)", a, self.mcu.pc)
            return 0
        return read

    def _host_mode_w(self, reg: str):
        def write(a: int, v: int) -> None:
            if v and self.data.strict:
                raise UnsupportedRegister(f"{self.name}.{reg} (host mode)", a, self.mcu.pc)
        return write

    # --- registers ----------------------------------------------------------------------------------
    def _status(self) -> int:
        return self.reg(SSTATUS)

    def _set_status(self, v: int) -> None:
        self.set_reg(SSTATUS, v)
        self._irq()

    def _irq(self) -> None:
        s, c = self.reg(SSTATUS), self.reg(SCTRLA)
        self.mcu.set_irq(self.vector, bool((s & DIF and c & DIEN) or (s & APIF and c & (APIEN | PIEN))))

    def _w_sctrla(self, a: int, v: int) -> None:
        self.mem[a] = v
        self._irq()

    def _w_sstatus(self, a: int, v: int) -> None:
        # DIF, APIF, COLL and BUSERR clear by writing 1.
        s = self.reg(SSTATUS) & ~(v & (DIF | APIF | COLL | BUSERR))
        if not s & (DIF | APIF):
            s &= ~CLKHOLD
        self._set_status(s)

    def _w_sctrlb(self, a: int, v: int) -> None:
        self.mem[a] = v & ACKACT_NACK  # SCMD is a strobe and reads back as 0
        cmd = v & SCMD_MASK
        if cmd in (SCMD_COMPTRANS, SCMD_RESPONSE):
            self._command(cmd | (v & ACKACT_NACK))

    def _command(self, cmd: int) -> None:
        self.response = cmd
        self._set_status(self.reg(SSTATUS) & ~(DIF | APIF | CLKHOLD))
        if self.waiting:
            self.waiting = False
            self.mcu.stop = True  # hand control back to the host at once

    def _sdata_access(self) -> None:
        # Datasheet: reading or writing SDATA clears DIF and APIF. Without smart mode the clock
        # stays held until the firmware writes a command.
        s = self.reg(SSTATUS)
        if s & (DIF | APIF):
            self._set_status(s & ~(DIF | APIF))

    def _r_sdata(self, a: int) -> int:
        v = self.reg(SDATA)
        if self.reg(SCTRLA) & SMEN:
            self._command(SCMD_RESPONSE | (self.reg(SCTRLB) & ACKACT_NACK))
        else:
            self._sdata_access()
        return v

    def _w_sdata(self, a: int, v: int) -> None:
        self.set_reg(SDATA, v)
        self.sdata_written = True
        if self.reg(SCTRLA) & SMEN:
            self._command(SCMD_RESPONSE)
        else:
            self._sdata_access()

    # --- bus events (called by the host side) -----------------------------------------------------
    def enabled(self) -> bool:
        return bool(self.reg(SCTRLA) & ENABLE)

    def matches(self, address7: int) -> bool:
        if not self.enabled():
            return False
        saddr, mask = self.reg(SADDR), self.reg(SADDRMASK)
        if address7 == 0 and saddr & 1:
            return True  # general call recognition
        own = saddr >> 1
        if mask & 1:  # ADDREN: SADDRMASK holds a second address
            return address7 in (own, mask >> 1)
        return (address7 & ~(mask >> 1)) == (own & ~(mask >> 1))

    def address(self, address7: int, read: bool) -> None:
        """START (or repeated START) + address matched: raise the address interrupt and hold."""
        self.response = None
        self.sdata_written = False
        s = APIF | AP | CLKHOLD | (DIR if read else 0)
        self.set_reg(SDATA, (address7 << 1) | (1 if read else 0))
        self._set_status(s)

    def data_from_host(self, byte: int) -> None:
        self.response = None
        self.set_reg(SDATA, byte)
        self._set_status((self.reg(SSTATUS) & ~(APIF | AP | DIR | RXACK)) | DIF | CLKHOLD)

    def data_to_host_request(self, host_nack_previous: bool) -> None:
        """The host clocks the next byte out of the client (or NACKed the previous one)."""
        self.response = None
        self.sdata_written = False
        s = (self.reg(SSTATUS) & ~(APIF | AP | RXACK)) | DIF | CLKHOLD | DIR
        if host_nack_previous:
            s |= RXACK
        self._set_status(s)

    def stop(self) -> None:
        self.response = None
        s = self.reg(SSTATUS) & ~(DIF | CLKHOLD | AP)
        if self.reg(SCTRLA) & PIEN:
            s |= APIF
        self._set_status(s)

    def holding(self) -> bool:
        return bool(self.reg(SSTATUS) & CLKHOLD)
