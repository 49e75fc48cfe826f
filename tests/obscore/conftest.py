"""An archive for the ObsCore tests, loaded with the real ingest code: a real SPOC lightcurve
(TIC 358108509, sector 1, camera 3 CCD 3, raw and PDC fluxes) and an FFI catalogue of five
frames, three of that CCD and two of camera 1 CCD 1, with tess-point footprints."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lcdb.demo.real import ALTAIPONY_S1
from lcdb.ingest.ffi_run import ingest_ffi_catalogs
from lcdb.ingest.run import ingest_lightcurves
from obscore.cli import refresh_url
from tap_service.app import create_app
from tests.conftest import PgServer
from tests.real_files import fetched
from tests.service_fixtures import SERVICE_SETTINGS, served

#: (camera, ccd, stamp, start, stop): FFIs of sector 1, 30 minutes apart.
FRAMES = (
    (3, 3, "2018206192942", "2018-07-25T19:29:42", "2018-07-25T19:59:41"),
    (3, 3, "2018206195942", "2018-07-25T19:59:42", "2018-07-25T20:29:41"),
    (3, 3, "2018206202942", "2018-07-25T20:29:42", "2018-07-25T20:59:41"),
    (1, 1, "2018206192942", "2018-07-25T19:29:42", "2018-07-25T19:59:41"),
    (1, 1, "2018206195942", "2018-07-25T19:59:42", "2018-07-25T20:29:41"),
)
TIC = 358108509


@dataclass(frozen=True)
class ObsCoreArchive:
    url: str
    catalogue: Path  # the FFI catalogue CSV
    lightcurve: Path


def frame_name(camera: int, ccd: int, stamp: str) -> str:
    return f"tess{stamp}-s0001-{camera}-{ccd}-0120-s_ffic.fits"


def write_catalogue(path: Path, frames: tuple[tuple[int, int, str, str, str], ...]) -> Path:
    with path.open("w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["path", "sector", "camera", "ccd", "start", "stop", "quality"])
        for camera, ccd, stamp, start, stop in frames:
            out.writerow([frame_name(camera, ccd, stamp), 1, camera, ccd, start, stop, 0])
    return path


def load(url: str, lightcurve: Path, catalogue: Path) -> None:
    for result in ingest_lightcurves(url, [lightcurve]):
        assert not result.failed, result.reason
    for result in ingest_ffi_catalogs(url, [catalogue]):
        assert not result.failed, result.reason


@pytest.fixture(scope="module")
def obscore_archive(
    pg_server: PgServer, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ObsCoreArchive]:
    url = pg_server.create_database(template=migrated_template)
    directory = tmp_path_factory.mktemp("obscore")
    catalogue = write_catalogue(directory / "s0001-ffi-catalog.csv", FRAMES)
    lightcurve = fetched(ALTAIPONY_S1)
    load(url, lightcurve, catalogue)
    refresh_url(url)
    yield ObsCoreArchive(url, catalogue, lightcurve)
    pg_server.drop_database(url)


@pytest.fixture(scope="module")
def obscore_client(obscore_archive: ObsCoreArchive) -> Iterator[TestClient]:
    app = create_app(SERVICE_SETTINGS, obscore_archive.url)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def obscore_live_url(obscore_archive: ObsCoreArchive) -> Iterator[str]:
    with served(obscore_archive.url) as url:
        yield url
