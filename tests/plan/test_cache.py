"""The cache key: what decides a run changes it, what only labels a run does not; stored results come
back, incomplete ones are never stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ltobms.plan.cache import RunCache, run_key, twin_digest

SCENARIO = {"name": "a", "days": 1.0, "start": dt.datetime(2026, 12, 1),
            "pack": {"cells_parallel": 2, "soc": 0.9}}


def test_the_key_follows_what_decides_the_run() -> None:
    base = run_key("fw1", SCENARIO, None)
    assert run_key("fw1", dict(SCENARIO), None) == base
    assert run_key("fw1", {**SCENARIO, "name": "renamed"}, None) == base  # a label
    assert run_key("fw1", {**SCENARIO, "days": 1}, None) == base  # 1 and 1.0 are the same run
    assert run_key("fw2", SCENARIO, None) != base  # another firmware image
    assert run_key("fw1", {**SCENARIO, "pack": {"cells_parallel": 3, "soc": 0.9}}, None) != base
    assert run_key("fw1", {**SCENARIO, "start": dt.datetime(2026, 12, 2)}, None) != base
    assert run_key("fw1", SCENARIO, "weather-digest") != base  # another weather file's contents
    assert len(twin_digest()) == 64


def test_stored_results_come_back_and_incomplete_ones_are_not_stored(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "c")
    assert cache.get("k" * 64) is None
    cache.put({"key": "k" * 64, "complete": False, "x": 1})
    assert cache.get("k" * 64) is None and cache.stored == 0
    cache.put({"key": "k" * 64, "complete": True, "x": 1, "margin": float("inf")})
    assert cache.get("k" * 64) == {"key": "k" * 64, "complete": True, "x": 1, "margin": float("inf")}
    assert cache.hits == 1 and cache.stored == 1
    (tmp_path / "c" / "kk" / ("k" * 64 + ".json")).write_text("{ broken")
    assert cache.get("k" * 64) is None  # unreadable: run it again
    off = RunCache(None)
    off.put({"key": "z", "complete": True})
    assert off.get("z") is None
