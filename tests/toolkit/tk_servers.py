"""Helpers for the real-server logging tests: InfluxDB 1.x (Debian `influxdb`) and VictoriaMetrics (Debian
`victoria-metrics`, for the InfluxDB v2 write API), each on 127.0.0.1 with a temp data directory.
A missing binary is installed with apt-get; if that fails the test fails loudly."""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_binary(binary: str, package: str) -> str:
    path = shutil.which(binary)
    if path:
        return path
    # pytest-xdist workers may install at the same moment: one apt-get at a time (dpkg's own lock
    # would make the second one fail instead of waiting).
    with open("/tmp/ltobms-tests-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = shutil.which(binary)
        if path:
            return path
        update = subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        install = subprocess.run(["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", package],
                                 capture_output=True, text=True, env=env)
    path = shutil.which(binary)
    if not path:
        pytest.fail(f"cannot install Debian package {package} for {binary}: {update.stderr[-300:]} "
                    f"{install.stderr[-500:]}")
    return path


def http(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class ServerProcess:
    """A server we can stop and start again on the same port and data directory (the outage)."""

    def __init__(self, argv: list[str], url: str, ready_path: str, log: Path) -> None:
        self.argv = argv
        self.url = url
        self.ready_path = ready_path
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(self.argv, stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.argv[0]} exited: {self.log.read_text()[-2000:]}")
            try:
                status, _ = http("GET", self.url + self.ready_path)
                if status in (200, 204):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{self.argv[0]} did not become ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def influx1_points(server: ServerProcess, measurement: str = "lto-bms",
                   credentials: dict[str, str] | None = None) -> list[dict[str, object]]:
    query = urllib.parse.urlencode({"db": "bms", "epoch": "ns", "q": f'SELECT * FROM "{measurement}"',
                                    **(credentials or {})})
    status, body = http("GET", server.url + "/query?" + query)
    assert status == 200, body
    result = json.loads(body)["results"][0]
    if "series" not in result:
        return []
    series = result["series"][0]
    return [dict(zip(series["columns"], values, strict=True)) for values in series["values"]]


def victoria_samples(server: ServerProcess, metric: str) -> list[tuple[int, float]]:
    """(timestamp ms, value) of every stored sample of `metric` (named measurement_field)."""
    http("GET", server.url + "/internal/force_flush")
    query = urllib.parse.urlencode({"match[]": f'{{__name__="{metric}"}}'})
    status, body = http("GET", server.url + "/api/v1/export?" + query)
    assert status == 200, body
    samples: list[tuple[int, float]] = []
    for line in body.decode().splitlines():
        if line.strip():
            row = json.loads(line)
            samples += list(zip(row["timestamps"], row["values"], strict=True))
    return sorted(samples)
