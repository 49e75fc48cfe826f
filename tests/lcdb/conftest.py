"""A migrated database per test, and a small but complete archive graph in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.db import create_engine
from tests.lcdb.support import Graph, build_graph


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(migrated_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[orm.Session]:
    with orm.Session(engine) as session:
        yield session


@pytest.fixture
def graph(session: orm.Session) -> Graph:
    return build_graph(session)
