"""The EEPROM configuration image, format v1 (design §4.3): the one model of it.

20 bytes at EEPROM offset 0, little-endian: magic, serial number, temperature offset, the four
voltage thresholds, max current, OCLO hold time, CRC-16/MODBUS of the first 18 bytes. The CLI, the
flasher and the digital twin all encode, decode and validate images through this module.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum

from ltobms.errors import UserError

MAGIC = 0x7337
IMAGE_FORMAT = "<HHhHHHHHHH"
IMAGE_SIZE = struct.calcsize(IMAGE_FORMAT)  # 20
EEPROM_SIZE = 128
EEPROM_ERASED = 0xFF
# Where pymcuprog (and avr-objcopy's .eeprom convention) expects each memory in an Intel HEX file.
EEPROM_HEX_ADDRESS = 0x810000
FUSES_HEX_ADDRESS = 0x820000

# PTC F1 on the load path holds 1.0 A and trips at 2.0 A. The firmware's over-current lockout must be
# the protection that acts, with its reported state and hold time; a limit above the hold current lets
# the PTC trip first (an unexplained, heat-driven disconnect), so the board limit is the hold current.
BOARD_MAX_CURRENT_MA = 1000
MIN_CURRENT_MA = 1
TEMP_OFFSET_LIMIT_K = 50
# One hour: longer hold times keep a load off for no protective benefit; 0 would re-close at once.
OCLO_TIMEOUT_RANGE_S = (1, 3600)
SERIAL_NUMBER_RANGE = (0, 0xFFFF)


class ConfigError(UserError, ValueError):
    """An image value outside what the board and cell allow (one line: field, value, allowed range)."""


class Chemistry(StrEnum):
    LTO = "LTO"
    NAION = "NAION"


@dataclass(frozen=True)
class Config:
    """The settings an EEPROM image carries (voltages mV, current mA, time s, offset K)."""

    serial_number: int
    temp_offset: int
    ovlo_cutoff: int
    ovlo_release: int
    uvlo_release: int
    uvlo_cutoff: int
    max_current: int
    oclo_timeout: int

    def with_changes(self, **changes: int) -> Config:
        """A copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ChemistryPreset:
    """Defaults (design §3) and the cell's safe window for every voltage threshold."""

    chemistry: Chemistry
    measurement: str
    defaults: Config
    window_mv: tuple[int, int]
    adc_full_scale_mv: int


PRESETS: dict[Chemistry, ChemistryPreset] = {
    # LTO: 1.5-2.8 V operating; thresholds may sit slightly outside for users who trade life for capacity,
    # but never beyond 1.5 V (copper dissolution risk) or 2.9 V (electrolyte gassing), and well inside the
    # 3.072 V ADC full scale of the LTO build.
    Chemistry.LTO: ChemistryPreset(
        Chemistry.LTO,
        "lto-bms",
        Config(0, 0, 2800, 2700, 1800, 1700, 1000, 10),
        (1500, 2900),
        3072,
    ),
    # Na-ion: 1.5-4.0 V is the common manufacturer window (charge cut-off 3.9-4.0 V).
    Chemistry.NAION: ChemistryPreset(
        Chemistry.NAION,
        "nai-bms",
        Config(0, 0, 3900, 3800, 2200, 2000, 1000, 10),
        (1500, 4000),
        6144,
    ),
}

VOLTAGE_FIELDS = ("ovlo_cutoff", "ovlo_release", "uvlo_release", "uvlo_cutoff")
# The required strict order of the thresholds, lowest first.
THRESHOLD_ORDER = ("uvlo_cutoff", "uvlo_release", "ovlo_release", "ovlo_cutoff")
FIELD_NAMES = tuple(f.name for f in fields(Config))


def parse_chemistry(text: str) -> Chemistry:
    try:
        return Chemistry(text.upper().replace("-", ""))
    except ValueError:
        raise ConfigError(f"chemistry {text!r} is not one of LTO, NAION") from None


def defaults(chemistry: Chemistry | str = Chemistry.LTO) -> Config:
    chem = parse_chemistry(chemistry) if isinstance(chemistry, str) else chemistry
    return PRESETS[chem].defaults


def crc16_modbus(data: bytes | bytearray | Iterable[int]) -> int:
    """CRC-16/MODBUS: reflected polynomial 0xA001, init 0xFFFF, no final XOR."""
    crc = 0xFFFF
    for byte in bytes(data):
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _check_range(name: str, value: int, low: int, high: int, unit: str = "") -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name.replace('_', '-')}={value}{unit} is outside the allowed range "
                          f"{low}..{high}{unit}")


