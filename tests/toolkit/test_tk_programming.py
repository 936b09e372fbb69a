"""Programming through pymcuprog's Backend API, driven against a fake backend: command flow, fuse
extraction from a real avr-gcc ELF, and every error path a user can meet."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from ltobms import cli, config
from ltobms.commands import flash, fuses, manufacture
from ltobms.device import firmware as fw
from ltobms.device.programmer import Programmer, ProgrammingError
from ltobms.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
FUSE_SOURCE = """
#include <avr/io.h>
FUSES = {
    .WDTCFG = 0x00, .BODCFG = 0x54, .OSCCFG = 0x7E, .SYSCFG0 = %s,
    .SYSCFG1 = 0x07, .APPEND = 0x00, .BOOTEND = 0x00,
};
int main(void) { for (;;) {} }
"""


def _compile(tmp: Path, name: str, syscfg0: str) -> Path:
    gcc = subprocess.run([sys.executable, "-m", "ltobms.toolchain", "gcc"], capture_output=True, text=True,
                         check=True).stdout.strip()
    src = tmp / f"{name}.c"
    src.write_text(FUSE_SOURCE % syscfg0)
    elf = tmp / f"{name}.elf"
    subprocess.run([gcc, "-mmcu=attiny824", "-Os", "-Wall", "-Wextra", "-Werror", "-o", str(elf), str(src)],
                   check=True)
    return elf


@pytest.fixture(scope="module")
def fused_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _compile(tmp_path_factory.mktemp("elf"), "fused", "0xF6")


@pytest.fixture(scope="module")
def gpio_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _compile(tmp_path_factory.mktemp("elf"), "gpio", "0xF2")  # RSTPINCFG = GPIO


class Segment:
    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)


class FakeBackend:
    """Stands in for pymcuprog.backend.Backend: memories as bytearrays, failures on request."""

    def __init__(self, device_id: bytes = bytes([0x29, 0x93, 0x1E]), fail_session: Exception | None = None,
                 corrupt: str | None = None) -> None:
        self.device_id = device_id
        self.fail_session = fail_session
        self.corrupt = corrupt
        self.memories = {"flash": bytearray(b"\xff" * 8192), "eeprom": bytearray(b"\xff" * 128),
                         "fuses": bytearray(9)}
        self.calls: list[tuple] = []

    def connect_to_tool(self, connection: object) -> None:
        self.calls.append(("connect", connection))

    def start_session(self, session: object) -> None:
        self.calls.append(("start_session", session))
        if self.fail_session:
            raise self.fail_session

    def read_device_id(self) -> bytearray:
        return bytearray(self.device_id)

    def erase(self, memory: str, address: object = None) -> None:
        self.calls.append(("erase", memory))
        self.memories[memory][:] = b"\xff" * len(self.memories[memory])

    def write_memory(self, data: bytearray, memory: str, offset: int = 0) -> None:
        self.calls.append(("write", memory, offset, bytes(data)))
        self.memories[memory][offset: offset + len(data)] = data
        if memory == self.corrupt:
            self.memories[memory][offset] ^= 0x01

    def verify_memory(self, data: bytearray, memory: str, offset: int = 0) -> bool:
        return bytes(self.memories[memory][offset: offset + len(data)]) == bytes(data)

    def read_memory(self, memory: str, offset: int, numbytes: int) -> list[Segment]:
        return [Segment(bytes(self.memories[memory][offset: offset + numbytes]))]

    def end_session(self) -> None:
        self.calls.append(("end_session",))

    def disconnect_from_tool(self) -> None:
        self.calls.append(("disconnect",))


def factory_for(backend: FakeBackend, messages: list[str] | None = None):  # type: ignore[no-untyped-def]
    def make(port: str, baud: int) -> Programmer:
        return Programmer(port, baud, backend_factory=lambda: backend,
                          connection_factory=lambda p, b: ("serial", p, b),
                          session_factory=lambda d: ("session", d),
                          say=(messages.append if messages is not None else lambda _m: None))
    return make


def test_real_pymcuprog_objects_are_built_for_the_port() -> None:
    from pymcuprog.backend import SessionConfig
    from pymcuprog.toolconnection import ToolSerialConnection

    from ltobms.device import programmer
    conn = programmer._serial_connection("/dev/ttyUSB3", 57600)
    assert isinstance(conn, ToolSerialConnection)
    assert conn.serialport == "/dev/ttyUSB3" and conn.baudrate == 57600
    session = programmer._session_config("attiny824")
    assert isinstance(session, SessionConfig) and session.device == "attiny824"


def test_no_serial_port_is_a_one_line_error() -> None:
    # The real pymcuprog backend against a port that does not exist.
    with pytest.raises(ProgrammingError, match="/dev/ttyNOPE"):
        Programmer("/dev/ttyNOPE", 115200, say=lambda _m: None).open()


def test_fuses_come_from_the_elf_fuse_section(fused_elf: Path) -> None:
    firmware = fw.load_firmware(fused_elf)
    assert firmware.fuses is not None and firmware.fuses[1] == 0x54 and firmware.fuses[5] == 0xF6
    assert fw.writable_fuses(firmware) == {0: 0x00, 1: 0x54, 2: 0x7E, 5: 0xF6, 6: 0x07, 7: 0x00, 8: 0x00}
    assert firmware.flash[:2] != b"\xff\xff" and len(firmware.flash) < 8192


def test_fuses_that_disable_updi_are_refused(gpio_elf: Path) -> None:
    with pytest.raises(fw.UserError, match="SYSCFG0=0xF2"):
        fw.writable_fuses(fw.load_firmware(gpio_elf))


def test_fuses_command_programs_and_verifies(fused_elf: Path) -> None:
    backend = FakeBackend()
    args = argparse.Namespace(firmware=str(fused_elf), show=False, port="/dev/ttyUSB0", baud=115200)
    assert fuses.run(args, programmer_factory=factory_for(backend)) == 0
    written = [c for c in backend.calls if c[0] == "write"]
    assert [(c[2], c[3]) for c in written] == [(0, b"\x00"), (1, b"\x54"), (2, b"\x7e"), (5, b"\xf6"),
                                               (6, b"\x07"), (7, b"\x00"), (8, b"\x00")]
    assert backend.calls[0] == ("connect", ("serial", "/dev/ttyUSB0", 115200))
    assert backend.calls[-1] == ("disconnect",)


def test_flash_erases_flash_only_and_writes_image(fused_elf: Path) -> None:
    backend = FakeBackend()
    backend.memories["eeprom"][:20] = config.encode(config.defaults("LTO"))
    args = argparse.Namespace(firmware=str(fused_elf), fuses=False, port="/dev/ttyUSB1", baud=230400)
    assert flash.run(args, programmer_factory=factory_for(backend)) == 0
    image = fw.load_firmware(fused_elf).flash
    assert bytes(backend.memories["flash"][: len(image)]) == image
    assert ("erase", "flash") in backend.calls
    assert config.decode(bytes(backend.memories["eeprom"])).valid  # the serial number survives a reflash


def test_firmware_hex_from_make_is_accepted(root: Path, tmp_path: Path) -> None:
    hexfile = root / "build" / "lto-bms-LTO-revC.hex"
    elffile = root / "build" / "lto-bms-LTO-revC.elf"
    assert hexfile.exists(), "run make first"
    assert fw.load_firmware(hexfile).flash == fw.load_firmware(elffile).flash


def test_wrong_signature_is_refused(fused_elf: Path) -> None:
    backend = FakeBackend(device_id=bytes([0x0F, 0x95, 0x1E]))  # an ATmega328P
    with pytest.raises(ProgrammingError, match="1E 95 0F is not an ATtiny824 \\(1E 93 29\\)"):
        factory_for(backend)("/dev/ttyUSB0", 115200).open()
    assert not [c for c in backend.calls if c[0] == "write"]
    assert ("disconnect",) in backend.calls


def test_no_device_answering(fused_elf: Path) -> None:
    from pymcuprog.pymcuprog_errors import PymcuprogSerialUpdiError
    backend = FakeBackend(fail_session=PymcuprogSerialUpdiError("UPDI initialisation failed"))
    with pytest.raises(ProgrammingError, match="no UPDI device answered on /dev/ttyUSB0"):
        factory_for(backend)("/dev/ttyUSB0", 115200).open()


def test_locked_device_says_how_to_unlock() -> None:
    from pymcuprog.pymcuprog_errors import PymcuprogDeviceLockedError
    backend = FakeBackend(fail_session=PymcuprogDeviceLockedError("Device is locked"))
    with pytest.raises(ProgrammingError, match="is locked; .*--chip-erase-locked-device"):
        factory_for(backend)("/dev/ttyUSB0", 115200).open()


def test_verify_mismatch(fused_elf: Path) -> None:
    backend = FakeBackend(corrupt="eeprom")
    with factory_for(backend)("/dev/ttyUSB0", 115200) as programmer, \
            pytest.raises(ProgrammingError, match="verify failed: eeprom"):
        programmer.write_eeprom(config.encode(config.defaults("LTO")))


def test_eeprom_write_through_cli_reports_missing_port_in_one_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "ltobms", "eeprom", "--sn", "7", "--write", "--port",
                           "/dev/ttyNOPE"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "/dev/ttyNOPE" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_fuses_command_without_fuse_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "plain.c"
    src.write_text("int main(void) { for (;;) {} }\n")
    gcc = subprocess.run([sys.executable, "-m", "ltobms.toolchain", "gcc"], capture_output=True, text=True,
                         check=True).stdout.strip()
    elf = tmp_path / "plain.elf"
    subprocess.run([gcc, "-mmcu=attiny824", "-Os", "-o", str(elf), str(src)], check=True)
    assert cli.main(["fuses", str(elf), "--show"]) == 2
    assert "has no .fuse section" in capsys.readouterr().err


def test_fuses_show_lists_named_values(fused_elf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fuses", str(fused_elf), "--show"]) == 0
    out = capsys.readouterr().out
    assert "BODCFG   (fuse 1) = 0x54" in out and "SYSCFG0  (fuse 5) = 0xF6" in out


def test_manufacture_loop_retries_same_serial_and_records(fused_elf: Path, tmp_path: Path) -> None:
    good = FakeBackend()
    flaky = FakeBackend(corrupt="flash")
    boards = iter([good, flaky, FakeBackend(), FakeBackend()])
    used: list[FakeBackend] = []

    def make(port: str, baud: int) -> Programmer:
        backend = next(boards)
        used.append(backend)
        return factory_for(backend)(port, baud)

    record = tmp_path / "boards.csv"
    parser = argparse.ArgumentParser()
    manufacture.register(parser)
    args = parser.parse_args([str(fused_elf), "--start-sn", "41", "--count", "3", "--record", str(record),
                              "--chemistry", "NAION"])
    answers = iter(["", "", "", "", "q"])
    assert manufacture.run(args, programmer_factory=make, ask=lambda _p: next(answers)) == 0
    rows = record.read_text().splitlines()
    assert rows[0].startswith("time_utc,serial_number")
    results = [(r.split(",")[1], r.split(",")[3]) for r in rows[1:]]
    assert results == [("41", "ok"), ("42", "failed"), ("42", "ok"), ("43", "ok")]
    images = [config.decode(bytes(b.memories["eeprom"])) for b in (used[0], used[2], used[3])]
    assert [i.config.serial_number for i in images] == [41, 42, 43]
    assert all(i.valid and i.config.ovlo_cutoff == 3900 for i in images)
    assert manufacture.next_serial_from_record(record) == 44


def test_manufacture_stops_after_repeated_failures(fused_elf: Path, tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    manufacture.register(parser)
    record = tmp_path / "r.csv"
    args = parser.parse_args([str(fused_elf), "--start-sn", "1", "--yes", "--record", str(record)])
    with pytest.raises(UserError, match="failed 3 times in a row"):
        manufacture.run(args, programmer_factory=factory_for(FakeBackend(corrupt="fuses")))
    assert record.read_text().count(",failed,") == 3


def test_eeprom_write_keeps_the_rest_of_the_page() -> None:
    backend = FakeBackend()
    backend.memories["eeprom"][20:32] = bytes(range(1, 13))  # bytes the firmware may own
    image = config.encode(config.defaults("LTO").with_changes(serial_number=9))
    with factory_for(backend)("/dev/ttyUSB0", 115200) as programmer:
        programmer.write_eeprom(image)
    assert bytes(backend.memories["eeprom"][:20]) == image
    assert bytes(backend.memories["eeprom"][20:32]) == bytes(range(1, 13))
    writes = [c for c in backend.calls if c[0] == "write"]
    assert len(writes) == 1 and len(writes[0][3]) == 32


def test_real_pymcuprog_on_a_silent_port_reports_no_device() -> None:
    """The real pymcuprog Backend over a pty where no UPDI target echoes or answers."""
    import os
    import pty
    import tty

    from pymcuprog.toolconnection import ToolSerialConnection

    master, slave = pty.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    try:
        programmer = Programmer(name, 115200, say=lambda _m: None,
                                connection_factory=lambda p, b: ToolSerialConnection(p, b, timeout=0.1))
        with pytest.raises(ProgrammingError, match=f"no UPDI device answered on {name} at 115200 baud"):
            programmer.open()
        assert programmer.backend is None
    finally:
        os.close(master)
        os.close(slave)


def test_eeprom_write_then_read_through_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    from ltobms.commands import eeprom

    backend = FakeBackend()
    parser = argparse.ArgumentParser()
    eeprom.register(parser)
    assert eeprom.run(parser.parse_args(["--sn", "0x2a", "--temp-offset", "-4", "--write"]),
                      programmer_factory=factory_for(backend)) == 0
    assert config.decode(bytes(backend.memories["eeprom"])).config.serial_number == 42
    assert eeprom.run(parser.parse_args(["--read"]), programmer_factory=factory_for(backend)) == 0
    out = capsys.readouterr().out
    assert "42 (id=002a)" in out and "-4 K" in out and "image valid" in out
    erased = FakeBackend()
    assert eeprom.run(parser.parse_args(["--read"]), programmer_factory=factory_for(erased)) == 1
    assert "image INVALID" in capsys.readouterr().out
