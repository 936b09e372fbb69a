"""`ltobms eeprom` and `tools/eeprom.py` as a user runs them."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from intelhex import IntelHex

from ltobms import cli, config

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*argv: str) -> int:
    return cli.main(["eeprom", *argv])


def test_original_command_line_from_tools_dir() -> None:
    env = {**os.environ, "PYTHONPATH": ""}
    out = subprocess.run([sys.executable, "eeprom.py", "--sn", "7", "--temp-offset", "5"], cwd=ROOT / "tools",
                         capture_output=True, text=True, env=env, check=True)
    image = bytes.fromhex(out.stdout.strip())
    body = struct.pack("<HHhHHHHHH", 0x7337, 7, 5, 2800, 2700, 1800, 1700, 1000, 10)
    assert image[:18] == body
    assert struct.unpack("<H", image[18:])[0] == config.crc16_modbus(body)


def test_binary_file_written(tmp_path: Path) -> None:
    target = tmp_path / "eeprom.bin"
    assert run_cli("--sn", "0x10", "--chemistry", "NAION", "-f", str(target)) == 0
    decoded = config.decode(target.read_bytes())
    assert decoded.valid and decoded.config.serial_number == 16 and decoded.config.ovlo_cutoff == 3900
    assert len(target.read_bytes()) == 20


def test_hex_output_lands_at_0x810000(tmp_path: Path) -> None:
    target = tmp_path / "eeprom.hex"
    assert run_cli("--sn", "7", "--temp-offset", "-3", "--hex", str(target)) == 0
    hexfile = IntelHex(str(target))
    assert hexfile.minaddr() == 0x810000 and hexfile.maxaddr() == 0x810013
    data = bytes(hexfile.tobinarray(start=0x810000, end=0x810013))
    assert data == config.encode(config.defaults("LTO").with_changes(serial_number=7, temp_offset=-3))


def test_decode_reports_valid_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.bin"
    good.write_bytes(config.encode(config.defaults("LTO").with_changes(serial_number=300)))
    assert run_cli("--decode", str(good)) == 0
    out = capsys.readouterr().out
    assert "300 (id=012c)" in out and "image valid" in out
    bad = tmp_path / "bad.bin"
    data = bytearray(good.read_bytes())
    data[6] ^= 0xFF
    bad.write_bytes(bytes(data))
    assert run_cli("--decode", str(bad)) == 1
    out = capsys.readouterr().out
    assert "crc" in out and "INVALID" in out and "chemistry defaults" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--sn", "70000"], "sn=70000"),
        (["--sn", "seven"], "sn='seven'"),
        (["--sn", "1", "--temp-offset", "60"], "temp-offset=60"),
        (["--sn", "1", "--max-current", "2000"], "max-current=2000"),
        (["--sn", "1", "--ovlo-cutoff", "3000"], "ovlo-cutoff=3000"),
        (["--sn", "1", "--uvlo-release", "1600"], "must be below"),
        (["--sn", "1", "--chemistry", "LiPo"], "LiPo"),
        (["--temp-offset", "1"], "--sn is required"),
        (["--decode", "/nonexistent/x.bin"], "cannot read"),
    ],
)
def test_user_errors_one_line_no_traceback(argv: list[str], needle: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    proc = subprocess.run([sys.executable, "-m", "ltobms", "eeprom", *argv, "-f", str(target)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not target.exists()  # nothing written half-way


def test_failed_write_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "eeprom.bin"
    target.write_bytes(b"previous")
    assert run_cli("--sn", "1", "--ovlo-cutoff", "9999", "-f", str(target)) == 2
    assert target.read_bytes() == b"previous"


def test_pymcuprog_reads_the_hex_as_eeprom(tmp_path: Path) -> None:
    """pymcuprog's own hex reader (what `pymcuprog write -f` uses) maps the file to the EEPROM."""
    from pymcuprog.deviceinfo import deviceinfo
    from pymcuprog.hexfileutils import read_memories_from_hex

    target = tmp_path / "eeprom.hex"
    assert run_cli("--sn", "513", "--hex", str(target)) == 0
    memory_info = deviceinfo.DeviceMemoryInfo(deviceinfo.getdeviceinfo("attiny824"))
    segments = read_memories_from_hex(str(target), memory_info)
    assert len(segments) == 1
    assert segments[0].memory_info["name"] == "eeprom" and segments[0].offset == 0
    assert config.decode(bytes(segments[0].data)).config.serial_number == 513


def test_tools_eeprom_runs_on_the_standard_library_alone() -> None:
    # -S: no site-packages at all, as with a bare system Python and a fresh checkout.
    out = subprocess.run([sys.executable, "-S", "eeprom.py", "--sn", "7", "--temp-offset", "5"],
                         cwd=ROOT / "tools", capture_output=True, text=True, check=True)
    assert bytes.fromhex(out.stdout.strip()) == config.encode(
        config.defaults("LTO").with_changes(serial_number=7, temp_offset=5))
