"""TWI0 client against the datasheet, as firmware observes it through the host side
`ltobms.avr.i2c.I2CBus`: address matching with SADDRMASK (mask bits, ADDREN second address, general
call), SSTATUS as the firmware's interrupt handler reads it through a write, a read and a repeated
START, the clearing rules, ACKACT NACK ending the host's write, wake-up from STANDBY and POWER-DOWN
on an address match, and the host's timeout when the client never releases the clock."""

from __future__ import annotations

import pytest

from ltobms.avr.i2c import I2CTimeout
from ltobms.avr.mcu import Mcu

# SSTATUS bits (datasheet, Client Status)
DIF, APIF, CLKHOLD, RXACK, COLL, BUSERR, DIR, AP = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01
SSTATUS = 0x08A0 + 0x0B

CLIENT = """
volatile uint8_t log[40], nlog, rx[8], nrx, ntx, after_sdata;
ISR(TWI0_TWIS_vect) {
    uint8_t s = TWI0.SSTATUS;
    if (nlog < sizeof log) log[nlog++] = s;
    if (s & TWI_APIF_bm) {
        if (s & TWI_AP_bm) TWI0.SCTRLB = TWI_SCMD_RESPONSE_gc;   /* ACK the address */
        else TWI0.SSTATUS = TWI_APIF_bm;                         /* STOP: write 1 to clear */
    } else if (s & TWI_DIF_bm) {
        if (s & TWI_DIR_bm) {                                    /* the host reads */
            if ((s & TWI_RXACK_bm) && ntx) TWI0.SCTRLB = TWI_SCMD_COMPTRANS_gc;
            else { TWI0.SDATA = 0xC0 + ntx++; TWI0.SCTRLB = TWI_SCMD_RESPONSE_gc; }
        } else {                                                 /* the host writes */
            rx[nrx++ & 7] = TWI0.SDATA;
            after_sdata = TWI0.SSTATUS;
            TWI0.SCTRLB = (nrx >= X_NACK_AFTER ? TWI_ACKACT_NACK_gc : TWI_ACKACT_ACK_gc)
                          | TWI_SCMD_RESPONSE_gc;
        }
    }
}
int main(void) {
    TWI0.SADDR = X_SADDR;
    TWI0.SADDRMASK = X_MASK;
    TWI0.SCTRLA = TWI_DIEN_bm | TWI_APIEN_bm | TWI_PIEN_bm | TWI_ENABLE_bm;
    set_sleep_mode(X_SLEEP); sleep_enable(); sei();
    for (;;) sleep_cpu();
}
"""


def client(load, saddr: int = 0x41 << 1, mask: int = 0, nack_after: int = 255,  # noqa: ANN001
           sleep: str = "SLEEP_MODE_IDLE") -> Mcu:
    defs = {"SADDR": saddr, "MASK": mask, "NACK_AFTER": nack_after, "SLEEP": sleep}
    mcu = load("".join(f"#define X_{k} {v}\n" for k, v in defs.items()) + CLIENT)
    mcu.run(1e-3)
    return mcu


def status_log(mcu: Mcu) -> list[int]:
    n = mcu.read_var("nlog")
    return list(mcu.data.peek(mcu.symbol("log")[0], n))


# --- address matching ------------------------------------------------------------------------------------
@pytest.mark.parametrize("saddr, mask, acked", [
    # SADDRMASK[7:1] masks address bits out of the comparison: 0x40 with mask 0x03 -> 0x40..0x43
    (0x40 << 1, 0x03 << 1, {0x40, 0x41, 0x42, 0x43}),
    # ADDREN (SADDRMASK bit 0): SADDRMASK[7:1] is a second address instead of a mask
    (0x40 << 1, (0x55 << 1) | 1, {0x40, 0x55}),
    # SADDR bit 0 enables general call recognition (address 0)
    ((0x40 << 1) | 1, 0, {0x00, 0x40}),
    (0x40 << 1, 0, {0x40}),
])
def test_address_match_with_saddrmask(load, saddr: int, mask: int, acked: set[int]) -> None:
    mcu = client(load, saddr=saddr, mask=mask)
    bus = mcu.i2c
    for address in (0x00, 0x3F, 0x40, 0x41, 0x42, 0x43, 0x44, 0x48, 0x55, 0x15, 0x7F):
        assert bus.probe(address) == (address in acked), hex(address)


