"""What a firmware file holds for programming: flash bytes and the fuse values from `.fuse`.

pyelftools and intelhex are imported where used, so the CLI (and `tools/eeprom.py`) starts with
the standard library alone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ltobms.errors import UserError

# avr-gcc's linker places each memory in its own window of the ELF address space.
FLASH_WINDOW = (0x000000, 0x800000)
FUSE_SECTION = ".fuse"
FLASH_SIZE = 8192
# ATtiny824 fuse bytes by offset (FUSE_t in iotn824.h); offsets 3 and 4 are reserved and never written.
FUSE_NAMES = {0: "WDTCFG", 1: "BODCFG", 2: "OSCCFG", 5: "SYSCFG0", 6: "SYSCFG1", 7: "APPEND", 8: "BOOTEND"}
SYSCFG0_OFFSET = 5
RSTPINCFG_MASK = 0x0C
RSTPINCFG_UPDI = 0x04


@dataclass(frozen=True)
class Firmware:
    path: Path
    flash: bytes
    fuses: dict[int, int] | None  # offset -> value; None if the file carries no .fuse section


def _read_elf(path: Path) -> Firmware:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as handle:
        try:
            elf = ELFFile(handle)
        except ELFError as exc:
            raise UserError(f"{path} is not an ELF file: {exc}") from None
        if elf["e_machine"] != "EM_AVR":
            raise UserError(f"{path} is not an AVR firmware (machine {elf['e_machine']})")
        image = bytearray()
        for segment in elf.iter_segments():
            if segment["p_type"] != "PT_LOAD" or segment["p_filesz"] == 0:
                continue
            address = segment["p_paddr"]
            if not FLASH_WINDOW[0] <= address < FLASH_WINDOW[1]:
                continue
            data = segment.data()[: segment["p_filesz"]]
            if len(image) < address + len(data):
                image.extend(b"\xff" * (address + len(data) - len(image)))
            image[address: address + len(data)] = data
        section = elf.get_section_by_name(FUSE_SECTION)
        fuses = None
        if section is not None and section.data_size:
            fuses = dict(enumerate(section.data()))
    return Firmware(path, bytes(image), fuses)


def _read_hex(path: Path) -> Firmware:
    from intelhex import IntelHex

    hexfile = IntelHex()
    try:
        hexfile.loadhex(str(path))
    except Exception as exc:  # intelhex raises several unrelated types for a bad file
        raise UserError(f"{path} is not a valid Intel HEX file: {exc}") from None
    flash_addresses = [a for a in hexfile.addresses() if a < FLASH_WINDOW[1]]
    flash = bytes(hexfile.tobinarray(start=0, end=max(flash_addresses))) if flash_addresses else b""
    fuse_addresses = [a for a in hexfile.addresses() if 0x820000 <= a < 0x820010]
    fuses = {a - 0x820000: hexfile[a] for a in fuse_addresses} or None
    if fuses is None and path.with_suffix(".elf").exists():
        fuses = _read_elf(path.with_suffix(".elf")).fuses  # `make` writes the .elf beside the .hex
    return Firmware(path, flash, fuses)


def load_firmware(path: str | os.PathLike[str]) -> Firmware:
    """Load an .elf (preferred: carries the fuses) or an Intel .hex firmware file."""
    file = Path(path)
    if not file.is_file():
        raise UserError(f"firmware file {file} does not exist (build it with `make`)")
    with file.open("rb") as handle:
        magic = handle.read(4)
    firmware = _read_elf(file) if magic == b"\x7fELF" else _read_hex(file)
    if not firmware.flash:
        raise UserError(f"{file} holds no flash image")
    if len(firmware.flash) > FLASH_SIZE:
        raise UserError(f"{file} needs {len(firmware.flash)} bytes of flash; the ATtiny824 has {FLASH_SIZE}")
    return firmware


def writable_fuses(firmware: Firmware) -> dict[int, int]:
    """The fuse bytes to program, refusing any value that would lock us out of UPDI."""
    if not firmware.fuses:
        raise UserError(f"{firmware.path} has no {FUSE_SECTION} section: no fuse values to program")
    fuses = {offset: value for offset, value in firmware.fuses.items() if offset in FUSE_NAMES}
    syscfg0 = fuses.get(SYSCFG0_OFFSET)
    if syscfg0 is not None and syscfg0 & RSTPINCFG_MASK != RSTPINCFG_UPDI:
        raise UserError(f"SYSCFG0=0x{syscfg0:02X} would turn the UPDI pin into GPIO/reset; refusing "
                        "(the board could not be programmed again without high-voltage UPDI)")
    return fuses
