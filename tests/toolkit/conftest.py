"""Real servers for the logging tests: InfluxDB 1.x (Debian `influxdb`) and VictoriaMetrics (Debian
`victoria-metrics`, for the InfluxDB v2 write API), each on 127.0.0.1 with a temp data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from tk_servers import ServerProcess, ensure_binary, free_port, http


@pytest.fixture
def influxdb1(tmp_path: Path) -> Iterator[ServerProcess]:
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
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
""")
    server = ServerProcess([binary, "run", "-config", str(conf)], f"http://127.0.0.1:{port}", "/ping",
                           tmp_path / "influxd.log")
    server.start()
    status, body = http("POST", server.url + "/query?" + urlencode({"q": "CREATE DATABASE bms"}))
    assert status == 200, body
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


