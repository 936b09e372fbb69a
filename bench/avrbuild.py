"""Builds a small C program for the ATtiny824 with the project's toolchain (for the emulator benches)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ltobms import toolchain


def build_elf(source: str, name: str, out_dir: Path | None = None) -> Path:
    """Compile and link `source` (one C file) with -Os; returns the ELF path."""
    out = Path(out_dir or tempfile.mkdtemp(prefix="ltobms-bench-"))
    src = out / f"{name}.c"
    elf = out / f"{name}.elf"
    src.write_text(source)
    subprocess.run(
        [str(toolchain.find_gcc()), f"-mmcu={toolchain.MCU}", "-std=gnu11", "-Os", "-Wall", "-Werror",
         str(src), "-o", str(elf)],
        check=True, capture_output=True, text=True,
    )
    return elf
