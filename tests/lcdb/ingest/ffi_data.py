"""Real TESS FFI material for the FFI tests, fetched from PyPI once and cached.

Nothing of these packages is imported or installed: single members are extracted from the
downloaded archives, and archives and members are checked against pinned sha256 digests.

* astrocut 1.4.0: ``tests/data/ex_ffi_wcs.txt``, the WCS header of a real SPOC FFI (TAN-SIP);
  the test FFIs are built around it (`tests.lcdb.ingest.ffi_files`).
* tess-cloud 0.5.0: the catalogue of every SPOC FFI file, one Parquet file per sector.
* lkdata 1.0.1: a real TESScut cutout of S1 camera 4 CCD 2, whose primary header keeps the
  FFIINDEX of its first FFI and whose table names each FFI (FFI_FILE).

Fetched like the demo's real lightcurves (`lcdb.demo.real`, through `tests.real_files`): the
cache is ``LCDB_TEST_DATA``, and a failed download fails the test: it is never skipped.
"""

from __future__ import annotations

from pathlib import Path

from lcdb.demo.real import PinnedFile
from tests.real_files import fetched

ASTROCUT = (
    "astrocut==1.4.0",
    "astrocut-1.4.0-py3-none-any.whl",
    "0ff00eb8ef379543654043538739feda6140d3829fdc66185feaaa18a3b5bb9e",
)
TESS_CLOUD = (
    "tess-cloud==0.5.0",
    "tess_cloud-0.5.0-py3-none-any.whl",
    "de4ea1b15b63483cb255ff289e843cfaecb0ff8de40255dbbac1a817445762d3",
)
LKDATA = (
    "lkdata==1.0.1",
    "lkdata-1.0.1-py3-none-any.whl",
    "639f4168ae67d4c87537d1cfc0b4a3c10cecd556f421efe7ae330f61efba012b",
)
FFI_WCS = PinnedFile(
    *ASTROCUT,
    "astrocut/tests/data/ex_ffi_wcs.txt",
    "418729e4094a0ca1205570c8c912ee79b90c158aeac4a69dbceab41523c8451f",
)
CUTOUT = PinnedFile(
    *LKDATA,
    "lkdata/data/tess-s0001-4-2_84.291190_-80.469170_6x6_astrocut.fits",
    "5613c7ae22903ba9fbfeef1784b6b0cfb048954e7a62d9c026db59f1d7a6a2a0",
)
SECTOR_CATALOGS = {
    1: "cfe712edb1f7b73c9d63e0456a0a7bd35716cf884234dec202823f46f7ab9178",
    14: "b284ddd6bbe0e2bc384c9ec08298b74b95074adb451ad8032026b8d205e3c4df",
    27: "fc026d0e0be39523d942c6e1b8ad75a42f0b961dfab213909cdef97366849f0e",
    40: "da152033befc69687b0c0d89d999199fc18f6358601accc19dbc96186c210df6",
    56: "41e655ea427bb3e8ce38c68f1e7bc5532aa15b5c2a486065eefea68c47c82955",
    57: "adac806a36af6d20ef378a54c43d862470706cd5d151e24e30a3c7a8c2a9edc3",
    58: "3f8b965fcd142b39a2b87e4b6ebf87d4cbc492f07ae5635c618b8210183c970d",
    59: "fa433c521321af2b166962a481fb073029c53511eac4b3acdf3702eafee280b3",
    60: "10766ed31e0de487f5cabe919c324fc106b428270e8b3609ce5928f70436c195",
    61: "fa47c5979c10fbd16d1e9a103a5b44143af0fb425e5122aabeb0eea46ac25c06",
}


def ffi_wcs_header() -> Path:
    return fetched(FFI_WCS)


def tesscut_cutout() -> Path:
    return fetched(CUTOUT)


def catalog_file(sector: int) -> PinnedFile:
    """tess-cloud's Parquet catalogue of one sector's SPOC FFIs (pinned for a few sectors)."""
    member = f"tess_cloud/data/tess-s{sector:04d}-spoc-ffi-catalog.parquet"
    return PinnedFile(*TESS_CLOUD, member, SECTOR_CATALOGS[sector])


def sector_catalog(sector: int) -> Path:
    return fetched(catalog_file(sector))
