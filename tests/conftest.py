"""Shared fixtures: paths of the repository and its build output."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def build_dir() -> Path:
    return BUILD


# pvlib's own sample weather files, the tests' real data. The wheel ships two TMY3 files in pvlib/data;
# the EPW and PVGIS samples pvlib tests its readers with live in its source distribution, fetched once
# with pip (the registry's ordinary client) for the installed version and kept under build/.
PVLIB_SDIST_SAMPLES = ("NLD_Amsterdam062400_IWEC.epw", "tmy_45.000_8.000_2005_2023.csv",
                       "tmy_45.000_8.000_2005_2023.json")


def _pvlib_sdist_samples() -> Path:
    import fcntl
    import subprocess
    import sys
    import tarfile
    import tempfile

    import pvlib

    folder = BUILD / f"pvlib-samples-{pvlib.__version__}"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one download
        if all((folder / name).is_file() for name in PVLIB_SDIST_SAMPLES):
            return folder
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                   "--no-binary", ":all:", "-d", tmp, f"pvlib=={pvlib.__version__}"],
                                  capture_output=True, text=True)
            sdists = list(Path(tmp).glob("pvlib-*.tar.gz"))
            if done.returncode or not sdists:
                pytest.fail(f"cannot fetch pvlib {pvlib.__version__}'s source distribution for its sample "
                            f"weather files: {done.stderr.strip()[-300:]}")
            with tarfile.open(sdists[0]) as tar:
                for member in tar.getmembers():
                    name = Path(member.name).name
                    if name in PVLIB_SDIST_SAMPLES and "/tests/data/" in member.name:
                        (folder / name).write_bytes(tar.extractfile(member).read())
    missing = [n for n in PVLIB_SDIST_SAMPLES if not (folder / n).is_file()]
    if missing:
        pytest.fail(f"pvlib {pvlib.__version__}'s source distribution has no {', '.join(missing)}")
    return folder


@pytest.fixture(scope="session")
def pvlib_sample():
    """pvlib_sample("723170TYA.CSV") → the path of one of pvlib's sample weather files."""
    from ltobms.sim.weather import pvlib_data_dir

    def find(name: str) -> Path:
        bundled = pvlib_data_dir() / name
        if bundled.is_file():
            return bundled
        if name not in PVLIB_SDIST_SAMPLES:
            pytest.fail(f"{name} is not one of pvlib's sample weather files")
        return _pvlib_sdist_samples() / name

    return find
