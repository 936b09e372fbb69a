"""A test bench: one built image running on the emulated ATtiny824 inside `BoardModel`.

This is the only module of the firmware tests that talks to `ltobms.avr`, so the tests read in terms
of what a user sees (switch, log lines, registers) and the emulator API is used in one place.

`Bench.i2c` is the bus as a host program sees it (`HostI2C`): a transfer that is not acknowledged
raises, so no test can pass against an address where nothing answers. `Bench.bus` is the emulator's
raw bus, for tests that send traffic no well-behaved host would (and expect NACKs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from fw_board import BoardModel

from ltobms.avr.i2c import I2CNack

INA260_ADDRESS = 0x41
# Time from a Configuration write that asks for a conversion (reset bit, a triggered or new mode) to
# fresh measurement registers and CVRF: a real INA260 needs 2.2 ms at its default settings.
QUICK_CONVERSION_S = 0.003
# The firmware's measurement error at the emulator's default ADC noise (1 LSB rms per sample),
# 4 sigma, LTO at PGA gain 16 (below 480 mA): (volts, amperes) for the once-a-second measurement
# (16 cell samples, 256 + 256 for the current) and the quick one (4, and 8 + 8). The Na-ion build's
# 2.048 V reference doubles both.
MEASUREMENT_ERROR = {"full": (0.0008, 0.0001), "quick": (0.0015, 0.0007)}
EEPROM_START = 0x1400
SRAM_START, SRAM_END = 0x3C00, 0x4000


@dataclass(frozen=True)
class Symbol:
    address: int  # data-space address
    size: int


def data_symbols(elf: Path) -> dict[str, Symbol]:
    """RAM objects (.data/.bss) by name, with data-space addresses."""
    out: dict[str, Symbol] = {}
    with open(elf, "rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        for sym in table.iter_symbols():
            value = sym["st_value"]
            if 0x800000 <= value < 0x810000 and sym["st_info"]["type"] in ("STT_OBJECT", "STT_NOTYPE"):
                out[sym.name] = Symbol(value - 0x800000, sym["st_size"])
    return out


def eeprom_image(
    serial_number: int = 7, temp_offset: int = 0, ovlo_cutoff: int = 2800, ovlo_release: int = 2700,
    uvlo_release: int = 1800, uvlo_cutoff: int = 1700, max_current: int = 1000, oclo_timeout: int = 10,
    corrupt_crc: bool = False,
) -> bytes:
    """Format v1 built from the design facts (§4.3), independent of ltobms.config."""
    body = struct.pack("<HHhHHHHHH", 0x7337, serial_number, temp_offset, ovlo_cutoff, ovlo_release,
                       uvlo_release, uvlo_cutoff, max_current, oclo_timeout)
    crc = 0xFFFF
    for byte in body:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    if corrupt_crc:
        crc ^= 0x0100
    return body + struct.pack("<H", crc)


def running_bench(elf: Path, cell_v: float, load_a: float, board: str = "revC", until: float = 2.5) -> Bench:
    """A bench with a constant cell and load, run past its first measurements."""
    bench = Bench(elf, BoardModel(board=board, cell_v=cell_v, load_a=load_a))
    bench.run_until(until)
    return bench


def ina260_registers(bench: Bench) -> dict[str, int]:
    """The measurement registers, then Mask/Enable (whose read clears CVRF), each a 2-byte read."""
    return {name: bench.read_register(reg) for name, reg in
            (("current", 0x01), ("bus_voltage", 0x02), ("power", 0x03), ("mask_enable", 0x06))}


def assert_reads_truth(bench: Bench, regs: dict[str, int], quick: bool) -> None:
    """Register values (see ina260_registers) against the board's truth now."""
    from ltobms.device.ina260 import CURRENT_LSB_A, POWER_LSB_W, VOLTAGE_LSB_V, to_signed16

    assert_matches_truth(bench, regs["bus_voltage"] * VOLTAGE_LSB_V,
                         to_signed16(regs["current"]) * CURRENT_LSB_A, regs["power"] * POWER_LSB_W, quick)


