"""Intel HEX for pymcuprog (EEPROM at 0x810000, fuses at 0x820000) and reading images back."""

from __future__ import annotations

import os
from pathlib import Path

from ltobms.config import EEPROM_HEX_ADDRESS, EEPROM_SIZE
from ltobms.errors import UserError

RECORD_BYTES = 16


def _record(kind: int, address: int, payload: bytes) -> str:
    body = bytes([len(payload), (address >> 8) & 0xFF, address & 0xFF, kind]) + payload
    checksum = (-sum(body)) & 0xFF
    return ":" + (body + bytes([checksum])).hex().upper()


def to_intel_hex(data: bytes, base_address: int) -> str:
    """Intel HEX text for `data` at `base_address` (extended linear address records above 64 KiB)."""
    lines = []
    upper = None
    for offset in range(0, len(data), RECORD_BYTES):
        address = base_address + offset
        if address >> 16 != upper:
            upper = address >> 16
            lines.append(_record(0x04, 0, upper.to_bytes(2, "big")))
        chunk = data[offset: offset + RECORD_BYTES]
        # A record must not cross a 64 KiB boundary; our images are tiny and aligned, so it never does.
        lines.append(_record(0x00, address & 0xFFFF, chunk))
    lines.append(_record(0x01, 0, b""))
    return "\n".join(lines) + "\n"


def looks_like_hex(raw: bytes) -> bool:
    return raw.lstrip()[:1] == b":"


def read_eeprom_file(path: str | os.PathLike[str]) -> bytes:
    """EEPROM bytes from a raw binary dump or an Intel HEX file (data at 0x810000 or, bare, at 0)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror}") from None
    if not looks_like_hex(raw):
        return raw
    from intelhex import HexRecordError, IntelHex  # only reading needs it; writing is done here

    hexfile = IntelHex()
    try:
        hexfile.loadhex(str(file))
    except (HexRecordError, ValueError) as exc:
        raise UserError(f"{file} is not a valid Intel HEX file: {exc}") from None
    addresses = hexfile.addresses()
    if not addresses:
        raise UserError(f"{file} holds no data")
    base = EEPROM_HEX_ADDRESS if min(addresses) >= EEPROM_HEX_ADDRESS else 0
    end = min(max(addresses) + 1, base + EEPROM_SIZE)
    return bytes(hexfile.tobinarray(start=base, end=end - 1))
