"""SQLite sink, spool bookkeeping, logger settings (.env, environment, options)."""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ltobms import cli, telemetry
from ltobms.commands import log as log_cmd
from ltobms.errors import UserError
from ltobms.sinks import InfluxV1Sink, InfluxV2Sink, SinkUnavailable, SpoolingSink, SqliteSink

LINE = ('nai-bms,id=00ff uptime={u}i,v_batt=3500i,v_load=3490i,current=12i,E_dis=1i,E_chg=2i,charge=3i,'
        'temp=280i,gain=2i,state="BMS_STATE_IDLE"')


def record(u: int, t: int, extra: str = "") -> telemetry.Record:
    return telemetry.parse_line(LINE.format(u=u) + extra, time_ns=t)


def test_sqlite_round_trip_keeps_extra_fields(tmp_path: Path) -> None:
    sink = SqliteSink(tmp_path / "a" / "t.sqlite")
    recs = [record(60, 2_000, ',soc=0.75,cycles=4i'), record(0, 1_000)]
    sink.write(recs)
    back = sink.records()
    assert [r.time_ns for r in back] == [1_000, 2_000]
    assert back[1] == recs[0] and back[1].fields["soc"] == 0.75 and back[1].fields["cycles"] == 4
    assert sink.records(since_ns=1_500) == [recs[0]]
    assert sink.records(serial_id="0006") == []


def test_sqlite_same_point_twice_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    sink = SqliteSink(path)
    sink.write([record(0, 5)])
    sink.write([record(0, 5), record(60, 6)])
    assert sink.count() == 2
    sink.close()
    # A plain SQLite client sees one column per §4.2 field.
    query = 'SELECT v_batt, "E_chg", state FROM telemetry WHERE time_ns=5'
    row = sqlite3.connect(path).execute(query).fetchone()
    assert row == (3500, 2, "BMS_STATE_IDLE")


def test_sinks_refuse_unstamped_records(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        SqliteSink(tmp_path / "t.sqlite").write([telemetry.parse_line(LINE.format(u=1))])


def test_unreachable_servers_raise_sink_unavailable() -> None:
    with pytest.raises(SinkUnavailable, match="127.0.0.1:9"):
        InfluxV1Sink("http://127.0.0.1:9", "db", timeout=1).write([record(0, 1)])
    with pytest.raises(SinkUnavailable, match="127.0.0.1:9"):
        InfluxV2Sink("http://127.0.0.1:9", "t", "o", "b", timeout_ms=1000).write([record(0, 1)])


def test_spool_keeps_records_and_repairs_a_torn_append(tmp_path: Path) -> None:
    spool = SpoolingSink(InfluxV1Sink("http://127.0.0.1:9", "db", timeout=1), tmp_path / "s")
    spool.write([record(0, 1), record(60, 2)])
    assert spool.pending == 2 and spool.last_error and "127.0.0.1:9" in spool.last_error
    with (tmp_path / "s" / "spool.lp").open("ab") as handle:
        handle.write(b"nai-bms,id=00ff uptime=120i,v_b")  # power cut in the middle of an append
    with pytest.raises(UserError, match="in use by another logger"):
        SpoolingSink(InfluxV1Sink("http://127.0.0.1:9", "db"), tmp_path / "s")
    spool.close()
    again = SpoolingSink(InfluxV1Sink("http://127.0.0.1:9", "db", timeout=1), tmp_path / "s")
    assert again.pending == 2
    again.write([record(120, 3)])
    lines = (tmp_path / "s" / "spool.lp").read_text().splitlines()
    assert [telemetry.parse_line(line).time_ns for line in lines] == [1, 2, 3]


def args_for(tmp_path: Path, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    log_cmd.register(parser)
    return parser.parse_args(["--env-file", str(tmp_path / ".env"), *argv])


def test_settings_precedence_options_over_environment_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("INFLUXDB_URL=http://from-file:8086\nINFLUXDB_ORG=file-org\n"
                                   "INFLUXDB_BUCKET=file-bucket\nINFLUXDB_TOKEN=file-token\n")
    env = {"INFLUXDB_ORG": "env-org"}
    settings = log_cmd.load_settings(args_for(tmp_path, "--influx-bucket", "cli-bucket"), env)
    assert settings["INFLUXDB_URL"] == "http://from-file:8086"
    assert settings["INFLUXDB_ORG"] == "env-org"
    assert settings["INFLUXDB_BUCKET"] == "cli-bucket"
    assert settings["INFLUXDB_TOKEN"] == "file-token"


def test_no_settings_means_sqlite_and_says_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    sinks, where = log_cmd.build_sinks(args_for(tmp_path), {})
    assert [type(s) for s in sinks] == [SqliteSink]
    assert where == f"storing to SQLite {tmp_path / 'data' / 'ltobms' / 'telemetry.sqlite'}"


def test_v1_selected_by_database_and_v2_needs_all_keys(tmp_path: Path) -> None:
    sinks, where = log_cmd.build_sinks(args_for(tmp_path, "--spool", str(tmp_path / "sp")),
                                       {"INFLUXDB_URL": "http://h:8086", "INFLUXDB_DATABASE": "bms"})
    assert isinstance(sinks[0], SpoolingSink) and isinstance(sinks[0].inner, InfluxV1Sink)
    assert "InfluxDB v1 http://h:8086 database bms" in where
    with pytest.raises(UserError, match="INFLUXDB_TOKEN, INFLUXDB_BUCKET is missing"):
        log_cmd.build_sinks(args_for(tmp_path), {"INFLUXDB_URL": "http://h:8086", "INFLUXDB_ORG": "o"})


def test_log_without_port_is_a_user_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "ltobms", "log", "--sqlite", str(tmp_path / "x.sqlite")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "give the serial PORT" in proc.stderr and "Traceback" not in proc.stderr


def test_from_file_import_is_idempotent_and_uptime_spaced(tmp_path: Path) -> None:
    capture = tmp_path / "c.log"
    capture.write_text("\n".join(LINE.format(u=u) for u in (100, 160, 40)) + "\n")  # reboot before the 3rd
    db = tmp_path / "t.sqlite"
    for _ in range(2):
        assert cli.main(["log", "--from-file", str(capture), "--sqlite", str(db), "--quiet",
                         "--env-file", str(tmp_path / "none"), "--start", "2026-03-01T00:00:00+00:00"]) == 0
    times = [r.time_ns for r in SqliteSink(db).records()]
    base = 1772323200 * 10**9
    assert times == [base, base + 60 * 10**9, base + 120 * 10**9]


def test_spool_retries_with_backoff_while_idle(tmp_path: Path) -> None:
    now = [0.0]
    inner = InfluxV1Sink("http://127.0.0.1:9", "db", timeout=1)
    spool = SpoolingSink(inner, tmp_path / "s", retry_interval_s=5, max_retry_interval_s=20,
                         clock=lambda: now[0])
    spool.write([record(0, 1)])  # fails at t=0: next try at 5, then 10 later, then 20, capped at 20
    attempts = []
    original = inner.write

    def counting(records):  # type: ignore[no-untyped-def]
        attempts.append(now[0])
        return original(records)

    inner.write = counting  # type: ignore[method-assign]
    for step in range(0, 80):
        now[0] = float(step)
        spool.tick()
    assert attempts == [5.0, 15.0, 35.0, 55.0, 75.0]
    assert spool.pending == 1