def assert_matches_truth(bench: Bench, volts: float, amps: float, watts: float | None, quick: bool,
                         resolution: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
    """A host's readings (V, A, W; None = not read) against the board's truth now (the benches'
    boards hold still while a test reads): within one register LSB plus the measurement error,
    plus `resolution`, the host's own rounding of what it reports."""
    from ltobms.device.ina260 import CURRENT_LSB_A, POWER_LSB_W, VOLTAGE_LSB_V

    true_v, true_a = bench.board.cell(bench.time), bench.board.current(bench.time)
    err_v, err_a = (e * bench.vref_factor for e in MEASUREMENT_ERROR["quick" if quick else "full"])
    res_v, res_a, res_w = resolution
    assert abs(volts - true_v) <= VOLTAGE_LSB_V + err_v + res_v, f"voltage {volts:.5f} V, truth {true_v:.5f}"
    assert abs(amps - true_a) <= CURRENT_LSB_A + err_a + res_a, f"current {amps:.5f} A, truth {true_a:.5f}"
    if watts is not None:
        # Power is computed from the current and bus voltage registers: their rounding and error too.
        err_w = (VOLTAGE_LSB_V / 2 + err_v) * abs(true_a) + (CURRENT_LSB_A / 2 + err_a) * true_v
        true_w = true_v * abs(true_a)
        assert abs(watts - true_w) <= POWER_LSB_W + err_w + res_w, f"power {watts:.4f} W, truth {true_w:.4f}"


class AddressNack(I2CNack):
    """Nothing acknowledged the address."""


class DataNack(I2CNack):
    """The client acknowledged its address but not a data byte the host wrote."""


class HostI2C:
    """The emulated bus with a host's error rules: `write`, `read` and `write_read` complete or
    raise `I2CNack` (address or data byte not acknowledged) / `I2CTimeout`, as Linux's i2c-dev
    fails the whole transfer. `probe` (an address-only write) is the one call where silence is an
    answer: False."""

    def __init__(self, bus) -> None:  # noqa: ANN001 - ltobms.avr.i2c.I2CBus
        self.bus = bus

    def write(self, address: int, data: bytes) -> None:
        result = self.bus.write(address, bytes(data))
        if not result.address_ack:
            raise AddressNack(f"no ACK from 0x{address:02x} (write)")
        if not all(result.acks):
            raise DataNack(f"0x{address:02x} NACKed data byte {result.acks.index(False)} of a write")

    def read(self, address: int, n: int) -> bytes:
        return self.bus.read(address, n)

    def write_read(self, address: int, data: bytes, n: int) -> bytes:
        return self.bus.write_read(address, bytes(data), n)

    def probe(self, address: int) -> bool:
        return self.bus.probe(address)


class Bench:
    def __init__(self, elf: Path, board: BoardModel, eeprom: bytes | None = None) -> None:
        from ltobms.avr.i2c import I2CBus
        from ltobms.avr.mcu import Mcu

        self.elf = elf
        self.board = board
        self.mcu = Mcu.from_elf(elf, world=board)
        if eeprom is not None:
            self.write_eeprom(eeprom)
            self.mcu.reset("PORF")  # power up with the configuration in place
        self.symbols = data_symbols(elf)
        self.vref_factor = 2 if "-NAION-" in elf.name else 1  # ADC reference 2.048 V vs 1.024 V
        self.bus = I2CBus(self.mcu)
        self.i2c = HostI2C(self.bus)

    # --- time ----------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        return self.mcu.time

    def run_until(self, t: float) -> None:
        if t > self.mcu.time:
            self.mcu.run(t - self.mcu.time)

    def run_for(self, seconds: float) -> None:
        self.mcu.run(seconds)

    def run_to_mid_period(self) -> None:
        """To the middle of the next 1 s period, far from the once-a-second measurement (it starts
        on the whole second and takes ~45 ms)."""
        self.run_until(int(self.time) + 1.5)

    # --- memories ------------------------------------------------------------------------------
    def write_eeprom(self, image: bytes) -> None:
        full = bytearray(b"\xff" * 128)
        full[: len(image)] = image
        self.mcu.eeprom_write_raw(0, bytes(full))

    def eeprom(self) -> bytes:
        return bytes(self.mcu.eeprom)

    def ram(self, name: str) -> bytes:
        sym = self.symbols[name]
        return bytes(self.mcu.data.mem[sym.address: sym.address + sym.size])

    def poke(self, name: str, value: bytes) -> None:
        sym = self.symbols[name]
        self.mcu.data.mem[sym.address: sym.address + len(value)] = value

    def static_ram(self) -> tuple[int, int]:
        """[start, end) of .data + .bss (.data starts the SRAM when present, else .bss does)."""
        return SRAM_START, self.symbols["__bss_end"].address

    # --- outputs -------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        return self.mcu.uart_tx.lines

    def timed_lines(self) -> list[tuple[float, str]]:
        return self.mcu.uart_tx.timed_lines

    # --- I2C host ------------------------------------------------------------------------------
    def read_register(self, reg: int) -> int:
        return int.from_bytes(self.i2c.write_read(INA260_ADDRESS, bytes([reg]), 2), "big")

    def write_register(self, reg: int, value: int) -> None:
        self.i2c.write(INA260_ADDRESS, bytes([reg, value >> 8, value & 0xFF]))
