"""Fixtures for the firmware proofs: images built once per session (per xdist worker)."""

from __future__ import annotations

import pytest
from fw_images import ImageBuilder, session_builder


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> ImageBuilder:
    return session_builder(tmp_path_factory)
