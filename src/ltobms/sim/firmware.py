"""The firmware image a simulation runs: a given `.elf`, or the project's build of the scenario's variant,
built (with the project's firmware Makefile and toolchain) when it is missing or older than its sources."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

from ltobms import toolchain
from ltobms.errors import UserError

ROOT = Path(__file__).resolve().parents[3]
FIRMWARE_DIR = ROOT / "firmware"
BUILD_DIR = ROOT / "build"


def image_name(chemistry: str, board: str) -> str:
    return f"lto-bms-{chemistry}-{board}.elf"


def _stale(elf: Path) -> bool:
    if not elf.is_file():
        return True
    built = elf.stat().st_mtime
    sources = [*FIRMWARE_DIR.glob("src/*.[ch]"), FIRMWARE_DIR / "Makefile"]
    return any(src.stat().st_mtime > built for src in sources)


def firmware_image(chemistry: str, board: str, elf: str | Path | None = None) -> Path:
    """The ELF to run: `elf` when given (must exist), else build/<variant>.elf, built if needed."""
    if elf is not None:
        path = Path(elf)
        if not path.is_file():
            raise UserError(f"--firmware {path}: no such file")
        return path
    path = BUILD_DIR / image_name(chemistry, board)
    if not _stale(path):
        return path
    if not (FIRMWARE_DIR / "Makefile").is_file():
        raise UserError(f"no firmware image {path} and no firmware sources to build it; pass --firmware ELF")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with open(BUILD_DIR / ".sim-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel simulations must not build the same image twice at once
        if _stale(path):
            print(f"building firmware {path.name} ...", flush=True)
            done = subprocess.run(
                ["make", "--no-print-directory", "-C", str(FIRMWARE_DIR), f"CHEMISTRY={chemistry}",
                 f"BOARD={board}", f"AVR_GCC={toolchain.find_gcc()}", f"BUILD={BUILD_DIR}",
                 f"FW_VERSION={toolchain.firmware_version(ROOT)}", "all"],
                capture_output=True, text=True)
            if done.returncode != 0:
                raise UserError(f"building {path.name} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return path
