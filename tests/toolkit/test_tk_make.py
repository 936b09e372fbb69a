"""`make flash|fuses|eeprom` run the toolkit commands with the documented variables."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def make_n(root: Path, *args: str) -> str:
    proc = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=root, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_flash_default_variant(root: Path) -> None:
    assert "-m ltobms flash build/lto-bms-LTO-revC.hex --port /dev/ttyUSB0" in make_n(root, "flash")


def test_make_fuses_narrowed_variant(root: Path) -> None:
    out = make_n(root, "fuses", "CHEMISTRY=NAION", "BOARD=revB", "PORT=/dev/ttyACM1")
    assert "-m ltobms fuses build/lto-bms-NAION-revB.elf --port /dev/ttyACM1" in out


def test_make_eeprom_sn_to(root: Path) -> None:
    out = make_n(root, "eeprom", "SN=7", "TO=5")
    assert "-m ltobms eeprom --chemistry LTO --sn 7 --temp-offset 5 --write --port /dev/ttyUSB0" in out


@pytest.mark.parametrize("target", ["eeprom"])
def test_make_eeprom_without_sn_refuses(root: Path, target: str) -> None:
    # -o: never re-run `make setup` from a test, even when pyproject.toml is newer than the venv stamp.
    proc = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.setup-done", target], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "needs SN=" in proc.stdout
