"""`CopyOut` reads a COPY from libpq in batches: the first at once, wide rows in fewer."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tap_service.copyout import BATCH_BYTES, CopyOut


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(fresh_database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        yield conn


def test_messages_arrive_whole_and_in_order(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    copy = CopyOut(conn, b"COPY (SELECT i FROM generate_series(1, 25000) AS i) TO STDOUT")
    batches = list(copy.batches(10_000))
    lines = [line for batch in batches for line in batch]
    assert lines == [f"{i}\n".encode() for i in range(1, 25001)]
    assert all(len(batch) <= 10_000 for batch in batches)
    assert bytes(batches[-1].payload).endswith(b"25000\n")


def test_wide_rows_come_in_batches_of_about_a_megabyte(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    width = 200_000
    sql = f"COPY (SELECT repeat('x', {width}) FROM generate_series(1, 40)) TO STDOUT"
    batches = list(CopyOut(conn, sql.encode()).batches(10_000))
    assert sum(len(batch) for batch in batches) == 40
    later = batches[2:]  # the first is what came at once, the second sets the width
    assert later and all(batch.nbytes <= BATCH_BYTES + width + 1 for batch in later)


def test_a_failing_copy_raises_the_server_s_error(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    sql = b"COPY (SELECT 1 / (i - 5000) FROM generate_series(1, 9000) AS i) TO STDOUT"
    with pytest.raises(psycopg.errors.DivisionByZero):
        for _ in CopyOut(conn, sql).batches(1000):
            pass
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the session is usable again


def test_tuples_of_one_length_with_a_few_others_keep_every_length(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    """`uniform`: the lengths of a run of full tuples are implied, the others noted."""
    sql = (
        "COPY (SELECT i::int8, CASE WHEN i % 997 = 0 THEN NULL ELSE i * 0.5 END::float8 "
        "FROM generate_series(1, 30000) AS i) TO STDOUT (FORMAT binary)"
    )
    full = 2 + (4 + 8) * 2
    batches = list(CopyOut(conn, sql.encode()).batches(5000, uniform=full))
    plain = list(CopyOut(conn, sql.encode()).batches(5000))
    got = [message for batch in batches for message in batch]
    assert got == [message for batch in plain for message in batch]
    assert len(got) == 30000 + 1  # the header is on the first tuple, the trailer alone
    assert sum(1 for m in got if len(m) == full - 8) == 30000 // 997
    for batch in batches:
        assert len(batch.sizes) == len(batch) and int(batch.sizes.sum()) == batch.nbytes
