"""Real host software against the emulated firmware: Adafruit's CircuitPython INA260 driver (from
PyPI, unmodified), and the Linux ina2xx and Meshtastic sequences replayed from their sources. The
benches and images are the firmware tests' (tests/firmware); the platform adapters are here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware"))

from fw_images import ImageBuilder, session_builder  # noqa: E402
from host_buses import install_busio  # noqa: E402

install_busio()  # before anything imports Adafruit's driver stack


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> ImageBuilder:
    return session_builder(tmp_path_factory)
