"""The ORM face of the schema: numpy arrays, polymorphic loading, lineage, mission helpers."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.missions.tess import (
    TESSObservation,
    TESSQualityBit,
    TESSQualityFlags,
    TESSQualityMask,
)
from lcdb.models import (
    DataSet,
    FITSFrame,
    Instrument,
    Mission,
    Observation,
    QualityFlagArray,
    TargetSpecificTime,
)
from tests.lcdb.support import Graph


def test_arrays_come_back_as_numpy_with_documented_dtypes(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        raw = session.get_one(DataSet, graph.raw)
        times = session.get_one(TargetSpecificTime, graph.times)
        observation = session.get_one(Observation, graph.observation)
        flags = session.get_one(QualityFlagArray, graph.flags)
        frame = session.get_one(FITSFrame, graph.frame)
        arrays = {
            "values": (raw.values, np.float64),
            "errors": (raw.errors, np.float64),
            "times": (times.barycentric_julian_dates, np.float64),
            "cadences": (observation.cadence_reference, np.int64),
            "flags": (flags.quality_flags, np.int32),
            "naxis": (frame.naxis_values, np.int32),
        }
        for label, (array, dtype) in arrays.items():
            assert isinstance(array, np.ndarray), label
            assert array.dtype == dtype, label
        np.testing.assert_array_equal(observation.cadence_reference, np.arange(1000, 1010))
        np.testing.assert_allclose(raw.values, np.linspace(1.0, 2.0, 10))
        np.testing.assert_array_equal(frame.naxis_values, [2136, 2078])


def test_nan_and_null_survive_the_round_trip(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        dataset = session.get_one(DataSet, graph.detrended)
        assert dataset.errors is None
        dataset.values = np.array([np.nan, 1.5, np.inf])
        session.commit()
    with orm.Session(engine) as session:
        values = session.get_one(DataSet, graph.detrended).values
        assert np.isnan(values[0]) and values[1] == 1.5 and np.isinf(values[2])


def test_changing_an_array_in_place_of_an_equal_one_is_not_an_update(
    engine: sa.Engine, graph: Graph
) -> None:
    with orm.Session(engine) as session:
        dataset = session.get_one(DataSet, graph.raw)
        dataset.values = dataset.values.copy()
        assert not session.dirty or not session.is_modified(dataset)


def test_multidimensional_arrays_are_refused(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        dataset = session.get_one(DataSet, graph.raw)
        dataset.values = np.ones((2, 2))
        with pytest.raises(sa.exc.StatementError, match="one-dimensional"):
            session.commit()


def test_polymorphic_loading_returns_mission_subclasses(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        observations = session.scalars(sa.select(Observation)).all()
        flags = session.scalars(sa.select(QualityFlagArray)).all()
        frames = session.scalars(sa.select(FITSFrame)).all()
    assert [type(o) for o in observations] == [TESSObservation]
    assert observations[0].sector == 1 and observations[0].cadence_seconds == 120.0
    assert [type(f) for f in flags] == [TESSQualityFlags]
    assert [type(f) for f in frames] == [FITSFrame]


def test_base_rows_load_as_the_base_class(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        ccd = session.get_one(Instrument, graph.ccd)
        session.add(Observation(instrument=ccd, cadence_reference=[1, 2]))
        session.commit()
        kinds = sorted(type(o).__name__ for o in session.scalars(sa.select(Observation)))
    assert kinds == ["Observation", "TESSObservation"]


def test_lineage_relationships_are_symmetric(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        raw = session.get_one(DataSet, graph.raw)
        detrended = session.get_one(DataSet, graph.detrended)
        assert detrended.source_datasets == [raw]
        assert raw.derived_datasets == [detrended]
        assert raw.source_datasets == []
        assert raw.processing_method is None
        assert (
            detrended.processing_method is not None and detrended.processing_method.name == "PDCSAP"
        )


def test_instrument_tree(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        camera = session.get_one(Instrument, graph.camera)
        assert [child.name for child in camera.children] == ["CCD 3"]
        assert camera.children[0].parent is camera
        assert camera.children[0].properties == {"ccd": 3}


def test_tess_quality_masks_use_the_real_bit_meanings(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        flags = session.get_one(TESSQualityFlags, graph.flags)
        # words: 0, AttitudeTweak, ManualExclude, 0, Desat, 0, 0, 0, 0, Straylight2
        np.testing.assert_array_equal(np.flatnonzero(flags.mask()), [1, 2, 4])
        np.testing.assert_array_equal(
            np.flatnonzero(flags.mask(TESSQualityMask.HARDEST)), [1, 2, 4, 9]
        )
        assert flags.good().sum() == 7
    assert int(TESSQualityMask.DEFAULT) == 1 | 2 | 4 | 8 | 16 | 32 | 128 | 512 | 16384
    assert TESSQualityFlags.decode(2048 | 1) == ["AttitudeTweak", "Straylight"]
    assert int(TESSQualityBit.ImpulsiveOutlier) == 512


def test_mission_times_convert_to_absolute_time(engine: sa.Engine, graph: Graph) -> None:
    with orm.Session(engine) as session:
        mission = session.get_one(Mission, graph.mission)
        time = mission.to_time(np.array([0.0, 1325.5]))
    assert time.scale == "tdb"
    np.testing.assert_allclose(time.jd, [2457000.0, 2458325.5])
