"""The service's settings: one frozen object, from the environment and the command line.

Everything configurable is a field here with its environment variable beside it, so the CLI
help, the README table and the code read the same list (tests/test_docs.py checks the README).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from lcdb.errors import DatabaseConfigError
from lcdb.settings import DatabaseSettings

ENV_BASE_URL = "LCDB_BASE_URL"
ENV_MAXREC_DEFAULT = "LCDB_MAXREC_DEFAULT"
ENV_MAXREC_LIMIT = "LCDB_MAXREC_LIMIT"
ENV_SYNC_TIMEOUT = "LCDB_SYNC_TIMEOUT"
ENV_ASYNC_WORKERS = "LCDB_ASYNC_WORKERS"
ENV_ASYNC_DIR = "LCDB_ASYNC_DIR"
ENV_ASYNC_TIMEOUT = "LCDB_ASYNC_TIMEOUT"
ENV_JOB_LIFETIME = "LCDB_JOB_LIFETIME"


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=lambda: DatabaseSettings.from_env({}))
    #: Public URL of the TAP service (e.g. https://archive.example.org/tap), for documents that
    #: carry absolute URLs behind a proxy. None: derived from each request.
    base_url: str | None = None
    #: Rows returned when the client gives no MAXREC.
    maxrec_default: int = 10_000
    #: The most rows a sync query may return, whatever MAXREC asks (TAPRegExt hardLimit).
    maxrec_limit: int = 2_000_000
    #: Seconds a sync query may run before it is cancelled.
    sync_timeout: float = 60.0
    #: Rows fetched from the database per round trip while streaming.
    batch_size: int = 10_000
    #: Asynchronous jobs run at the same time (further jobs wait, QUEUED).
    async_workers: int = 2
    #: Where result files of asynchronous jobs are written. None: `jobs/` under LCDB_HOME.
    async_dir: Path | None = None
    #: Seconds an asynchronous job may run: its default and largest execution duration.
    async_timeout: float = 3600.0
    #: Seconds from a job's creation to its destruction, by default and at most.
    job_lifetime: float = 7 * 24 * 3600.0
    #: The longest a UWS WAIT request blocks (clients and proxies time out beyond ~60 s).
    wait_limit: float = 30.0
    #: Seconds between sweeps for expired jobs and jobs whose service instance died.
    sweep_interval: float = 60.0

    def __post_init__(self) -> None:
        if self.maxrec_default < 0 or self.maxrec_limit < 0:
            raise DatabaseConfigError("MAXREC settings must be non-negative")
        if self.maxrec_default > self.maxrec_limit:
            raise DatabaseConfigError(
                f"{ENV_MAXREC_DEFAULT} ({self.maxrec_default}) exceeds "
                f"{ENV_MAXREC_LIMIT} ({self.maxrec_limit})"
            )
        if self.sync_timeout <= 0:
            raise DatabaseConfigError(f"{ENV_SYNC_TIMEOUT} must be positive")
        if self.async_workers < 1:
            raise DatabaseConfigError(f"{ENV_ASYNC_WORKERS} must be at least 1")
        if self.async_timeout < 1:
            raise DatabaseConfigError(f"{ENV_ASYNC_TIMEOUT} must be at least 1 (second)")
        if self.job_lifetime < 1:
            raise DatabaseConfigError(f"{ENV_JOB_LIFETIME} must be at least 1 (second)")

    @property
    def jobs_directory(self) -> Path:
        """The directory of asynchronous results (`async_dir`, else `jobs/` under LCDB_HOME)."""
        return self.async_dir if self.async_dir is not None else self.database.home / "jobs"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {"database": DatabaseSettings.from_env(env)}
        if env.get(ENV_BASE_URL):
            values["base_url"] = env[ENV_BASE_URL].rstrip("/")
        for name, variable, kind in (
            ("maxrec_default", ENV_MAXREC_DEFAULT, int),
            ("maxrec_limit", ENV_MAXREC_LIMIT, int),
            ("sync_timeout", ENV_SYNC_TIMEOUT, float),
            ("async_workers", ENV_ASYNC_WORKERS, int),
            ("async_timeout", ENV_ASYNC_TIMEOUT, float),
            ("job_lifetime", ENV_JOB_LIFETIME, float),
        ):
            if env.get(variable):
                try:
                    values[name] = kind(env[variable])
                except ValueError:
                    raise DatabaseConfigError(
                        f"{variable} must be a number, got {env[variable]!r}"
                    ) from None
        if env.get(ENV_ASYNC_DIR):
            values["async_dir"] = Path(env[ENV_ASYNC_DIR]).expanduser()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]
