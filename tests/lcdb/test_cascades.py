"""Every ON DELETE rule, exercised with plain SQL so the database (not the ORM) is tested.

Without the rule each DELETE below would fail with a foreign-key violation, so each test fails
if its rule is removed from the DDL.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.lcdb.support import Graph, count, execute


def test_deleting_an_observation_removes_its_frames_times_datasets_and_flags(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.observation WHERE id = :id", id=graph.observation)
    for table in ("fits_frame", "target_specific_time", "dataset", "quality_flag_array"):
        assert count(engine, table, "observation_id = :id", id=graph.observation) == 0, table
    assert count(engine, "datasethierarchy") == 0
    assert count(engine, "target", "id = :id", id=graph.target) == 1


def test_deleting_a_photometric_source_removes_its_datasets(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.photometric_source WHERE id = :id", id=graph.aperture)
    assert count(engine, "dataset", "photometric_method_id = :id", id=graph.aperture) == 0
    assert count(engine, "dataset") == 0
    assert count(engine, "observation") == 1


def test_deleting_a_processing_method_removes_only_its_datasets(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.processing_method WHERE id = :id", id=graph.pdc)
    assert count(engine, "dataset", "id = :id", id=graph.detrended) == 0
    assert count(engine, "dataset", "id = :id", id=graph.raw) == 1


def test_deleting_a_target_removes_its_datasets_times_and_flags(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.target WHERE id = :id", id=graph.target)
    for table in ("dataset", "target_specific_time", "quality_flag_array"):
        assert count(engine, table, "target_id = :id", id=graph.target) == 0, table
    assert count(engine, "observation", "id = :id", id=graph.observation) == 1


def test_deleting_a_dataset_removes_its_lineage_rows_in_both_directions(
    engine: sa.Engine, graph: Graph
) -> None:
    assert count(engine, "datasethierarchy") == 1
    execute(engine, "DELETE FROM lcdb.dataset WHERE id = :id", id=graph.raw)
    assert count(engine, "datasethierarchy") == 0
    assert count(engine, "dataset", "id = :id", id=graph.detrended) == 1


def test_deleting_a_derived_dataset_removes_its_lineage_row(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.dataset WHERE id = :id", id=graph.detrended)
    assert count(engine, "datasethierarchy") == 0
    assert count(engine, "dataset", "id = :id", id=graph.raw) == 1


def test_deleting_a_mission_removes_its_catalogues_and_their_targets(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.mission WHERE id = :id", id=graph.mission)
    assert count(engine, "mission_catalog") == 0
    assert count(engine, "target") == 0
    assert count(engine, "dataset") == 0


def test_deleting_an_instrument_removes_its_parts_and_their_observations(
    engine: sa.Engine, graph: Graph
) -> None:
    execute(engine, "DELETE FROM lcdb.instrument WHERE id = :id", id=graph.camera)
    assert count(engine, "instrument") == 0
    assert count(engine, "observation") == 0
    assert count(engine, "fits_frame") == 0


def test_orm_delete_relies_on_the_database_cascade(engine: sa.Engine, graph: Graph) -> None:
    from sqlalchemy import orm

    from lcdb.models import Observation

    with orm.Session(engine) as session:
        session.delete(session.get_one(Observation, graph.observation))
        session.commit()
    assert count(engine, "dataset") == 0
    assert count(engine, "quality_flag_array") == 0
