"""Fixtures for the emulator's own tests: a per-worker build directory and a reusable Mcu."""

from __future__ import annotations

import pytest
from avr_build import Builder, Runner


@pytest.fixture(scope="session")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Builder:
    return Builder(tmp_path_factory.mktemp("avr-build"))


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner()
