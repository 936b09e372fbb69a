"""Static facts of the built images: integer-only code, fuse bytes, size."""

from __future__ import annotations

import re
import subprocess

import pytest
from elftools.elf.elffile import ELFFile
from fw_images import ImageBuilder, Variant, avr_tool

pytestmark = pytest.mark.xdist_group("firmware")

ALL_VARIANTS = [Variant(c, b) for c in ("LTO", "NAION") for b in ("revC", "revB")]
FORBIDDEN = re.compile(
    r"printf|scanf|dtostr|strtod|atof|__(add|sub|mul|div)sf3|__fix(uns)?sfsi|__float(un)?sisf|__cmpsf2|__fp_"
)

# ATtiny824 fuse bytes (iotn824.h FUSE_t): 0 WDTCFG, 1 BODCFG, 2 OSCCFG, 5 SYSCFG0, 6 SYSCFG1.
WDTCFG, BODCFG, OSCCFG, SYSCFG0, SYSCFG1 = 0, 1, 2, 5, 6


def symbols(elf: str) -> list[str]:
    out = subprocess.run([avr_tool("avr-nm"), elf], check=True, capture_output=True, text=True).stdout
    return [line.split()[-1] for line in out.splitlines() if line.strip()]


def fuse_bytes(elf: str) -> bytes:
    with open(elf, "rb") as f:
        section = ELFFile(f).get_section_by_name(".fuse")
        assert section is not None, "no .fuse section in the image"
        return section.data()


def sizes(elf: str) -> tuple[int, int]:
    out = subprocess.run([avr_tool("avr-size"), elf], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return text + data, data + bss


@pytest.mark.parametrize("variant", ALL_VARIANTS + [Variant("LTO", "revC", debug=True)], ids=lambda v: v.name)
def test_image_has_no_float_or_printf(images: ImageBuilder, variant: Variant) -> None:
    names = symbols(str(images.elf(variant)))
    assert "main" in names and "protect_step" in names  # the symbol table is really there
    assert [n for n in names if FORBIDDEN.search(n)] == []


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.name)
def test_fuses_watchdog_bod_eesave_updi(images: ImageBuilder, variant: Variant) -> None:
    fuses = fuse_bytes(str(images.elf(variant)))
    assert len(fuses) == 9
    assert fuses[WDTCFG] & 0x0F == 0x09, "watchdog enabled by fuse, 2 s period"
    assert fuses[WDTCFG] & 0xF0 == 0, "no window: the kick may come at any time"
    assert fuses[BODCFG] >> 5 == 2, "BOD level 2.6 V"
    assert fuses[BODCFG] & 0x0C == 0x04, "BOD enabled while active"
    assert fuses[OSCCFG] & 0x03 == 0x02, "20 MHz oscillator"
    assert fuses[SYSCFG0] & 0x01 == 0x01, "EESAVE keeps the EEPROM over a chip erase"
    assert fuses[SYSCFG0] & 0x0C == 0x04, "RSTPINCFG stays UPDI"


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.name)
def test_image_fits_with_room_for_the_stack(images: ImageBuilder, variant: Variant) -> None:
    flash, ram = sizes(str(images.elf(variant)))
    assert flash <= 8192
    assert ram <= 512, "static RAM must leave at least half of the 1 KiB SRAM to the stack"
