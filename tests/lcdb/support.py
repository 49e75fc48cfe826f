"""Building blocks for the lcdb tests: an archive graph and raw-SQL probes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.missions.tess import TESSObservation, TESSQualityFlags
from lcdb.models import (
    DataSet,
    FITSFrame,
    Instrument,
    Mission,
    MissionCatalog,
    PhotometricSource,
    ProcessingMethod,
    Target,
    TargetSpecificTime,
)


@dataclass(frozen=True)
class Graph:
    """Primary keys of one of everything, linked the way ingest links them."""

    mission: object
    catalog: int
    target: int
    camera: object
    ccd: object
    observation: int
    frame: int
    aperture: int
    pdc: int
    raw: int
    detrended: int
    times: int
    flags: int


def build_graph(session: orm.Session) -> Graph:
    mission = Mission(
        name="TESS",
        description="Transiting Exoplanet Survey Satellite",
        time_unit="d",
        time_epoch=2457000,
        time_epoch_scale="tdb",
        time_epoch_format="jd",
        time_format_name="btjd",
    )
    catalog = MissionCatalog(name="TIC", host_mission=mission)
    target = Target(catalog=catalog, name=358108509)
    camera = Instrument(name="Camera 3", properties={"camera": 3})
    ccd = Instrument(name="CCD 3", properties={"ccd": 3}, parent=camera)
    cadences = np.arange(1000, 1010, dtype=np.int64)
    observation = TESSObservation(
        instrument=ccd, cadence_reference=cadences, sector=1, orbit_number=9, cadence_seconds=120.0
    )
    frame = FITSFrame(
        observation=observation,
        cadence=1000,
        simple=True,
        bitpix=-32,
        naxis=2,
        naxis_values=[2136, 2078],
        extended=True,
        file_path="s0001/frame.fits",
    )
    aperture = PhotometricSource(name="spoc-optimal", description="SPOC optimal aperture")
    pdc = ProcessingMethod(name="PDCSAP", description="Pre-search Data Conditioning")
    flux = np.linspace(1.0, 2.0, cadences.size)
    raw = DataSet(
        target=target,
        observation=observation,
        photometric_source=aperture,
        values=flux,
        errors=flux / 100,
    )
    detrended = DataSet(
        target=target,
        observation=observation,
        photometric_source=aperture,
        processing_method=pdc,
        values=flux / flux.mean(),
        errors=None,
        source_datasets=[raw],
    )
    times = TargetSpecificTime(
        target=target,
        observation=observation,
        barycentric_julian_dates=1325.3 + cadences * 120 / 86400,
    )
    flags = TESSQualityFlags(
        observation=observation,
        target=target,
        quality_flags=np.array([0, 1, 128, 0, 32, 0, 0, 0, 0, 4096]),
    )
    session.add_all([mission, raw, detrended, times, flags, frame])
    session.commit()
    return Graph(
        mission=mission.id,
        catalog=catalog.id,
        target=target.id,
        camera=camera.id,
        ccd=ccd.id,
        observation=observation.id,
        frame=frame.id,
        aperture=aperture.id,
        pdc=pdc.id,
        raw=raw.id,
        detrended=detrended.id,
        times=times.id,
        flags=flags.id,
    )


def count(engine: sa.Engine, table: str, where: str = "true", **params: object) -> int:
    """Rows in lcdb.`table` matching `where`, counted in SQL (not through the ORM)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(f"SELECT count(*) FROM lcdb.{table} WHERE {where}"), params
            ).scalar_one()
        )


def execute(engine: sa.Engine, statement: str, **params: object) -> None:
    """Run one raw SQL statement in its own transaction: what the database does, not the ORM."""
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
