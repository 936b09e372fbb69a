"""Firmware images: ELF (pyelftools) and Intel HEX (intelhex), split into the ATtiny824's memories by
the avr-gcc address convention: flash below 0x800000, SRAM at 0x800000, EEPROM at 0x810000, fuses at
0x820000, lock bits at 0x830000, signature at 0x840000, user row at 0x850000."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DATA_OFFSET = 0x800000
EEPROM_OFFSET = 0x810000
FUSE_OFFSET = 0x820000
LOCK_OFFSET = 0x830000
SIGNATURE_OFFSET = 0x840000
USERROW_OFFSET = 0x850000


@dataclass
class Image:
    flash: bytearray = field(default_factory=bytearray)
    eeprom: dict[int, int] = field(default_factory=dict)
    fuses: dict[int, int] = field(default_factory=dict)
    userrow: dict[int, int] = field(default_factory=dict)
    symbols: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (address, size)

    def put(self, address: int, data: bytes) -> None:
        if address < DATA_OFFSET:
            end = address + len(data)
            if len(self.flash) < end:
                self.flash.extend(b"\xff" * (end - len(self.flash)))
            self.flash[address:end] = data
            return
        region = address & 0xFF0000
        regions = {EEPROM_OFFSET: self.eeprom, FUSE_OFFSET: self.fuses, USERROW_OFFSET: self.userrow}
        target = regions.get(region)
        if target is None:
            return  # SRAM initial values are in flash (.data LMA); lock/signature are not programmed
        for i, b in enumerate(data):
            target[address - region + i] = b


def load_elf(path: str | Path) -> Image:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    img = Image()
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
                continue
            img.put(seg["p_paddr"], seg.data()[: seg["p_filesz"]])
        for sec in elf.iter_sections():
            if isinstance(sec, SymbolTableSection):
                for sym in sec.iter_symbols():
                    if sym.name and sym["st_info"]["type"] in ("STT_OBJECT", "STT_FUNC", "STT_NOTYPE"):
                        img.symbols.setdefault(sym.name, (sym["st_value"], sym["st_size"]))
    return img


def load_hex(path: str | Path) -> Image:
    from intelhex import IntelHex

    ih = IntelHex(str(path))
    img = Image()
    for start, end in ih.segments():
        img.put(start, bytes(ih.tobinarray(start=start, end=end - 1)))
    return img


def load(path: str | Path) -> Image:
    p = Path(path)
    with open(p, "rb") as fh:
        magic = fh.read(4)
    return load_elf(p) if magic == b"\x7fELF" else load_hex(p)
