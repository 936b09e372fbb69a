"""No I2C traffic may corrupt memory, stall the firmware or weaken protection (design §4.1)."""

from __future__ import annotations

import random

import pytest
from fw_bench import INA260_ADDRESS, Bench
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

pytestmark = pytest.mark.xdist_group("firmware")

# Objects the TWI interrupt legitimately writes: the register file and the glue's own state.
TWI_OWNED = ("twi_registers", "in_transaction", "idle_ticks", "read_first_byte")


def static_ram_outside_twi(bench: Bench) -> bytes:
    start, end = bench.static_ram()
    mem = bytearray(bench.mcu.data.mem[start:end])
    for name in TWI_OWNED:
        sym = bench.symbols.get(name)
        if sym is not None:
            mem[sym.address - start: sym.address - start + sym.size] = bytes(sym.size)
    return bytes(mem)


def abuse(bench: Bench, rng: random.Random) -> None:
    bus = bench.bus
    for pointer in range(256):
        bus.write(INA260_ADDRESS, bytes([pointer]) + rng.randbytes(rng.randint(0, 63)))
    for length in range(65):
        bus.write(INA260_ADDRESS, bytes([rng.randrange(256)]))
        bus.read(INA260_ADDRESS, length)
    for _ in range(40):
        cut_short(bus, rng)


def cut_short(bus, rng: random.Random) -> None:  # noqa: ANN001  (the emulator's I2CBus)
    """A transaction the host abandons: a pointer and part of a value, then a repeated START into a
    1-byte read, or a new START without any STOP (the bus's own step methods, no full transfer)."""
    bus._start(INA260_ADDRESS, read=False)
    for byte in rng.randbytes(rng.randint(1, 2)):
        bus._write_byte(byte)
    if rng.random() < 0.5:
        bus._start(INA260_ADDRESS, read=True)
        bus._read_bytes(1)
        bus._stop()
    # else: no STOP at all; the next transaction starts with a fresh START


def test_i2c_abuse_leaves_memory_and_protection_intact(images: ImageBuilder) -> None:
    elf = images.elf(Variant("LTO", "revC"))
    quiet_board = BoardModel(board="revC", cell_v=2.4, load_a=0.2)
    quiet = Bench(elf, quiet_board)
    noisy_board = BoardModel(board="revC", cell_v=2.4, load_a=0.2)
    noisy = Bench(elf, noisy_board)
    for bench in (quiet, noisy):
        # A host's Configuration writes ask for quick measurements (register file only), which
        # draw from the emulator's seeded ADC noise. Without noise every measurement is a
        # function of the board alone, so equal memory shows that nothing the host did reached
        # protection, the counters or the once-a-second measurement.
        bench.mcu.peripherals["ADC0"].noise(lsb_rms=0)
        bench.run_until(1.5)
    abuse(noisy, random.Random(824))
    t = max(quiet.time, noisy.time) + 1.0
    # The same second boundary: the same measurements, counters and state in every other object.
    t = float(int(t)) + 0.5
    quiet.run_until(t)
    noisy.run_until(t)
    assert static_ram_outside_twi(noisy) == static_ram_outside_twi(quiet)
    # Protection still trips on time with a host hammering the bus.
    noisy_board.load_a = 1.5
    t_fault = noisy.time
    rng = random.Random(7)
    while noisy.time < t_fault + 1.2:
        noisy.i2c.write(INA260_ADDRESS, bytes([rng.randrange(256)]) + rng.randbytes(8))
        noisy.i2c.read(INA260_ADDRESS, rng.randint(0, 16))
        # Conversion requests back to back: reset, triggered and continuous Configuration writes.
        config = rng.choice([0x8000, 0x6127, 0x6123, 0x6521])
        noisy.i2c.write(INA260_ADDRESS, bytes([0x00, config >> 8, config & 0xFF]))
    assert not noisy_board.switch_closed
    assert noisy_board.switch_events[-1][0] - t_fault <= 1.05
    # And the register file still answers sensibly afterwards.
    assert noisy.read_register(0xFE) == 0x5449
