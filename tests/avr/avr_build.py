"""Builds small ATtiny824 programs for the emulator's own tests with the project's toolchain, and runs
them on one reused `Mcu` (constructing an Mcu costs far more than running a short program).

* `Builder.asm(body)`: bare assembly (no vectors, no C runtime) placed at address 0; the caller's
  code usually ends in `break`.
* `Builder.c(source, header)`: a C program built like the firmware (-mmcu=attiny824 -Os) with an
  optional generated header `case.h` (inputs and expected values computed in Python).

Images are cached by their text, so a test module builds each program once per worker.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from ltobms import toolchain
from ltobms.avr.mcu import Mcu

MCU = "attiny824"
CORPUS = Path(__file__).resolve().parent / "corpus"
# The corpus convention: GPIOR0 holds the result (1 = pass, n = check n failed), then BREAK.
GPIOR0 = 0x1C
PASS = 1
HZ = 20e6 / 6  # CPU clock after reset
# The includes every C test program starts with (`load` in conftest.py prepends them).
PRE = '#include <avr/io.h>\n#include <avr/interrupt.h>\n#include <avr/sleep.h>\n#include "check.h"\n'


class Builder:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.gcc = str(toolchain.find_gcc())
        self._cache: dict[str, Path] = {}

    def _build(self, key: str, files: dict[str, str], args: list[str]) -> Path:
        digest = hashlib.sha1(key.encode()).hexdigest()[:16]
        if digest in self._cache:
            return self._cache[digest]
        d = self.workdir / digest
        d.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (d / name).write_text(text)
        elf = d / "prog.elf"
        proc = subprocess.run([self.gcc, f"-mmcu={MCU}", *args, "-o", str(elf)], cwd=d,
                              capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"avr-gcc failed:\n{proc.stderr}")
        self._cache[digest] = elf
        return elf

    def asm(self, body: str) -> Path:
        src = f".text\n.global main\nmain:\n{body}\n"
        return self._build("asm:" + src, {"prog.S": src}, ["-nostartfiles", "-nostdlib", "prog.S"])

    def c(self, source: str | Path, header: str = "", extra: tuple[str, ...] = ()) -> Path:
        text = source.read_text() if isinstance(source, Path) else source
        key = f"c:{text}\0{header}\0{extra}"
        args = ["-std=gnu11", "-Os", "-Wall", "-I.", *extra, "prog.c"]
        return self._build(key, {"prog.c": text, "case.h": header}, args)


class Runner:
    """One Mcu, reloaded for each program."""

    def __init__(self, strict: bool = True) -> None:
        self.mcu = Mcu(strict=strict)
        self._loaded: Path | None = None

    def load(self, elf: Path) -> Mcu:
        mcu = self.mcu
        if elf != self._loaded:
            mcu.load(elf)
            self._loaded = elf
        mcu.reset("PORF")
        mcu.breaks.clear()
        mcu.stop = False
        return mcu


def run_to_break(mcu: Mcu, max_cycles: int = 100_000) -> int:
    """Run until BREAK; returns the cycles spent (including the 1-cycle BREAK)."""
    start = mcu.cycles
    mcu.stop_on_break = True
    mcu.run_cycles(max_cycles)
    if not mcu.breaks:
        raise AssertionError(f"no BREAK within {max_cycles} cycles (PC=0x{mcu.pc * 2:04x})")
    return mcu.cycles - start


def run_corpus(mcu: Mcu, seconds: float = 5.0) -> int:
    """Run a self-checking C program to its BREAK; returns its GPIOR0 result code."""
    mcu.stop_on_break = True
    mcu.run(seconds)
    if not mcu.breaks:
        raise AssertionError(f"program did not finish within {seconds} s (PC=0x{mcu.pc * 2:04x})")
    return mcu.data.peek(GPIOR0)[0]
