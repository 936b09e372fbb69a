"""Real servers for the logging tests: InfluxDB 1.x (Debian `influxdb`) and VictoriaMetrics (Debian
`victoria-metrics`, for the InfluxDB v2 write API), each on 127.0.0.1 with a temp data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from tk_servers import ServerProcess, ensure_binary, free_port, http


def start_influxdb1(tmp_path: Path, auth: bool) -> ServerProcess:
    binary = ensure_binary("influxd", "influxdb")
    port, meta_port = free_port(), free_port()
    root = tmp_path / "influxdb"
    conf = tmp_path / "influxdb.conf"
    conf.write_text(f"""
reporting-disabled = true
bind-address = "127.0.0.1:{meta_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  log-enabled = false
  auth-enabled = {"true" if auth else "false"}
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
""")
    server = ServerProcess([binary, "run", "-config", str(conf)], f"http://127.0.0.1:{port}", "/ping",
                           tmp_path / "influxd.log")
    server.start()
    credentials = {}
    if auth:
        # With auth on and no users yet, InfluxDB accepts exactly this: creating the first admin.
        query = "CREATE USER admin WITH PASSWORD 's3cret' WITH ALL PRIVILEGES"
        status, body = http("POST", server.url + "/query?" + urlencode({"q": query}))
        assert status == 200, body
        credentials = {"u": "admin", "p": "s3cret"}
    create = urlencode({"q": "CREATE DATABASE bms", **credentials})
    status, body = http("POST", server.url + "/query?" + create)
    assert status == 200, body
    return server


@pytest.fixture
def influxdb1(tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_influxdb1(tmp_path, auth=False)
    yield server
    server.stop()


@pytest.fixture
def influxdb1_auth(tmp_path: Path) -> Iterator[ServerProcess]:
    """InfluxDB 1.x with authentication: user admin, password s3cret."""
    server = start_influxdb1(tmp_path, auth=True)
    yield server
    server.stop()


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[ServerProcess]:
    binary = ensure_binary("victoria-metrics", "victoria-metrics")
    port = free_port()
    # Deduplication at 1 ms makes VictoriaMetrics treat (series, timestamp) as the point identity, as
    # InfluxDB does; the logger relies on that for idempotent replays.
    server = ServerProcess([binary, f"-storageDataPath={tmp_path / 'vm'}",
                            f"-httpListenAddr=127.0.0.1:{port}", "-dedup.minScrapeInterval=1ms",
                            "-loggerLevel=ERROR"],
                           f"http://127.0.0.1:{port}", "/health", tmp_path / "vm.log")
    server.start()
    yield server
    server.stop()


