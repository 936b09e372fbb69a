"""The foundation: toolchain, package entry point, lint, build output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ltobms import __version__, toolchain
from ltobms.errors import UserError

ROOT = Path(__file__).resolve().parents[1]

SMOKE = r"""
#include <avr/io.h>
volatile uint16_t counter;
int main(void) { PORTA.DIRSET = PIN4_bm; for (;;) { counter++; } }
"""


def test_toolchain_builds_an_attiny824_program(tmp_path: Path) -> None:
    gcc = toolchain.find_gcc()
    src = tmp_path / "smoke.c"
    src.write_text(SMOKE)
    elf = tmp_path / "smoke.elf"
    cmd = [str(gcc), "-mmcu=attiny824", "-Os", "-Wall", "-Wextra", "-Werror", str(src), "-o", str(elf)]
    subprocess.run(cmd, check=True)
    out = subprocess.run([str(toolchain.tool("avr-size")), str(elf)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    assert out[0].split()[:3] == ["text", "data", "bss"]
    text, data, bss = (int(x) for x in out[1].split()[:3])
    assert 60 < text < 1000  # vectors + startup + main, nothing else
    assert bss == 2  # the one uint16_t
    assert data == 0


def test_gcc_that_lacks_the_part_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "avr-gcc"
    fake.write_text("#!/bin/sh\necho \"unknown MCU 'attiny824' specified\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AVR_GCC", str(fake))
    toolchain.find_gcc.cache_clear()
    try:
        with pytest.raises(UserError, match="does not support -mmcu=attiny824"):
            toolchain.find_gcc()
    finally:
        toolchain.find_gcc.cache_clear()


def test_version_command() -> None:
    out = subprocess.run([sys.executable, "-m", "ltobms", "--version"], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == f"ltobms {__version__}"


def test_console_script_help() -> None:
    exe = Path(sys.executable).with_name("ltobms")
    out = subprocess.run([str(exe), "--help"], check=True, capture_output=True, text=True).stdout
    assert "usage: ltobms" in out


def test_firmware_version_without_git(tmp_path: Path) -> None:
    assert toolchain.firmware_version(tmp_path) == __version__


def test_ruff_clean() -> None:
    dirs = [d for d in ("src", "tests", "tools", "bench") if (ROOT / d).is_dir()]
    cmd = [sys.executable, "-m", "ruff", "check", *dirs]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("chem", ["LTO", "NAION"])
@pytest.mark.parametrize("board", ["revC", "revB"])
def test_make_built_every_variant(chem: str, board: str) -> None:
    for ext in (".elf", ".hex"):
        path = ROOT / "build" / f"lto-bms-{chem}-{board}{ext}"
        assert path.is_file() and path.stat().st_size > 0, f"{path} missing: run `make`"
