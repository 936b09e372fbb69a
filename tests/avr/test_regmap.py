"""The emulator's register map and vector table held against the toolchain's avr/iotn824.h.

Every register the emulator names must sit at the header's address, every address it maps in the
I/O space must be a register the header knows, and the device description's memory map, peripheral
base addresses and interrupt vector numbers must be the header's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ltobms import toolchain
from ltobms.avr.devices import attiny824 as dev
from ltobms.avr.mcu import Mcu


@pytest.fixture(scope="module")
def header() -> str:
    gcc = Path(toolchain.find_gcc()).resolve()
    found = sorted(gcc.parent.parent.rglob("iotn824.h"))
    assert found, f"no iotn824.h under {gcc.parent.parent}"
    return found[0].read_text()


@pytest.fixture(scope="module")
def registers(header: str) -> dict[str, int]:
    """Header register name (e.g. 'RTC_CNTL') -> data address, for every 8-bit byte. A 16-bit register
    the header gives only as a whole (TCA0_SINGLE_CNT) also yields its L and H bytes."""
    regs: dict[str, int] = {}
    for name, width, addr in re.findall(r"#define\s+(\w+)\s+_SFR_MEM(8|16|32)\((0x[0-9A-Fa-f]+)\)", header):
        a = int(addr, 16)
        if width == "8":
            regs[name] = a
        elif width == "16":
            regs.setdefault(f"{name}L", a)
            regs.setdefault(f"{name}H", a + 1)
    assert len(regs) > 300
    return regs


@pytest.fixture(scope="module")
def instances(header: str) -> dict[str, int]:
    found = re.findall(r"#define\s+(\w+)\s+\(\*\(\w+_t \*\) (0x[0-9A-Fa-f]+)\)", header)
    return {name: int(addr, 16) for name, addr in found}


def define(header: str, name: str) -> int:
    m = re.search(rf"#\s*define\s+{name}\s+\(?(0x[0-9A-Fa-f]+|\d+)\)?", header)
    assert m, name
    return int(m.group(1), 0)


@pytest.fixture(scope="module")
def mcu() -> Mcu:
    return Mcu()


def header_names(emu_name: str) -> list[str]:
    """Header spellings an emulator register name ('RTC.CNTL', 'CPU.CCP', 'TCA0.CTRLA') may have."""
    if "." not in emu_name:
        return [emu_name]
    periph, reg = emu_name.split(".", 1)
    if periph == "CPU":
        return [reg, f"CPU_{reg}"]
    return [f"{periph}_{reg}", f"{periph}_SINGLE_{reg}"]


def test_every_named_register_has_the_header_address(mcu: Mcu, registers: dict[str, int]) -> None:
    wrong = []
    for addr, name in sorted(mcu.data.names.items()):
        if name.startswith("EEPROM["):
            continue
        hits = [registers[n] for n in header_names(name) if n in registers]
        if not hits:
            wrong.append(f"{name} (0x{addr:04x}): not in iotn824.h")
        elif hits[0] != addr:
            wrong.append(f"{name}: emulator 0x{addr:04x}, header 0x{hits[0]:04x}")
    assert not wrong, "\n".join(wrong)
    assert len(mcu.data.names) > 150


def test_every_mapped_io_address_is_a_header_register(mcu: Mcu, registers: dict[str, int]) -> None:
    known = set(registers.values())
    d = mcu.data
    stray = [a for a in range(0, dev.SIGROW_START)
             if (d.rhook[a] != d._unmapped_read or d.whook[a] != d._unmapped_write) and a not in known]
    assert not stray, ", ".join(f"0x{a:04x}" for a in stray)


def test_peripheral_bases(instances: dict[str, int]) -> None:
    for name, base, _cls, _params in dev.PERIPHERALS:
        assert instances[name] == base, name
    assert instances["CPUINT"] == 0x0110
    assert instances["CLKCTRL"] == 0x0060 and instances["SLPCTRL"] == 0x0050
    assert instances["RSTCTRL"] == 0x0040


def test_port_vport_pairs(instances: dict[str, int]) -> None:
    for name, _base, cls, params in dev.PERIPHERALS:
        if cls == "port.Port":
            assert params["vport"] == instances[f"V{name}"], name


def test_memory_map(header: str) -> None:
    assert define(header, "INTERNAL_SRAM_START") == dev.SRAM_START
    assert define(header, "INTERNAL_SRAM_SIZE") == dev.SRAM_SIZE
    assert define(header, "EEPROM_START") == dev.EEPROM_START
    assert define(header, "EEPROM_SIZE") == dev.EEPROM_SIZE
    assert define(header, "EEPROM_PAGE_SIZE") == dev.EEPROM_PAGE
    assert define(header, "MAPPED_PROGMEM_START") == dev.MAPPED_FLASH_START
    assert define(header, "MAPPED_PROGMEM_SIZE") == dev.FLASH_SIZE
    assert define(header, "MAPPED_PROGMEM_PAGE_SIZE") == dev.FLASH_PAGE
    assert define(header, "FUSES_START") == dev.FUSE_START
    assert define(header, "FUSES_SIZE") == dev.FUSE_SIZE
    assert define(header, "LOCKBITS_START") == dev.LOCKBIT_START
    assert define(header, "_VECTOR_SIZE") == 2 * dev.VECTOR_SIZE_WORDS


def test_signature(header: str) -> None:
    sig = [int(re.search(rf"#define SIGNATURE_{i} (0x[0-9A-Fa-f]+)", header).group(1), 16) for i in range(3)]
    assert bytes(sig) == dev.SIGNATURE


def test_vector_numbers(header: str) -> None:
    nums: dict[str, int] = {n: int(v) for n, v in re.findall(r"#define\s+(\w+)_vect_num\s+(\d+)", header)}
    for num, name in dev.VECTORS.items():
        if num == 0:
            continue
        assert nums.get(name) == num, name
    assert set(range(1, max(nums.values()) + 1)) == set(dev.VECTORS) - {0}
    total = int(re.search(r"_VECTORS_SIZE \((\d+) \* _VECTOR_SIZE\)", header).group(1))
    assert total == len(dev.VECTORS)


def test_peripheral_vector_parameters() -> None:
    # Each peripheral's vector parameters name vectors that belong to it.
    for name, _base, _cls, params in dev.PERIPHERALS:
        vecs = list(params.get("vectors", ())) + ([params["vector"]] if "vector" in params else [])
        for v in vecs:
            assert dev.VECTORS[v].startswith(f"{name}_"), (name, v, dev.VECTORS[v])
