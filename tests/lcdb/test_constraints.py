"""Every uniqueness, check and foreign-key rule of the schema, enforced by the database.

Each violating statement is plain SQL, so these tests fail if the constraint is dropped from
the migration even when the ORM would have caught the mistake.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.lcdb.support import Graph, count, execute

MISSION = (
    "INSERT INTO lcdb.mission (id, name, time_unit, time_epoch, time_epoch_scale, time_epoch_format,"
    " time_format_name) VALUES (gen_random_uuid(), :name, 'd', 2457000, 'tdb', 'jd', :fmt)"
)


def violates(engine: sa.Engine, statement: str, constraint: str, **params: object) -> None:
    """Assert that `statement` is refused, naming `constraint` in the database's message."""
    with pytest.raises(IntegrityError) as raised:
        execute(engine, statement, **params)
    assert constraint in str(raised.value.orig), str(raised.value.orig)


def test_mission_name_is_unique(engine: sa.Engine, graph: Graph) -> None:
    violates(engine, MISSION, "uq_mission_name", name="TESS", fmt="other")


def test_mission_time_format_name_is_unique(engine: sa.Engine, graph: Graph) -> None:
    violates(engine, MISSION, "uq_mission_time_format_name", name="Kepler", fmt="btjd")


def test_catalog_name_is_unique(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.mission_catalog (host_mission_id, name) VALUES (:m, 'TIC')",
        "uq_mission_catalog_name",
        m=graph.mission,
    )


def test_catalog_needs_an_existing_mission(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.mission_catalog (host_mission_id, name) VALUES (gen_random_uuid(), 'X')",
        "fk_mission_catalog_host_mission_id_mission",
    )


def test_target_is_unique_within_its_catalog(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.target (catalog_id, name) VALUES (:c, 358108509)",
        "uq_target_catalog_id_name",
        c=graph.catalog,
    )


def test_same_target_number_is_allowed_in_another_catalog(engine: sa.Engine, graph: Graph) -> None:
    execute(
        engine,
        "INSERT INTO lcdb.mission_catalog (host_mission_id, name) VALUES (:m, 'Gaia')",
        m=graph.mission,
    )
    execute(
        engine,
        "INSERT INTO lcdb.target (catalog_id, name)"
        " SELECT id, 358108509 FROM lcdb.mission_catalog WHERE name = 'Gaia'",
    )
    assert count(engine, "target", "name = 358108509") == 2


def test_target_names_are_64_bit(engine: sa.Engine, graph: Graph) -> None:
    execute(
        engine,
        "INSERT INTO lcdb.target (catalog_id, name) VALUES (:c, 10000000000)",
        c=graph.catalog,
    )
    assert count(engine, "target", "name = 10000000000") == 1


def test_frame_archive_path_is_unique_per_type(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis, naxis_values,"
        " extended, file_path) VALUES ('basefits', 1001, :o, true, 16, 0, '{}', false, 's0001/frame.fits')",
        "uq_fits_frame_type_file_path",
        o=graph.observation,
    )


