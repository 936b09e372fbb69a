"""Logging into real servers started on 127.0.0.1: InfluxDB 1.x (v1 /write) and VictoriaMetrics (the
InfluxDB v2 write API through influxdb-client), including an outage with store and forward."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tk_servers import ServerProcess, influx1_points, victoria_samples

from ltobms.commands.log import TelemetryLogger
from ltobms.sinks import InfluxV1Sink, InfluxV2Sink, SinkUnavailable, SpoolingSink

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("servers")]
ROOT = Path(__file__).resolve().parents[2]


def board_line(i: int, serial: int = 6, state: str = "BMS_STATE_DISCHARGING") -> str:
    return (f"lto-bms,id={serial:04x} uptime={60 * i}i,v_batt={2500 + i}i,v_load={2490 + i}i,"
            f"current={40 + i}i,E_dis={i}i,E_chg=0i,charge={-i}i,temp=290i,gain=16i,state=\"{state}\"")


class Clock:
    """Host timestamps one minute apart, fixed by the test so it can check them exactly."""

    def __init__(self) -> None:
        self.now = (time.time_ns() // 1_000_000 - 3_600_000) * 1_000_000  # ms-aligned, an hour ago

    def __call__(self) -> int:
        self.now += 60_000_000_000
        return self.now


def run_log(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUXDB_")}
    return subprocess.run([sys.executable, str(ROOT / "tools" / "log.py"), *argv], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120)


def test_v1_import_through_dotenv_and_query_back(influxdb1: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"INFLUXDB_URL={influxdb1.url}\nINFLUXDB_DATABASE=bms\n")
    capture = tmp_path / "capture.log"
    lines = [board_line(i) for i in range(5)]
    capture.write_text("\n".join(lines[:3] + ["lto-bms,id=0006 uptime=1i,v_ba", "#dbg"] + lines[3:]) + "\n")
    proc = run_log(tmp_path, "--from-file", str(capture), "--start", "2026-01-01T00:00:00+00:00",
                   "--spool", str(tmp_path / "spool"))
    assert proc.returncode == 0, proc.stderr
    assert "InfluxDB v1" in proc.stderr and "5 stored, 1 rejected, 1 comment lines" in proc.stderr
    points = influx1_points(influxdb1)
    assert [p["v_batt"] for p in points] == [2500, 2501, 2502, 2503, 2504]
    assert points[0]["time"] == 1767225600 * 10**9 and points[1]["time"] == (1767225600 + 60) * 10**9
    assert points[0]["id"] == "0006" and points[0]["state"] == "BMS_STATE_DISCHARGING"
    # Importing the same capture again stores the same points, not new ones.
    assert run_log(tmp_path, "--from-file", str(capture), "--start", "2026-01-01T00:00:00+00:00",
                   "--spool", str(tmp_path / "spool")).returncode == 0
    assert len(influx1_points(influxdb1)) == 5


def test_v2_write_api_into_victoriametrics(victoria: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"INFLUXDB_URL={victoria.url}\nINFLUXDB_TOKEN=t0ken\nINFLUXDB_ORG=home\n"
                                   "INFLUXDB_BUCKET=bms\n")
    capture = tmp_path / "capture.log"
    clock = Clock()
    capture.write_text("".join(f"{board_line(i)} {clock()}\n" for i in range(4)) + "garbage\n")
    proc = run_log(tmp_path, "--from-file", str(capture), "--spool", str(tmp_path / "spool"))
    assert proc.returncode == 0, proc.stderr
    assert "InfluxDB v2" in proc.stderr and "4 stored, 1 rejected" in proc.stderr
    samples = victoria_samples(victoria, "lto-bms_v_batt")
    assert [v for _, v in samples] == [2500, 2501, 2502, 2503]
    first_ns = int(capture.read_text().split()[2])
    assert samples[0][0] == first_ns // 1_000_000


@pytest.mark.parametrize("kind", ["v1", "v2"])
def test_outage_spools_and_replays_exactly_once(kind: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    server: ServerProcess = request.getfixturevalue("influxdb1" if kind == "v1" else "victoria")

    def make_sink() -> InfluxV1Sink | InfluxV2Sink:
        if kind == "v1":
            return InfluxV1Sink(server.url, "bms", timeout=2)
        return InfluxV2Sink(server.url, "t0ken", "home", "bms", timeout_ms=2000)

    def stored() -> list[int]:
        if kind == "v1":
            return [int(p["v_batt"]) for p in influx1_points(server)]  # type: ignore[call-overload]
        return [int(v) for _, v in victoria_samples(server, "lto-bms_v_batt")]

    clock = Clock()
    spool_dir = tmp_path / "spool"
    err = io.StringIO()
    logger = TelemetryLogger([SpoolingSink(make_sink(), spool_dir, retry_interval_s=0)], out=io.StringIO(),
                             err=err, clock=clock)
    for i in range(3):
        assert logger.handle_line(board_line(i)) is not None
    assert stored() == [2500, 2501, 2502]

    server.stop()
    outage = 7
    for i in range(3, 3 + outage):
        logger.handle_line(board_line(i))
    assert "not accepting writes" in err.getvalue()
    assert logger.sinks[0].pending == outage
    logger.close()  # the logger is restarted during the outage ...

    logger = TelemetryLogger([SpoolingSink(make_sink(), spool_dir, retry_interval_s=0)], out=io.StringIO(),
                             err=err, clock=clock)
    logger.handle_line(board_line(10))  # ... and keeps spooling behind the older records
    assert logger.sinks[0].pending == outage + 1

    server.start()
    logger.tick()
    assert logger.sinks[0].pending == 0
    assert "reachable again" in err.getvalue()
    logger.handle_line(board_line(11))
    logger.close()
    assert stored() == [2500 + i for i in range(12)]  # all, in order, each exactly once


def test_replayed_batch_is_not_duplicated(influxdb1: ServerProcess, tmp_path: Path) -> None:
    """A crash after the server accepted a batch but before the spool noted it: the batch goes again."""
    clock = Clock()
    spool_dir = tmp_path / "spool"
    sink = SpoolingSink(InfluxV1Sink(influxdb1.url, "bms"), spool_dir)
    logger = TelemetryLogger([sink], out=io.StringIO(), err=io.StringIO(), clock=clock)
    for i in range(4):
        logger.handle_line(board_line(i))
    # Simulate the lost bookkeeping: put the delivered lines back into the spool and rewind it.
    stamps = [clock.now - (3 - i) * 60_000_000_000 for i in range(4)]
    records = [logger.accept(board_line(i), time_ns=stamps[i]) for i in range(4)]
    lines = [r.to_line_protocol() for r in records if r is not None]
    (spool_dir / "spool.lp").write_text("".join(line + "\n" for line in lines))
    (spool_dir / "spool.offset").write_text("0\n")
    logger.close()
    restarted = SpoolingSink(InfluxV1Sink(influxdb1.url, "bms"), spool_dir)
    assert restarted.flush() and restarted.delivered == 4
    assert [p["v_batt"] for p in influx1_points(influxdb1)] == [2500, 2501, 2502, 2503]


def test_v1_with_authentication(influxdb1_auth: ServerProcess, tmp_path: Path) -> None:
    clock = Clock()
    wrong = InfluxV1Sink(influxdb1_auth.url, "bms", "admin", "wrong")
    record = TelemetryLogger([], out=io.StringIO(), err=io.StringIO(), clock=clock).accept(board_line(0))
    assert record is not None
    with pytest.raises(SinkUnavailable, match="HTTP 401"):
        wrong.write([record])
    (tmp_path / ".env").write_text(f"INFLUXDB_URL={influxdb1_auth.url}\nINFLUXDB_DATABASE=bms\n"
                                   "INFLUXDB_USER=admin\nINFLUXDB_PASSWORD=s3cret\n")
    capture = tmp_path / "capture.log"
    capture.write_text(f"{board_line(1)} {clock()}\n")
    proc = run_log(tmp_path, "--from-file", str(capture), "--spool", str(tmp_path / "spool"))
    assert proc.returncode == 0, proc.stderr
    points = influx1_points(influxdb1_auth, credentials={"u": "admin", "p": "s3cret"})
    assert [p["v_batt"] for p in points] == [2501]