# --- SSTATUS through whole transfers ----------------------------------------------------------------------
def test_sstatus_through_a_write(load) -> None:
    mcu = client(load)
    res = mcu.i2c.write(0x41, b"\x11\x22")
    assert res.ok and res.acks == [True, True]
    # address + W: APIF, AP (address), clock held, DIR = 0; each byte: DIF, clock held;
    # STOP: APIF with AP = 0 (PIEN), nothing held
    assert status_log(mcu) == [APIF | AP | CLKHOLD, DIF | CLKHOLD, DIF | CLKHOLD, APIF]
    assert bytes(mcu.data.peek(mcu.symbol("rx")[0], 2)) == b"\x11\x22"
    # Reading SDATA clears DIF (datasheet: DIF clears on an SDATA access or an SCMD write)
    assert not mcu.read_var("after_sdata") & DIF
    mcu.run(1e-4)  # the handler's last write
    assert not mcu.data.peek(SSTATUS)[0] & (DIF | APIF | CLKHOLD)  # the STOP's APIF was cleared


def test_sstatus_through_an_address_only_write(load) -> None:
    mcu = client(load)
    assert mcu.i2c.probe(0x41)
    assert status_log(mcu) == [APIF | AP | CLKHOLD, APIF]  # the STOP reads AP = 0


def test_sstatus_through_a_read(load) -> None:
    mcu = client(load)
    assert mcu.i2c.read(0x41, 2) == b"\xc0\xc1"
    log = status_log(mcu)
    # address + R: DIR = 1; each byte the host clocks out: DIF with DIR; after the host's NACK of the
    # last byte: DIF with RXACK (the firmware completes); then STOP
    assert log[:4] == [APIF | AP | CLKHOLD | DIR, DIF | CLKHOLD | DIR, DIF | CLKHOLD | DIR,
                       DIF | CLKHOLD | DIR | RXACK]
    assert len(log) == 5 and log[4] & (APIF | AP | DIF | CLKHOLD) == APIF


def test_sstatus_through_a_repeated_start(load) -> None:
    mcu = client(load)
    assert mcu.i2c.write_read(0x41, b"\x07", 1) == b"\xc0"
    log = status_log(mcu)
    assert log[:5] == [APIF | AP | CLKHOLD, DIF | CLKHOLD,               # write part
                       APIF | AP | CLKHOLD | DIR,                        # repeated START, read
                       DIF | CLKHOLD | DIR, DIF | CLKHOLD | DIR | RXACK]
    assert len(log) == 6 and log[5] & (APIF | AP) == APIF  # one STOP at the end only


def test_ackact_nack_ends_the_hosts_write(load) -> None:
    mcu = client(load, nack_after=2)
    res = mcu.i2c.write(0x41, b"\x01\x02\x03\x04")
    assert res.address_ack and res.acks == [True, False] and not res.ok
    assert mcu.read_var("nrx") == 2  # the host stopped after the NACKed byte


# --- sleep and timeout --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sleep, mode", [("SLEEP_MODE_STANDBY", "STANDBY"), ("SLEEP_MODE_PWR_DOWN", "PDOWN")])
def test_address_match_wakes_from_deep_sleep(load, sleep: str, mode: str) -> None:
    mcu = client(load, sleep=sleep)
    assert mcu.sleep_mode == mode
    res = mcu.i2c.write(0x41, b"\x5a")
    assert res.ok and mcu.read_var("nrx") == 1
    mcu.run(1e-3)
    assert mcu.sleep_mode == mode  # back asleep after the transfer


NEVER_ANSWERS = """
int main(void) {
    TWI0.SADDR = 0x41 << 1;
    TWI0.SCTRLA = TWI_ENABLE_bm;  /* no interrupts, and the program never looks */
    for (;;) {}
}
"""


@pytest.mark.parametrize("timeout_s", [2e-3, 7e-3])
def test_host_times_out_when_the_client_holds_the_clock(load, timeout_s: float) -> None:
    mcu = load(NEVER_ANSWERS)
    mcu.run(1e-3)
    bus = mcu.i2c
    bus.timeout_s = timeout_s
    try:
        t0 = mcu.time
        with pytest.raises(I2CTimeout):
            bus.write(0x41, b"\x01")
        # START + address + ACK slot (10 bit times), the wait, then the STOP (2 bit times)
        assert mcu.time - t0 == pytest.approx(12 * bus.bit_time + timeout_s, abs=2e-6)
        assert mcu.data.peek(SSTATUS)[0] & CLKHOLD == 0  # the STOP ends the hold
    finally:
        bus.timeout_s = 0.025
