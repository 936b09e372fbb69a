"""`ltobms read` (INA260 registers over I2C) and `ltobms plot`."""

from __future__ import annotations

import argparse
import errno
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from ltobms import cli
from ltobms.commands import read as read_cmd
from ltobms.device.ina260 import Ina260
from ltobms.errors import UserError
from ltobms.sinks import SqliteSink
from ltobms.telemetry import parse_line


class KernelI2cBus:
    """What smbus2 returns for an SMBus word read: the first byte on the wire is the low byte."""

    def __init__(self, registers: dict[int, int], present: bool = True) -> None:
        self.registers = registers
        self.present = present
        self.closed = False

    def read_word_data(self, address: int, register: int) -> int:
        if not self.present:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        wire = struct.pack(">H", self.registers[register])  # the INA260 sends MSB first
        return struct.unpack("<H", wire)[0]

    def close(self) -> None:
        self.closed = True


REGISTERS = {0xFE: 0x5449, 0xFF: 0x2270, 0x01: (-208) & 0xFFFF, 0x02: 1920, 0x03: 48}


def test_read_decodes_big_endian_registers() -> None:
    reading = Ina260(KernelI2cBus(REGISTERS)).read()
    assert reading.voltage_v == pytest.approx(1920 * 0.00125)
    assert reading.current_a == pytest.approx(-208 * 0.00125)
    assert reading.power_w == pytest.approx(0.48)
    assert (reading.manufacturer_id, reading.die_id) == (0x5449, 0x2270)


def test_read_command_prints_values(capsys: pytest.CaptureFixture[str]) -> None:
    bus = KernelI2cBus(REGISTERS)
    args = argparse.Namespace(bus="1", address="0x41", watch=True, interval=0.0)
    assert read_cmd.run(args, device=Ina260(bus), reads=2) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["voltage 2.4000 V  current -260.00 mA  power 480 mW"] * 2
    assert bus.closed


def test_no_device_and_wrong_device() -> None:
    with pytest.raises(UserError, match="no device answered at 0x41"):
        Ina260(KernelI2cBus(REGISTERS, present=False)).read()
    with pytest.raises(UserError, match="manufacturer ID 0x1234"):
        Ina260(KernelI2cBus({**REGISTERS, 0xFE: 0x1234})).read()


@pytest.mark.parametrize(("argv", "needle"), [(["--bus", "97"], "/dev/i2c-97 does not exist"),
                                              (["--address", "0x90"], "address=0x90")])
def test_read_user_errors(argv: list[str], needle: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "ltobms", "read", *argv], capture_output=True, text=True)
    assert proc.returncode == 2 and needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


LINE = ('lto-bms,id={id} uptime={u}i,v_batt=2500i,v_load=2500i,current=30i,E_dis=1i,E_chg=2i,charge=3i,'
        'temp=290i,gain=16i,state="{s}"')


def test_plot_from_sqlite_one_png_per_board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "t.sqlite"
    sink = SqliteSink(db)
    for board in ("0001", "0002"):
        sink.write([parse_line(LINE.format(id=board, u=60 * i, s="BMS_STATE_UVLO" if i > 5 else
                                           "BMS_STATE_DISCHARGING"), time_ns=(i + 1) * 60 * 10**9)
                    for i in range(10)])
    sink.close()
    assert cli.main(["plot", str(db), "-o", str(tmp_path / "png")]) == 0
    written = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert written == ["lto-bms-0001.png", "lto-bms-0002.png"]
    assert (tmp_path / "png" / written[0]).read_bytes()[:4] == b"\x89PNG"


def test_plot_from_capture_file(tmp_path: Path) -> None:
    capture = tmp_path / "c.log"
    capture.write_text("".join(LINE.format(id="0009", u=i, s="BMS_STATE_IDLE") + f" {i * 10**9}\n"
                               for i in range(1, 6)) + "junk\n")
    assert cli.main(["plot", str(capture), "-o", str(tmp_path), "--id", "0009"]) == 0
    assert (tmp_path / "lto-bms-0009.png").stat().st_size > 5000
    assert cli.main(["plot", str(capture), "-o", str(tmp_path), "--id", "0010"]) == 2
    assert cli.main(["plot", str(tmp_path / "missing.sqlite")]) == 2


def test_plot_raw_capture_without_timestamps(tmp_path: Path) -> None:
    capture = tmp_path / "raw.log"
    capture.write_text("".join(LINE.format(id=board, u=60 * i, s="BMS_STATE_IDLE") + "\r\n"
                               for i in range(6) for board in ("0001", "0002")))
    assert cli.main(["plot", str(capture), "-o", str(tmp_path / "png")]) == 0
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["lto-bms-0001.png", "lto-bms-0002.png"]
