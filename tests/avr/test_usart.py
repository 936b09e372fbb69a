"""USART0 against the datasheet, as firmware observes it: bytes sent with `mcu.uart_tx.send()` arrive
in RXDATA with RXCIF (and the RXC interrupt) when their first stop bit is received; the DREIF/TXCIF
rules of the transmitter; and the frame formats of CTRLC (7 or 8 data bits, parity, 1 or 2 stop
bits) setting the frame time on both lines. Expected times come from the baud-rate equation
(f_baud = 64 * f_CLK_PER / (16 * BAUD)) and the frame's bit count."""

from __future__ import annotations

import pytest
from avr_build import HZ

from ltobms.avr.mcu import Mcu

BASE = 0x0800
RXDATAL, RXDATAH, TXDATAL, TXDATAH, STATUS, CTRLA, CTRLB, CTRLC, BAUDL, BAUDH = range(10)
RXCIF, TXCIF, DREIF = 0x80, 0x40, 0x20
RXEN, TXEN = 0x80, 0x40
BAUD = round(64 * HZ / (16 * 9600))
BIT = 16 * BAUD / (64 * HZ)  # seconds per bit
# CTRLC: PMODE[5:4] (2 even, 3 odd), SBMODE bit 3 (2 stop bits), CHSIZE[2:0] (2: 7 bits, 3: 8 bits)
FORMATS = [(0x03, 8, 0, 1), (0x02, 7, 0, 1), (0x23, 8, 1, 1), (0x0B, 8, 0, 2), (0x3A, 7, 1, 2)]

@pytest.fixture
def chip(asleep: Mcu) -> Mcu:
    return asleep


def wr(mcu: Mcu, off: int, v: int) -> None:
    mcu.data.write(BASE + off, v)


def status(mcu: Mcu) -> int:
    return mcu.data.peek(BASE + STATUS)[0]


def configure(mcu: Mcu, ctrlc: int, ctrlb: int) -> None:
    wr(mcu, BAUDL, BAUD & 0xFF)
    wr(mcu, BAUDH, BAUD >> 8)
    wr(mcu, CTRLC, ctrlc)
    wr(mcu, CTRLB, ctrlb)


@pytest.mark.parametrize("ctrlc, data_bits, parity, stop_bits", FORMATS)
def test_rx_bytes_arrive_when_their_first_stop_bit_is_received(chip: Mcu, ctrlc: int, data_bits: int,
                                                                parity: int, stop_bits: int) -> None:
    configure(chip, ctrlc, RXEN)
    sent = b"\xc1\x52\x0d"
    t0 = chip.time
    chip.uart_tx.send(sent)
    arrivals, got = [], []
    while len(got) < len(sent):
        assert chip.time - t0 < 0.01, "bytes missing"
        chip.run_cycles(4)
        if status(chip) & RXCIF:
            arrivals.append(chip.time - t0)
            got.append(chip.data.read(BASE + RXDATAL))  # reading empties the buffer: RXCIF clears
            assert not status(chip) & RXCIF
    assert bytes(got) == bytes(b & ((1 << data_bits) - 1) for b in sent)  # 7-bit frames drop bit 7
    frame = (1 + data_bits + parity + stop_bits) * BIT
    # Datasheet: the frame enters the receive buffer when the first stop bit is received (its
    # middle); a second stop bit is ignored by the receiver. Frames follow back to back.
    for k, t in enumerate(arrivals):
        assert t == pytest.approx(k * frame + (1 + data_bits + parity + 0.5) * BIT, abs=0.15 * BIT), k


@pytest.mark.parametrize("ctrlc, data_bits, parity, stop_bits", FORMATS)
def test_tx_frame_time_follows_the_frame_format(chip: Mcu, ctrlc: int, data_bits: int, parity: int,
                                                stop_bits: int) -> None:
    configure(chip, ctrlc, TXEN)
    t0 = chip.time
    wr(chip, TXDATAL, 0xC1)
    wr(chip, TXDATAL, 0x42)
    chip.run(0.01)
    times = [t - t0 for t, _ in chip.uart_tx.bytes]
    assert [b for _, b in chip.uart_tx.bytes] == [0xC1 & ((1 << data_bits) - 1), 0x42]
    frame = (1 + data_bits + parity + stop_bits) * BIT
    assert times == pytest.approx([frame, 2 * frame], abs=2 / HZ)


def test_dreif_and_txcif_rules(chip: Mcu) -> None:
    configure(chip, 0x03, TXEN)
    frame = 10 * BIT
    assert status(chip) & (DREIF | TXCIF) == DREIF  # after reset: data register empty
    wr(chip, TXDATAL, 0x31)  # straight into the shift register: the data register stays empty
    assert status(chip) & (DREIF | TXCIF) == DREIF
    wr(chip, TXDATAL, 0x32)  # waits in the data register
    assert status(chip) & (DREIF | TXCIF) == 0
    chip.run(frame * 1.05)  # first frame out, the second moves to the shift register
    assert status(chip) & (DREIF | TXCIF) == DREIF
    chip.run(frame)  # everything shifted out and nothing waiting: TXCIF
    assert status(chip) & (DREIF | TXCIF) == DREIF | TXCIF
    wr(chip, TXDATAL, 0x33)  # new data does not clear TXCIF (only writing 1 to it does)
    assert status(chip) & TXCIF
    wr(chip, STATUS, TXCIF)
    assert not status(chip) & TXCIF
    chip.run(frame * 1.05)
    assert status(chip) & TXCIF
    assert [b for _, b in chip.uart_tx.bytes] == [0x31, 0x32, 0x33]


ECHO = """
volatile uint8_t rx[8], nrx;
ISR(USART0_RXC_vect) { uint8_t b = USART0.RXDATAL; if (nrx < sizeof rx) rx[nrx++] = b; }
int main(void) {
    USART0.BAUD = (uint16_t)(64.0 * 3333333.0 / (16.0 * 9600) + 0.5);
    USART0.CTRLA = USART_RXCIE_bm;
    USART0.CTRLB = USART_RXEN_bm;
    set_sleep_mode(SLEEP_MODE_IDLE); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


def test_rx_interrupt_receives_bytes_while_asleep(load) -> None:
    mcu = load(ECHO)
    mcu.run(1e-3)
    mcu.uart_tx.send(b"hello")
    mcu.run(4.5 * 10 * BIT)  # four and a half frames: four bytes in, the fifth not yet
    assert mcu.read_var("nrx") == 4
    mcu.run(1 * 10 * BIT)
    assert mcu.read_var("nrx") == 5
    assert bytes(mcu.data.peek(mcu.symbol("rx")[0], 5)) == b"hello"
    assert mcu.sleep_mode == "IDLE"
