"""`ltobms log PORT` against a pty pair carrying the bytes a board sends: garbage and cut lines are
rejected and counted, comments shown, good lines stored in SQLite; an unplugged port is reopened."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

from ltobms.commands.log import TelemetryLogger, follow_serial
from ltobms.sinks import SqliteSink

ROOT = Path(__file__).resolve().parents[2]


def board_line(i: int) -> bytes:
    return (f"lto-bms,id=002a uptime={60 * i}i,v_batt={2700 + i}i,v_load=2690i,current=-{300 + i}i,E_dis=5i,"
            f"E_chg={10 + i}i,charge=-{i}i,temp=301i,gain=4i,state=\"BMS_STATE_CHARGING\"\r\n").encode()


def open_pty() -> tuple[int, str]:
    master, slave = pty.openpty()
    tty.setraw(slave)  # no echo or line editing: the slave behaves like a USB-UART
    name = os.ttyname(slave)
    os.close(slave)
    return master, name


def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def wait_until_reading(proc: subprocess.Popen[str]) -> list[str]:
    """Block until the logger has opened the port (pyserial drops input that arrived before)."""
    seen = []
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        assert line, f"logger ended early: {seen}"
        seen.append(line)
        if line.startswith("reading "):
            return seen


def test_cli_over_pty_stores_good_lines_and_counts_bad(tmp_path: Path) -> None:
    master, port = open_pty()
    db = tmp_path / "bms.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUXDB_")}
    argv = [sys.executable, "-m", "ltobms", "log", port, "--sqlite", str(db), "--count", "3"]
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        early = wait_until_reading(proc)
        stream = (b"\xff\xfe\x00garbage\r\n" + board_line(0) + b"# DEBUG adc raw=1234\r\n"
                  + board_line(1)[:50] + b"\r\n"   # a line cut short by a reset
                  + board_line(1) + b"lto-bms,id=002a uptime=1i\r\n" + board_line(2))
        for start in range(0, len(stream), 7):  # in small pieces, as a UART delivers them
            os.write(master, stream[start: start + 7])
            time.sleep(0.002)
        out, err = proc.communicate(timeout=30)
        err = "".join(early) + err
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 0, err
    assert f"storing to SQLite {db}" in err
    assert "3 stored, 3 rejected, 1 comment lines" in err
    assert "# DEBUG adc raw=1234" in err
    stored = SqliteSink(db).records()
    assert [r.fields["v_batt"] for r in stored] == [2700, 2701, 2702]
    assert all(r.tags["id"] == "002a" and r.time_ns for r in stored)
    assert len(out.strip().splitlines()) == 3 and out.splitlines()[0].endswith(str(stored[0].time_ns))


def test_serial_port_unplugged_and_back(tmp_path: Path) -> None:
    # A stable name (like /dev/serial/by-id/...) that points at whichever pty is "plugged in".
    link = tmp_path / "ttyBMS"
    master, name = open_pty()
    link.symlink_to(name)
    sink = SqliteSink(tmp_path / "bms.sqlite")
    err = io.StringIO()
    logger = TelemetryLogger([sink], out=io.StringIO(), err=err)
    stop = threading.Event()
    worker = threading.Thread(target=follow_serial, args=(str(link), 9600, logger, stop, 4), daemon=True)
    worker.start()
    wait_for(lambda: "reading " in err.getvalue())
    os.write(master, board_line(0) + board_line(1) + board_line(2)[:40])  # unplugged mid-line
    wait_for(lambda: logger.stats.accepted == 2)
    os.close(master)
    wait_for(lambda: "lost" in err.getvalue())
    master, name = open_pty()
    link.unlink()
    link.symlink_to(name)
    wait_for(lambda: "reconnected" in err.getvalue())
    os.write(master, board_line(2)[40:] + board_line(3) + board_line(4))  # tail of the cut line first
    worker.join(timeout=20)
    stop.set()
    os.close(master)
    assert not worker.is_alive()
    assert [r.fields["v_batt"] for r in sink.records()] == [2700, 2701, 2703, 2704]
    assert logger.stats.rejected == 1  # the orphaned tail; the cut head was dropped at the break


def test_missing_port_is_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "log.py"), "/dev/ttyNOPE", "--sqlite",
                           str(tmp_path / "x.sqlite")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "cannot open serial port /dev/ttyNOPE" in proc.stderr and "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if "error" in line] == [proc.stderr.splitlines()[-1]]


def test_sigterm_ends_the_logger_with_a_summary(tmp_path: Path) -> None:
    import signal

    master, port = open_pty()
    db = tmp_path / "bms.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "ltobms", "log", port, "--sqlite", str(db)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_reading(proc)
        os.write(master, board_line(5))
        wait_for(lambda: db.exists() and SqliteSink(db).count() == 1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 130
    assert "1 stored, 0 rejected, 0 comment lines" in err and "Traceback" not in err
