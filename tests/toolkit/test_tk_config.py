"""EEPROM image v1: CRC, golden images built here from the §4.3 facts, round trip, every rule."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltobms import config
from ltobms.config import Chemistry, Config, ConfigError


def golden_image(sn: int, to: int, ovc: int, ovr: int, uvr: int, uvc: int, cur: int, tmo: int) -> bytes:
    """Independent reference: struct layout and a bit-by-bit CRC-16/MODBUS written from the spec."""
    body = struct.pack("<HHhHHHHHH", 0x7337, sn, to, ovc, ovr, uvr, uvc, cur, tmo)
    crc = 0xFFFF
    for byte in body:
        for bit in range(8):
            mix = (crc ^ (byte >> bit)) & 1
            crc >>= 1
            if mix:
                crc ^= 0xA001
    return body + struct.pack("<H", crc)


def test_crc16_modbus_check_value() -> None:
    assert config.crc16_modbus(b"123456789") == 0x4B37
    assert config.crc16_modbus(b"") == 0xFFFF


def test_golden_lto_default_image_sn7_offset5() -> None:
    cfg = config.defaults("LTO").with_changes(serial_number=7, temp_offset=5)
    image = config.encode(cfg)
    assert len(image) == 20
    assert image == golden_image(7, 5, 2800, 2700, 1800, 1700, 1000, 10)
    assert image[:2] == b"\x37\x73"  # magic 0x7337 little-endian


def test_golden_naion_negative_offset_image() -> None:
    cfg = config.defaults(Chemistry.NAION).with_changes(serial_number=0xBEEF, temp_offset=-12)
    assert config.encode(cfg) == golden_image(0xBEEF, -12, 3900, 3800, 2200, 2000, 1000, 10)


def test_defaults_match_design_table() -> None:
    lto, na = config.defaults("LTO"), config.defaults("NAION")
    assert (lto.ovlo_cutoff, lto.ovlo_release, lto.uvlo_release, lto.uvlo_cutoff) == (2800, 2700, 1800, 1700)
    assert (na.ovlo_cutoff, na.ovlo_release, na.uvlo_release, na.uvlo_cutoff) == (3900, 3800, 2200, 2000)
    for cfg in (lto, na):
        assert (cfg.max_current, cfg.oclo_timeout) == (1000, 10)
    config.validate(lto, "LTO")
    config.validate(na, "NAION")


def test_decode_reports_bad_magic_and_crc() -> None:
    good = bytearray(config.encode(config.defaults("LTO")))
    assert config.decode(good).valid
    bad_crc = bytearray(good)
    bad_crc[4] ^= 1
    decoded = config.decode(bad_crc)
    assert decoded.magic_ok and not decoded.crc_ok and not decoded.valid
    bad_magic = bytearray(good)
    bad_magic[0] = 0x00
    assert not config.decode(bad_magic).magic_ok
    assert config.load_effective(bytes(bad_crc), "NAION") == (config.defaults("NAION"), False)
    assert config.load_effective(bytes([0xFF]) * 128, "LTO") == (config.defaults("LTO"), False)
    with pytest.raises(ConfigError):
        config.decode(b"\x37\x73")


def test_eeprom_contents_pads_with_erased_bytes() -> None:
    data = config.eeprom_contents(config.defaults("LTO"))
    assert len(data) == 128 and data[20:] == b"\xff" * 108


@given(
    sn=st.integers(0, 65535),
    to=st.integers(-50, 50),
    uvc=st.integers(1500, 1900),
    gaps=st.tuples(st.integers(1, 300), st.integers(1, 300), st.integers(1, 300)),
    cur=st.integers(1, 1000),
    tmo=st.integers(1, 3600),
)
def test_round_trip(sn, to, uvc, gaps, cur, tmo) -> None:  # type: ignore[no-untyped-def]
    uvr = uvc + gaps[0]
    ovr = uvr + gaps[1]
    ovc = ovr + gaps[2]
    cfg = Config(sn, to, ovc, ovr, uvr, uvc, cur, tmo)
    config.validate(cfg, "LTO")
    image = config.encode(cfg)
    assert image == golden_image(sn, to, ovc, ovr, uvr, uvc, cur, tmo)
    decoded = config.decode(image)
    assert decoded.valid and decoded.config == cfg


LTO = config.defaults("LTO")


@pytest.mark.parametrize(
    ("change", "chem", "needle"),
    [
        ({"serial_number": 65536}, "LTO", "sn=65536"),
        ({"serial_number": -1}, "LTO", "sn=-1"),
        ({"temp_offset": 51}, "LTO", "temp-offset=51"),
        ({"temp_offset": -51}, "LTO", "temp-offset=-51"),
        ({"ovlo_cutoff": 2950}, "LTO", "ovlo-cutoff=2950"),
        ({"uvlo_cutoff": 1400}, "LTO", "uvlo-cutoff=1400"),
        ({"ovlo_cutoff": 4100, "ovlo_release": 4000}, "NAION", "ovlo-cutoff=4100"),
        ({"uvlo_release": 1650}, "LTO", "must be below"),  # uvlo_cutoff 1700 !< 1650
        ({"uvlo_release": 2750}, "LTO", "must be below"),  # uvlo_release !< ovlo_release
        ({"ovlo_release": 2800}, "LTO", "must be below"),  # ovlo_release !< ovlo_cutoff
        ({"max_current": 1001}, "LTO", "max-current=1001"),
        ({"max_current": 0}, "LTO", "max-current=0"),
        ({"oclo_timeout": 0}, "LTO", "oclo-timeout=0"),
        ({"oclo_timeout": 3601}, "LTO", "oclo-timeout=3601"),
    ],
)
def test_every_validation_rule(change: dict[str, int], chem: str, needle: str) -> None:
    cfg = config.defaults(chem).with_changes(**change)
    with pytest.raises(ConfigError) as info:
        config.validate(cfg, chem)
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_lto_thresholds_rejected_for_naion_and_vice_versa() -> None:
    with pytest.raises(ConfigError, match="NAION safe window"):
        config.validate(config.defaults("LTO").with_changes(uvlo_cutoff=1400), "NAION")
    with pytest.raises(ConfigError, match="LTO safe window"):
        config.validate(config.defaults("NAION"), "LTO")


def test_parse_int_and_chemistry() -> None:
    assert config.parse_int("sn", "0x1F") == 31
    assert config.parse_int("sn", "007") == 7
    assert config.parse_int("sn", "1f") == 31
    with pytest.raises(ConfigError, match="sn=.seven."):
        config.parse_int("sn", "seven")
    assert config.parse_chemistry("naion") is Chemistry.NAION
    with pytest.raises(ConfigError, match="LTO, NAION"):
        config.parse_chemistry("LiPo")
