"""Builds firmware images for the tests, once per test session, into a private directory.

Each pytest-xdist worker builds its own copy with the project's firmware Makefile (same sources,
same flags as `make`), so parallel workers never race on `build/`. Every test folder that runs the
firmware (tests/firmware, tests/hosts) takes the worker's one builder from `session_builder`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ltobms import toolchain

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = ROOT / "firmware"


def avr_gcc() -> str:
    return str(toolchain.find_gcc())


def avr_tool(name: str) -> str:
    return str(toolchain.tool(name))


@dataclass(frozen=True)
class Variant:
    chemistry: str
    board: str
    debug: bool = False

    @property
    def name(self) -> str:
        return f"lto-bms-{self.chemistry}-{self.board}{'-debug' if self.debug else ''}"


class ImageBuilder:
    """Builds variants on demand into `build_dir`; remembers what it built."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self._gcc = avr_gcc()
        self._built: dict[Variant, Path] = {}

    def elf(self, variant: Variant) -> Path:
        if variant not in self._built:
            subprocess.run(
                ["make", "--no-print-directory", "-C", str(FIRMWARE_DIR),
                 f"CHEMISTRY={variant.chemistry}", f"BOARD={variant.board}",
                 f"DEBUG={int(variant.debug)}", f"AVR_GCC={self._gcc}", f"BUILD={self.build_dir}",
                 "FW_VERSION=test", "all"],
                check=True, capture_output=True, text=True,
            )
            self._built[variant] = self.build_dir / f"{variant.name}.elf"
        return self._built[variant]


_session: ImageBuilder | None = None


def session_builder(tmp_path_factory) -> ImageBuilder:  # noqa: ANN001 - pytest.TempPathFactory
    """The test process's builder: each variant is built once, whichever folder asks first."""
    global _session
    if _session is None:
        _session = ImageBuilder(tmp_path_factory.mktemp("firmware-build"))
    return _session
