"""Service settings from the environment and the command line (the async job settings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcdb.errors import DatabaseConfigError
from tap_service.cli import build_parser, service_settings
from tap_service.settings import Settings


def test_async_settings_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "LCDB_HOME": str(tmp_path / "home"),
            "LCDB_ASYNC_WORKERS": "5",
            "LCDB_ASYNC_DIR": str(tmp_path / "results"),
            "LCDB_ASYNC_TIMEOUT": "90",
            "LCDB_JOB_LIFETIME": "3600",
        }
    )
    assert settings.async_workers == 5
    assert settings.jobs_directory == tmp_path / "results"
    assert settings.async_timeout == 90
    assert settings.job_lifetime == 3600


def test_results_go_under_lcdb_home_by_default(tmp_path: Path) -> None:
    settings = Settings.from_env({"LCDB_HOME": str(tmp_path)})
    assert settings.jobs_directory == tmp_path / "jobs"
    assert (settings.async_workers, settings.async_timeout) == (2, 3600)
    assert settings.job_lifetime == 7 * 24 * 3600


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"LCDB_ASYNC_WORKERS": "0"}, "LCDB_ASYNC_WORKERS must be at least 1"),
        ({"LCDB_ASYNC_WORKERS": "two"}, "LCDB_ASYNC_WORKERS must be a number"),
        ({"LCDB_ASYNC_TIMEOUT": "0"}, "LCDB_ASYNC_TIMEOUT must be at least 1"),
        ({"LCDB_JOB_LIFETIME": "-1"}, "LCDB_JOB_LIFETIME must be at least 1"),
    ],
)
def test_bad_async_settings_are_refused(environment: dict[str, str], message: str) -> None:
    with pytest.raises(DatabaseConfigError, match=message):
        Settings.from_env(environment)


def test_serve_flags_override_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCDB_ASYNC_WORKERS", "7")
    args = build_parser().parse_args(
        ["serve", "--async-workers", "3", "--async-dir", str(tmp_path), "--job-lifetime", "60"]
    )
    settings = service_settings(args, Settings().database)
    assert settings.async_workers == 3
    assert settings.jobs_directory == tmp_path
    assert settings.job_lifetime == 60
