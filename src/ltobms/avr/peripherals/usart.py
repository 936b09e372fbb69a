"""USART0 in asynchronous mode: a transmit data register plus shift register (DREIF/TXCIF with their
interrupts), and a two-level receive buffer (RXCIF, BUFOVF). A frame takes (1 start + data + parity
+ stop) bit times at the baud rate BAUD gives from CLK_PER; bytes reach `mcu.uart_tx` when their stop
bit ends. Received frames follow each other back to back and enter the receive buffer (RXCIF) in the
middle of their first stop bit, where the receiver samples it (a second stop bit is ignored). Frames
of fewer than 8 data bits carry only the low bits. TXCIF clears only by writing 1 to it. CLK_PER
stops in STANDBY and POWER-DOWN, so a frame in progress pauses there.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write
from ltobms.avr.uart import UartCapture

RXDATAL, RXDATAH, TXDATAL, TXDATAH, STATUS, CTRLA, CTRLB, CTRLC, BAUDL, BAUDH = range(10)
CTRLD, DBGCTRL, EVCTRL, TXPLCTRL, RXPLCTRL = range(0x0A, 0x0F)
RXCIF, TXCIF, DREIF = 0x80, 0x40, 0x20
RXCIE, TXCIE, DREIE = 0x80, 0x40, 0x20
RXEN, TXEN = 0x80, 0x40
BUFOVF = 0x40
NAMES = ["RXDATAL", "RXDATAH", "TXDATAL", "TXDATAH", "STATUS", "CTRLA", "CTRLB", "CTRLC", "BAUDL", "BAUDH",
         "CTRLD", "DBGCTRL", "EVCTRL", "TXPLCTRL", "RXPLCTRL"]


class Usart(Peripheral):
    """params: vectors (RXC, DRE, TXC)."""

    def __init__(self, mcu, name: str = "USART0", base: int = 0x0800, vectors: tuple = (17, 18, 19)) -> None:
        super().__init__(mcu, name, base)
        self.v_rxc, self.v_dre, self.v_txc = vectors
        d = self.data
        for off, reg in enumerate(NAMES):
            d.hook(base + off, None, None, f"{name}.{reg}")
        d.hook(base + RXDATAL, self._r_rxdatal, ignore_write)
        d.hook(base + RXDATAH, self._r_rxdatah, ignore_write)
        d.hook(base + TXDATAL, None, self._w_txdatal)
        d.hook(base + TXDATAH, None, self._w_txdatah)
        d.hook(base + STATUS, None, self._w_status)
        d.hook(base + CTRLA, None, self._w_ctrl)
        d.hook(base + CTRLB, None, self._w_ctrl)
        d.hook(base + CTRLC, None, self._w_ctrlc)
        d.unmap(base + 0x0F, 1)
        self.capture = UartCapture()
        self.capture.sender = self.host_send
        mcu.uart_tx = self.capture
        self._tx_event = None
        self._tx_remaining: int | None = None  # cycles left of a frame paused by sleep
        self._shift: int | None = None
        self._buffer: int | None = None
        self._rx: list[int] = []
        self._rx_pending: list[int] = []
        self._rx_event = None
        self._rx_start = 0  # cycle the frame being received began
        self._rx_line_free = 0  # cycle the RX line is idle again after the last frame's stop bits

    def reset(self) -> None:
        for ev in (self._tx_event, self._rx_event):
            self.sched.cancel(ev)
        self._tx_event = self._rx_event = None
        self._tx_remaining = None
        self._shift = self._buffer = None
        self._rx_start = self._rx_line_free = 0
        self._rx.clear()
        self._rx_pending.clear()
        self.mem[self.base:self.base + 0x0F] = bytes(0x0F)
        self.set_reg(STATUS, DREIF)
        self.set_reg(CTRLC, 0x03)  # async, no parity, 1 stop bit, 8 data bits
        self._irqs()

    # --- timing -----------------------------------------------------------------------------------
    def _data_bits(self) -> int:
        return {0: 5, 1: 6, 2: 7, 3: 8}.get(self.reg(CTRLC) & 7, 9)

    def _bits_cycles(self, bits: float) -> int:
        """CPU cycles of `bits` bit times."""
        baud = self.reg(BAUDL) | (self.reg(BAUDH) << 8)
        if baud < 64:
            raise Unsupported(f"{self.name}.BAUD={baud} (below 64 is not a valid setting)", self.mcu.pc)
        if self.reg(CTRLC) >> 6:
            raise Unsupported(f"{self.name}: only asynchronous mode is modelled", self.mcu.pc)
        clk2x = (self.reg(CTRLB) >> 1) & 3 == 1
        samples = 8 if clk2x else 16
        # f_baud = 64 * f_per / (S * BAUD): one bit lasts S * BAUD / 64 peripheral clock cycles.
        return round(bits * samples * baud / 64)

    def _bits_before_stop(self) -> int:
        return 1 + self._data_bits() + (1 if self.reg(CTRLC) & 0x20 else 0)

    def frame_cycles(self) -> int:
        return self._bits_cycles(self._bits_before_stop() + (2 if self.reg(CTRLC) & 8 else 1))

    def _rx_sample_cycles(self) -> int:
        """From a frame's start edge to the middle of its first stop bit."""
        return self._bits_cycles(self._bits_before_stop() + 0.5)

    def _data_mask(self) -> int:
        return (1 << min(self._data_bits(), 8)) - 1

    def bit_rate(self) -> float:
        return self.sched.freq_hz * 64 / ((8 if (self.reg(CTRLB) >> 1) & 3 == 1 else 16)
                                         * (self.reg(BAUDL) | (self.reg(BAUDH) << 8)))

    # --- interrupts -------------------------------------------------------------------------------
    def _irqs(self) -> None:
        s, a = self.reg(STATUS), self.reg(CTRLA)
        self.mcu.set_irq(self.v_rxc, bool(s & a & RXCIF))
        self.mcu.set_irq(self.v_dre, bool(s & a & DREIF))
        self.mcu.set_irq(self.v_txc, bool(s & a & TXCIF))

    def _w_ctrl(self, a: int, v: int) -> None:
        self.mem[a] = v
        self._irqs()

    def _w_ctrlc(self, a: int, v: int) -> None:
        self.mem[a] = v

    def _w_status(self, a: int, v: int) -> None:
        # TXCIF is cleared by writing 1; the other flags are read-only here.
        self.mem[a] &= ~(v & TXCIF) & 0xFF
        self._irqs()

    # --- transmit -----------------------------------------------------------------------------------
    def _w_txdatah(self, a: int, v: int) -> None:
        self.mem[a] = v & 1

    def _w_txdatal(self, a: int, v: int) -> None:
        if not self.reg(CTRLB) & TXEN:
            return
        if not self.reg(STATUS) & DREIF:
            return  # written while the data register was full: the byte is lost, as on the chip
        if self._shift is None:
            self._start_frame(v)
        else:
            self._buffer = v
            self.set_reg(STATUS, self.reg(STATUS) & ~DREIF)
        self._irqs()

    def _start_frame(self, byte: int) -> None:
        self._shift = byte & self._data_mask()
        self._tx_event = self.sched.after_cycles(self.frame_cycles(), self._frame_done)

    def _frame_done(self) -> None:
        self._tx_event = None
        self.capture.receive(self.sched.time, self._shift if self._shift is not None else 0)
        self._shift = None
        if self._buffer is not None:
            byte, self._buffer = self._buffer, None
            self.set_reg(STATUS, self.reg(STATUS) | DREIF)
            self._start_frame(byte)
        else:
            self.set_reg(STATUS, self.reg(STATUS) | TXCIF)
        self._irqs()

    def sleep_changed(self, mode: str | None) -> None:
        if mode in ("STANDBY", "PDOWN") and self._tx_event is not None:
            self._tx_remaining = max(0, self._tx_event.cycle - self.sched.cycles)
            self.sched.cancel(self._tx_event)
            self._tx_event = None
        elif mode is None and self._tx_remaining is not None:
            self._tx_event = self.sched.after_cycles(self._tx_remaining, self._frame_done)
            self._tx_remaining = None

    # --- receive ------------------------------------------------------------------------------------
    def host_send(self, data: bytes) -> None:
        self._rx_pending.extend(data)
        if self._rx_event is None:
            start = max(self.sched.cycles, self._rx_line_free)
            self._rx_start = start
            self._rx_event = self.sched.at_cycle(start + self._rx_sample_cycles(), self._rx_frame)

    def _rx_frame(self) -> None:
        self._rx_event = None
        byte = self._rx_pending.pop(0) & self._data_mask()
        # the next frame starts when this one's stop bits have ended
        self._rx_line_free = self._rx_start + self.frame_cycles()
        if self.reg(CTRLB) & RXEN:
            if len(self._rx) >= 2:
                self.set_reg(RXDATAH, self.reg(RXDATAH) | BUFOVF)
            else:
                self._rx.append(byte)
            self.set_reg(STATUS, self.reg(STATUS) | RXCIF)
            self._irqs()
        if self._rx_pending:
            self._rx_start = self._rx_line_free
            self._rx_event = self.sched.at_cycle(self._rx_start + self._rx_sample_cycles(), self._rx_frame)

    def _r_rxdatah(self, a: int) -> int:
        return (self.reg(RXDATAH) & BUFOVF) | (0x80 if self._rx else 0)

    def _r_rxdatal(self, a: int) -> int:
        if not self._rx:
            return self.reg(RXDATAL)
        byte = self._rx.pop(0)
        self.set_reg(RXDATAL, byte)
        if not self._rx:
            self.set_reg(STATUS, self.reg(STATUS) & ~RXCIF)
            self.set_reg(RXDATAH, self.reg(RXDATAH) & ~BUFOVF)
        self._irqs()
        return byte