def test_frames_of_one_cadence_may_share_the_cadence_number(
    engine: sa.Engine, graph: Graph
) -> None:
    """All 16 CCD images of a TESS cadence carry the same cadence number."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis,"
                " naxis_values, extended, file_path) VALUES ('basefits', 1000, :o, true, 16, 0,"
                " '{}', false, 's0001/other-ccd.fits')"
            ),
            {"o": graph.observation},
        )
    assert count(engine, "fits_frame", "cadence = 1000") == 2


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ("start_time, stop_time) VALUES (2.0, 1.0", "ck_fits_frame_time_order"),
        ("footprint) VALUES ('{1, 2, 3, 4}'", "ck_fits_frame_footprint_pairs"),
        ("footprint) VALUES ('{1, 2, 3, 4, 5, 6, 7}'", "ck_fits_frame_footprint_pairs"),
    ],
)
def test_frame_times_and_footprint_must_make_sense(
    engine: sa.Engine, graph: Graph, columns: str, constraint: str
) -> None:
    head, values = columns.split(") VALUES (")
    violates(
        engine,
        "INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis, naxis_values,"
        f" extended, {head}) VALUES ('basefits', 9, :o, true, 16, 0, '{{}}', false, {values})",
        constraint,
        o=graph.observation,
    )


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("ra", 360.0, "ck_target_ra_range"),
        ("ra", -0.1, "ck_target_ra_range"),
        ("dec", 90.5, "ck_target_dec_range"),
    ],
)
def test_target_positions_must_be_on_the_sky(
    engine: sa.Engine, graph: Graph, column: str, value: float, constraint: str
) -> None:
    violates(
        engine,
        f"INSERT INTO lcdb.target (catalog_id, name, {column}) VALUES (:c, 77, :v)",
        constraint,
        c=graph.catalog,
        v=value,
    )


@pytest.mark.parametrize(
    ("bitpix", "naxis", "naxis_values", "constraint"),
    [
        (12, 0, "{}", "ck_fits_frame_bitpix_allowed"),
        (16, 2, "{100}", "ck_fits_frame_naxis_values_match"),
        (16, -1, "{}", "ck_fits_frame_naxis_range"),
    ],
)
def test_frame_header_must_be_valid_fits(
    engine: sa.Engine, graph: Graph, bitpix: int, naxis: int, naxis_values: str, constraint: str
) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis, naxis_values,"
        " extended) VALUES ('basefits', 5000, :o, true, :b, :n, CAST(:v AS int[]), false)",
        constraint,
        o=graph.observation,
        b=bitpix,
        n=naxis,
        v=naxis_values,
    )


def test_frame_needs_an_existing_observation(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis, naxis_values,"
        " extended) VALUES ('basefits', 7, -1, true, 16, 0, '{}', false)",
        "fk_fits_frame_observation_id_observation",
    )


@pytest.mark.parametrize("table", ["photometric_source", "processing_method"])
def test_method_names_are_unique(engine: sa.Engine, graph: Graph, table: str) -> None:
    existing = {"photometric_source": "spoc-optimal", "processing_method": "PDCSAP"}[table]
    violates(engine, f"INSERT INTO lcdb.{table} (name) VALUES (:n)", f"uq_{table}_name", n=existing)


def test_observation_wide_quality_flags_are_unique_with_null_target(
    engine: sa.Engine, graph: Graph
) -> None:
    statement = (
        "INSERT INTO lcdb.quality_flag_array (type, observation_id, target_id, quality_flags)"
        " VALUES ('tess_quality_flags', :o, NULL, '{0,0}')"
    )
    execute(engine, statement, o=graph.observation)
    violates(
        engine,
        statement,
        "uq_quality_flag_array_type_observation_id_target_id",
        o=graph.observation,
    )


def test_target_quality_flags_are_unique_per_type(engine: sa.Engine, graph: Graph) -> None:
    statement = (
        "INSERT INTO lcdb.quality_flag_array (type, observation_id, target_id, quality_flags)"
        " VALUES (:type, :o, :t, '{0}')"
    )
    violates(
        engine,
        statement,
        "uq_quality_flag_array_type_observation_id_target_id",
        type="tess_quality_flags",
        o=graph.observation,
        t=graph.target,
    )
    execute(engine, statement, type="base_quality_flag", o=graph.observation, t=graph.target)
    assert count(engine, "quality_flag_array") == 2


@pytest.mark.parametrize(
    ("column", "constraint"),
    [
        ("target_id", "fk_dataset_target_id_target"),
        ("observation_id", "fk_dataset_observation_id_observation"),
        ("photometric_method_id", "fk_dataset_photometric_method_id_photometric_source"),
        ("processing_method_id", "fk_dataset_processing_method_id_processing_method"),
    ],
)
def test_dataset_references_must_exist(
    engine: sa.Engine, graph: Graph, column: str, constraint: str
) -> None:
    values = {"target_id": graph.target, "observation_id": graph.observation}
    values[column] = -1
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    violates(
        engine,
        f"INSERT INTO lcdb.dataset ({columns}, values) VALUES ({placeholders}, '{{1.0}}')",
        constraint,
        **values,
    )


def test_dataset_errors_match_values(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.dataset (target_id, observation_id, values, errors) VALUES (:t, :o, '{1,2}', '{1}')",
        "ck_dataset_errors_match_values",
        t=graph.target,
        o=graph.observation,
    )


def test_lineage_is_unique_and_never_self_derived(engine: sa.Engine, graph: Graph) -> None:
    insert = (
        "INSERT INTO lcdb.datasethierarchy (source_dataset_id, child_dataset_id) VALUES (:s, :c)"
    )
    violates(engine, insert, "pk_datasethierarchy", s=graph.raw, c=graph.detrended)
    violates(engine, insert, "ck_datasethierarchy_not_self_derived", s=graph.raw, c=graph.raw)
    violates(engine, insert, "fk_datasethierarchy_source_dataset_id_dataset", s=-1, c=graph.raw)


@pytest.mark.parametrize(
    ("table", "constraint"),
    [
        ("target_specific_time", "fk_target_specific_time_target_id_target"),
        ("quality_flag_array", "fk_quality_flag_array_target_id_target"),
    ],
)
def test_per_target_rows_need_an_existing_target(
    engine: sa.Engine, graph: Graph, table: str, constraint: str
) -> None:
    array = {
        "target_specific_time": "barycentric_julian_dates",
        "quality_flag_array": "quality_flags",
    }[table]
    extra = ", type" if table == "quality_flag_array" else ""
    extra_value = ", 'x'" if extra else ""
    violates(
        engine,
        f"INSERT INTO lcdb.{table} (target_id, observation_id, {array}{extra}) VALUES (-1, :o, '{{1}}'{extra_value})",
        constraint,
        o=graph.observation,
    )


def test_observation_needs_an_existing_instrument(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.observation (type, cadence_reference, instrument_id)"
        " VALUES ('observation', '{1}', gen_random_uuid())",
        "fk_observation_instrument_id_instrument",
    )


def test_tess_observation_needs_a_sector(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.observation (type, cadence_reference, instrument_id) VALUES ('tess_observation', '{1}', :i)",
        "ck_observation_tess_has_sector",
        i=graph.ccd,
    )


def test_instrument_parent_must_exist(engine: sa.Engine, graph: Graph) -> None:
    violates(
        engine,
        "INSERT INTO lcdb.instrument (id, name, parent_id) VALUES (gen_random_uuid(), 'x', gen_random_uuid())",
        "fk_instrument_parent_id_instrument",
    )