def validate(config: Config, chemistry: Chemistry | str = Chemistry.LTO) -> Config:
    """Raise ConfigError naming the first bad field; return the config unchanged when it is safe."""
    preset = PRESETS[parse_chemistry(chemistry) if isinstance(chemistry, str) else chemistry]
    for name in FIELD_NAMES:
        if not isinstance(getattr(config, name), int) or isinstance(getattr(config, name), bool):
            raise ConfigError(f"{name.replace('_', '-')}={getattr(config, name)!r} is not an integer")
    _check_range("sn", config.serial_number, *SERIAL_NUMBER_RANGE)
    _check_range("temp_offset", config.temp_offset, -TEMP_OFFSET_LIMIT_K, TEMP_OFFSET_LIMIT_K, " K")
    low, high = preset.window_mv
    for name in THRESHOLD_ORDER:
        value = getattr(config, name)
        if not low <= value <= high:
            raise ConfigError(f"{name.replace('_', '-')}={value} mV is outside the {preset.chemistry} safe "
                              f"window {low}..{high} mV")
    for lower, upper in zip(THRESHOLD_ORDER, THRESHOLD_ORDER[1:], strict=False):
        if not getattr(config, lower) < getattr(config, upper):
            raise ConfigError(
                f"{lower.replace('_', '-')}={getattr(config, lower)} mV must be below "
                f"{upper.replace('_', '-')}={getattr(config, upper)} mV (required order: "
                "uvlo-cutoff < uvlo-release < ovlo-release < ovlo-cutoff)")
    _check_range("max_current", config.max_current, MIN_CURRENT_MA, BOARD_MAX_CURRENT_MA, " mA")
    _check_range("oclo_timeout", config.oclo_timeout, *OCLO_TIMEOUT_RANGE_S, " s")
    return config


def encode(config: Config) -> bytes:
    """The 20-byte v1 image (no range checks beyond what the field types hold; call validate first)."""
    try:
        body = struct.pack(IMAGE_FORMAT[:-1], MAGIC, config.serial_number, config.temp_offset,
                           config.ovlo_cutoff, config.ovlo_release, config.uvlo_release, config.uvlo_cutoff,
                           config.max_current, config.oclo_timeout)
    except struct.error as exc:
        raise ConfigError(f"a value does not fit the image field types: {exc}") from None
    return body + struct.pack("<H", crc16_modbus(body))


def eeprom_contents(config: Config, size: int = EEPROM_SIZE) -> bytes:
    """The whole EEPROM as the device holds it after programming: the image, then erased bytes."""
    image = encode(config)
    return image + bytes([EEPROM_ERASED]) * (size - len(image))


@dataclass(frozen=True)
class DecodedImage:
    """What a stored image says, and whether the firmware would trust it."""

    config: Config
    magic: int
    crc_stored: int
    crc_computed: int

    @property
    def magic_ok(self) -> bool:
        return self.magic == MAGIC

    @property
    def crc_ok(self) -> bool:
        return self.crc_stored == self.crc_computed

    @property
    def valid(self) -> bool:
        return self.magic_ok and self.crc_ok


def decode(data: bytes | bytearray) -> DecodedImage:
    """Decode the first 20 bytes of an EEPROM dump; never raises for bad magic/CRC (they are reported)."""
    if len(data) < IMAGE_SIZE:
        raise ConfigError(f"image is {len(data)} bytes; a v1 image needs {IMAGE_SIZE}")
    values = struct.unpack(IMAGE_FORMAT, bytes(data[:IMAGE_SIZE]))
    magic, *settings, crc = values
    return DecodedImage(Config(*settings), magic, crc, crc16_modbus(bytes(data[: IMAGE_SIZE - 2])))


def load_effective(data: bytes | bytearray | None, chemistry: Chemistry | str) -> tuple[Config, bool]:
    """What the firmware runs on: the stored config if magic and CRC hold, else the chemistry defaults.

    Returns (config, image_valid).
    """
    if data is not None and len(data) >= IMAGE_SIZE:
        decoded = decode(data)
        if decoded.valid:
            return decoded.config, True
    return defaults(chemistry), False


def parse_int(name: str, text: str) -> int:
    """Decimal, 0x-prefixed hex, or (as the original tool accepted) bare hex like `1f`."""
    stripped = str(text).strip()
    for base in (10, 16):
        try:
            return int(stripped, base)
        except ValueError:
            continue
    raise ConfigError(f"{name}={text!r} is not an integer (decimal or hex)")
