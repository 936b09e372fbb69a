"""Results on disk, one JSON file per run, keyed by what decides the result: the firmware image, the
twin's own code (the models and the emulator, so a model fix never serves a stale answer), the
reduction to metrics, the run's scenario and its weather file's contents. An interrupted or extended
sweep finds every run that already finished; only complete runs are stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ltobms.atomicfile import write_atomic

FORMAT = 1  # of the stored result; bump when its fields change
TWIN_PACKAGES = ("sim", "avr", "plan")
TWIN_SUFFIXES = (".py", ".c", ".h", ".toml")


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ltobms" / "plan"


@lru_cache(maxsize=1)
def twin_digest() -> str:
    """A digest of the twin's code: every source file of ltobms.sim, ltobms.avr and ltobms.plan."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for package in TWIN_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in TWIN_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 2 and 2.0 are the same run
    return value


# Scenario keys that only label a run: renaming a plan must not run it again.
LABEL_KEYS = ("name", "description")


def run_key(firmware_digest: str, scenario: dict[str, Any], weather_digest: str | None) -> str:
    decisive = {k: v for k, v in scenario.items() if k not in LABEL_KEYS}
    material = {"format": FORMAT, "twin": twin_digest(), "firmware": firmware_digest,
                "weather": weather_digest, "scenario": _canonical(decisive)}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class RunCache:
    """`get(key)` → the stored result or None; `put(result)` stores a complete one."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.hits = 0
        self.stored = 0

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.directory is None:
            return None
        try:
            result = json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None  # missing or unreadable: run it again
        if result.get("key") != key or not result.get("complete"):
            return None
        self.hits += 1
        return result

    def put(self, result: dict[str, Any]) -> None:
        if self.directory is None or not result.get("complete"):
            return
        path = self._path(result["key"])
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(result, default=float) + "\n")
        self.stored += 1
