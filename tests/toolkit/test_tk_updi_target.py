"""The programming commands through the real pymcuprog serialUPDI stack, against a UPDI target model on a
pty (tk_updi_target): connect, identify, erase, program, verify, read back."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from pymcuprog.toolconnection import ToolSerialConnection
from test_tk_programming import _compile
from tk_updi_target import OPEN_TARGETS, UpdiTarget

from ltobms import config
from ltobms.commands import eeprom, flash, fuses, manufacture
from ltobms.device import firmware as fw
from ltobms.device.programmer import Programmer, ProgrammingError


def programmer(port: str, baud: int) -> Programmer:
    OPEN_TARGETS[port].reset_line()
    # A short serial timeout: pymcuprog waits one timeout for the SIB line on every connect.
    return Programmer(port, baud, say=lambda _m: None,
                      connection_factory=lambda p, b: ToolSerialConnection(p, b, timeout=0.1))


@pytest.fixture(scope="module")
def fused_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _compile(tmp_path_factory.mktemp("elf"), "fused", "0xF6")


def parse(module: object, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.register(parser)  # type: ignore[attr-defined]
    return parser.parse_args(list(argv))


def test_flash_with_fuses_and_eeprom_over_pymcuprog(fused_elf: Path) -> None:
    image = fw.load_firmware(fused_elf)
    with UpdiTarget() as target:
        target.flash[:64] = b"\x00" * 64  # old firmware: programming over it needs the erase
        target.eeprom[20:24] = b"\x12\x34\x56\x78"
        assert flash.run(parse(flash, str(fused_elf), "--fuses", "--port", target.port),
                         programmer_factory=programmer) == 0
        assert bytes(target.flash[: len(image.flash)]) == image.flash
        assert bytes(target.flash[len(image.flash):]) == b"\xff" * (8192 - len(image.flash))
        assert target.fuses[1] == 0x54 and target.fuses[5] == 0xF6 and target.fuses[6] == 0x07
        assert eeprom.run(parse(eeprom, "--sn", "7", "--temp-offset", "5", "--write", "--port", target.port),
                          programmer_factory=programmer) == 0
        stored = config.decode(bytes(target.eeprom))
        assert stored.valid and stored.config == config.defaults("LTO").with_changes(serial_number=7,
                                                                                      temp_offset=5)
        assert bytes(target.eeprom[20:24]) == b"\x12\x34\x56\x78"  # the rest of the page is kept
        assert 5 not in target.commands  # never a chip erase: it would wipe the EEPROM


def test_fuses_command_over_pymcuprog(fused_elf: Path) -> None:
    with UpdiTarget() as target:
        args = parse(fuses, str(fused_elf), "--port", target.port)
        assert fuses.run(args, programmer_factory=programmer) == 0
        assert bytes(target.fuses) == bytes([0x00, 0x54, 0x7E, 0x00, 0x00, 0xF6, 0x07, 0x00, 0x00])


def test_wrong_chip_is_refused_before_any_write(fused_elf: Path) -> None:
    with UpdiTarget(signature=bytes([0x1E, 0x95, 0x0F])) as target:
        with pytest.raises(ProgrammingError, match="1E 95 0F is not an ATtiny824 \\(1E 93 29\\)"):
            flash.run(parse(flash, str(fused_elf), "--port", target.port), programmer_factory=programmer)
        assert target.commands == [] and bytes(target.flash) == b"\xff" * 8192


def test_a_cell_that_does_not_program_fails_verify(fused_elf: Path) -> None:
    with UpdiTarget(flash_stuck_bits=0x01) as target:
        with pytest.raises(ProgrammingError, match="verify failed: flash"):
            flash.run(parse(flash, str(fused_elf), "--port", target.port), programmer_factory=programmer)


def test_manufacture_two_boards(fused_elf: Path, tmp_path: Path) -> None:
    boards = [UpdiTarget(), UpdiTarget()]
    ports = iter(boards)

    def next_board(port: str, baud: int) -> Programmer:
        return programmer(next(ports).port, baud)

    record = tmp_path / "boards.csv"
    for board in boards:
        board.__enter__()
    try:
        args = parse(manufacture, str(fused_elf), "--start-sn", "100", "--count", "2", "--yes",
                     "--record", str(record))
        assert manufacture.run(args, programmer_factory=next_board) == 0
    finally:
        for board in boards:
            board.__exit__(None, None, None)
    assert [config.decode(bytes(b.eeprom)).config.serial_number for b in boards] == [100, 101]
    assert all(b.fuses[5] == 0xF6 for b in boards)
    assert manufacture.next_serial_from_record(record) == 102


def test_eeprom_write_from_the_command_line() -> None:
    import subprocess
    import sys

    with UpdiTarget() as target:
        proc = subprocess.run([sys.executable, "-m", "ltobms", "eeprom", "--sn", "9", "--chemistry", "NAION",
                               "--write", "--port", target.port], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert f"connected: ATtiny824 (1E 93 29) on {target.port}" in proc.stdout
        assert "eeprom: 32 bytes written and verified" in proc.stdout
        stored = config.decode(bytes(target.eeprom))
        assert stored.valid and stored.config.serial_number == 9 and stored.config.ovlo_cutoff == 3900


def test_locked_chip_gets_the_unlock_hint(fused_elf: Path) -> None:
    with UpdiTarget(locked=True) as target:
        with pytest.raises(ProgrammingError, match="is locked; unlocking erases it completely"):
            flash.run(parse(flash, str(fused_elf), "--port", target.port), programmer_factory=programmer)
        assert target.commands == []
