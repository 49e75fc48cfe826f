"""`lcdb-tap obscore refresh`: what an operator runs by hand."""

from __future__ import annotations

import pytest

from tap_service.cli import main


def test_refresh_reports_what_it_did(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", migrated_database_url, "obscore", "refresh"]) == 0
    assert capsys.readouterr().out.startswith("lcdb-tap: ObsCore incremental refresh: 0 rows")
    assert main(["--database-url", migrated_database_url, "obscore", "refresh", "--full"]) == 0
    assert capsys.readouterr().out.startswith("lcdb-tap: ObsCore full refresh: 0 rows derived")


def test_refresh_refuses_a_database_not_at_the_latest_schema(
    fresh_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", fresh_database_url, "obscore", "refresh"]) == 1
    error = capsys.readouterr().err
    assert "the ObsCore refresh needs" in error and "run `lcdb-tap db upgrade` first" in error


def test_a_bad_authority_is_refused(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCDB_IVO_AUTHORITY", "x y")
    assert main(["--database-url", migrated_database_url, "obscore", "refresh"]) == 1
    assert "is not an IVOA authority" in capsys.readouterr().err
