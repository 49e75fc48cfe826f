"""Choosing and checking the database: URLs, reachability, server version."""

from __future__ import annotations

import pytest

from lcdb import db
from lcdb.errors import DatabaseConfigError, DatabaseUnavailable, UnsupportedServer
from lcdb.settings import DatabaseSettings, default_home


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:p@h:5/d", "postgres://u:p@h:5/d", "postgresql+psycopg2://u:p@h:5/d"],
)
def test_postgres_urls_are_normalised_to_psycopg3(url: str) -> None:
    normalised = db.normalise_url(url)
    assert normalised.drivername == "postgresql+psycopg"
    assert (normalised.host, normalised.port, normalised.database) == ("h", 5, "d")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u@h/d", "only PostgreSQL"),
        ("sqlite://", "only PostgreSQL"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(DatabaseConfigError, match=message):
        db.normalise_url(url)


def test_unreachable_server_is_reported_with_its_address() -> None:
    with pytest.raises(
        DatabaseUnavailable, match=r"cannot connect to postgresql://nobody@127\.0\.0\.1:1/x"
    ):
        db.create_engine("postgresql://nobody@127.0.0.1:1/x")


def test_password_is_not_shown_in_errors() -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        db.create_engine("postgresql://nobody:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(raised.value)


def test_old_servers_are_refused(fresh_database_url: str) -> None:
    engine = db.create_engine(fresh_database_url)
    try:
        db.check_server(engine)  # the test server itself is new enough
        with pytest.raises(UnsupportedServer, match="needs PostgreSQL 99 or newer"):
            db.check_server(engine, minimum=(99, 0))
    finally:
        engine.dispose()


def test_settings_prefer_the_explicit_url_then_the_environment(tmp_path: object) -> None:
    env = {"LCDB_DATABASE_URL": "postgresql://env/db", "LCDB_HOME": "/srv/lcdb"}
    assert DatabaseSettings.from_env(env).url == "postgresql://env/db"
    assert DatabaseSettings.from_env(env, url="postgresql://cli/db").url == "postgresql://cli/db"
    assert str(DatabaseSettings.from_env(env).home) == "/srv/lcdb"
    unset = DatabaseSettings.from_env({})
    assert unset.embedded and unset.home == default_home()
    assert DatabaseSettings.from_env({"LCDB_DATABASE_URL": ""}).embedded
