"""deploy/: the compose file, provisioning and dashboard parse and use only fields the log line has."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ltobms.telemetry import MEASUREMENTS, REQUIRED_FIELDS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def env_keys(path: Path) -> set[str]:
    keys = set()
    for line in path.read_text().splitlines():
        match = re.match(r"\s*#?\s*([A-Z_]+)=", line)
        if match:
            keys.add(match.group(1))
    return keys


def test_compose_services_and_variables() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"influxdb", "grafana"}
    assert compose["services"]["influxdb"]["image"].startswith("influxdb:2")
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "docker-compose.yml").read_text()))
    assert used <= env_keys(DEPLOY / ".env.example")
    mounts = compose["services"]["grafana"]["volumes"]
    for mount in mounts:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).is_dir()


def test_logger_env_example_names_the_original_keys() -> None:
    keys = env_keys(DEPLOY.parent / ".env.example")
    assert {"INFLUXDB_URL", "INFLUXDB_TOKEN", "INFLUXDB_ORG", "INFLUXDB_BUCKET", "INFLUXDB_DATABASE"} <= keys


def test_dashboard_references_only_logged_fields() -> None:
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/influxdb.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/ltobms.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    dashboard = json.loads((DEPLOY / "grafana/dashboards/lto-bms.json").read_text())
    used_fields: set[str] = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == uid
        for target in panel["targets"]:
            used_fields |= set(re.findall(r'r\._field == "([^"]+)"', target["query"]))
            assert "${measurement}" in target["query"] and "r.id" in target["query"]
    assert used_fields <= set(REQUIRED_FIELDS)
    assert used_fields == set(REQUIRED_FIELDS)  # and every field of the line is on the dashboard
    measurement_var = next(v for v in dashboard["templating"]["list"] if v["name"] == "measurement")
    assert measurement_var["query"].split(",") == list(MEASUREMENTS)


def test_systemd_unit_runs_a_valid_log_command() -> None:
    import shlex

    from ltobms.cli import build_parser

    unit = (DEPLOY / "ltobms-log.service").read_text()
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_line.removeprefix("ExecStart="))
    assert argv[0].endswith("/ltobms") and argv[1] == "log"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "log" and args.port == "/dev/ttyUSB0" and args.baud == 9600
