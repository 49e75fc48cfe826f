"""The service's settings: one frozen object, from the environment and the command line.

Each setting an operator may change is declared once, as a field of `Settings` made with
`option(...)`: its default, environment variable, parser and help text sit together. The
environment reader (`Settings.from_env`), the `serve`/`demo` flags (`tap_service.cli`) and the
README check (tests/test_docs.py) all iterate `OPTIONS`, so adding a setting is one edit and
none of them can forget it. Fields made with plain defaults are internal tuning knobs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from lcdb.errors import DatabaseConfigError
from lcdb.settings import DatabaseSettings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Option:
    """How one setting is given from outside: environment variable, parser, help."""

    #: The `Settings` field it sets (filled in from the dataclass field).
    name: str
    env: str
    help: str
    parse: Callable[[str], object]
    default: object

    @property
    def shown_default(self) -> str | None:
        """The default as the README and `--help` write it (None: no fixed default)."""
        if self.default is None:
            return None
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, float) and self.default.is_integer():
            return str(int(self.default))
        return str(self.default)

    @property
    def flag(self) -> str:
        """The command-line flag of `serve` and `demo`."""
        return "--" + self.name.replace("_", "-")


def option(default: T, *, env: str, help: str, parse: Callable[[str], T]) -> T:
    """A `Settings` field that operators set with `env` or the matching flag."""
    return field(default=default, metadata={"option": (env, help, parse)})


def _url(text: str) -> str:
    return text.rstrip("/")


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {text!r} (use true or false)")


def _path(text: str) -> Path:
    return Path(text).expanduser()


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=lambda: DatabaseSettings.from_env({}))
    base_url: str | None = option(
        None,
        env="LCDB_BASE_URL",
        help="public URL of the service, e.g. https://archive.example.org/tap, so documents "
        "carry correct absolute URLs behind a proxy (default: derived from each request)",
        parse=_url,
    )
    maxrec_default: int = option(
        10_000, env="LCDB_MAXREC_DEFAULT", help="rows a query returns without MAXREC", parse=int
    )
    maxrec_limit: int = option(
        2_000_000,
        env="LCDB_MAXREC_LIMIT",
        help="the most rows a synchronous query may return, whatever MAXREC asks",
        parse=int,
    )
    sync_timeout: float = option(
        60.0, env="LCDB_SYNC_TIMEOUT", help="seconds a synchronous query may run", parse=float
    )
    async_workers: int = option(
        2, env="LCDB_ASYNC_WORKERS", help="asynchronous jobs executed at the same time", parse=int
    )
    max_queries: int = option(
        8,
        env="LCDB_MAX_QUERIES",
        help="queries (sync queries and DataLink documents) run in the database at the same "
        "time; more wait their turn",
        parse=int,
    )
    max_extractions: int = option(
        2,
        env="LCDB_MAX_EXTRACTIONS",
        help="large results (beyond 1 MB) streamed at the same time, apart from the small "
        "queries' slots so that extractions never starve them; more wait, receiving later",
        parse=int,
    )
    queue_length: int = option(
        200,
        env="LCDB_QUEUE_LENGTH",
        help="requests that may wait for a query slot; beyond, 503 with Retry-After",
        parse=int,
    )
    queue_wait: float = option(
        30.0,
        env="LCDB_QUEUE_WAIT",
        help="seconds a request waits for a query slot before 503 with Retry-After",
        parse=float,
    )
    async_dir: Path | None = option(
        None,
        env="LCDB_ASYNC_DIR",
        help="directory of asynchronous job results (default: jobs/ under LCDB_HOME)",
        parse=_path,
    )
    async_timeout: float = option(
        3600.0,
        env="LCDB_ASYNC_TIMEOUT",
        help="seconds an asynchronous job may run: its default and largest execution duration",
        parse=float,
    )
    job_lifetime: float = option(
        7 * 24 * 3600.0,
        env="LCDB_JOB_LIFETIME",
        help="seconds from a job's creation to its destruction",
        parse=float,
    )
    data_root: Path | None = option(
        None,
        env="LCDB_DATA_ROOT",
        help="directory holding the archive's files: frames' file_path is read below it for "
        "DataLink downloads (default: none, frames are not downloadable)",
        parse=_path,
    )
    preview_dir: Path | None = option(
        None,
        env="LCDB_PREVIEW_DIR",
        help="where DataLink preview plots are cached (default: previews/ under LCDB_HOME)",
        parse=_path,
    )
    upload_limit: int = option(
        100_000_000,
        env="LCDB_UPLOAD_LIMIT",
        help="the most bytes of tables a query may upload (all its UPLOADs together)",
        parse=int,
    )
    upload_rows: int = option(
        1_000_000,
        env="LCDB_UPLOAD_ROWS",
        help="the most rows an uploaded table may have",
        parse=int,
    )
    upload_allow_private: bool = option(
        False,
        env="LCDB_UPLOAD_ALLOW_PRIVATE",
        help="fetch UPLOAD URLs on loopback, private and link-local addresses too (off: only "
        "public hosts, so that a query cannot reach the service's own network)",
        parse=_flag,
    )
    query_limit: int = option(
        100_000,
        env="LCDB_QUERY_LIMIT",
        help="the longest ADQL query accepted, in characters",
        parse=int,
    )
    #: Seconds an UPLOAD URL may take to fetch.
    upload_timeout: float = 30.0
    #: Rows fetched from the database per round trip while streaming.
    batch_size: int = 10_000
    #: The longest a UWS WAIT request blocks (clients and proxies time out beyond ~60 s).
    wait_limit: float = 30.0
    #: Seconds between sweeps for expired jobs and jobs whose service instance died.
    sweep_interval: float = 60.0

    def __post_init__(self) -> None:
        env = {o.name: o.env for o in OPTIONS}
        if self.maxrec_default < 0 or self.maxrec_limit < 0:
            raise DatabaseConfigError("MAXREC settings must be non-negative")
        if self.maxrec_default > self.maxrec_limit:
            raise DatabaseConfigError(
                f"{env['maxrec_default']} ({self.maxrec_default}) exceeds "
                f"{env['maxrec_limit']} ({self.maxrec_limit})"
            )
        for name, least, what in (
            ("sync_timeout", None, "positive"),
            ("async_workers", 1, "at least 1"),
            ("max_queries", 1, "at least 1"),
            ("max_extractions", 1, "at least 1"),
            ("queue_length", 0, "at least 0"),
            ("queue_wait", None, "positive"),
            ("async_timeout", 1, "at least 1 (second)"),
            ("job_lifetime", 1, "at least 1 (second)"),
            ("query_limit", 1, "at least 1 (character)"),
        ):
            value = getattr(self, name)
            if (value <= 0) if least is None else (value < least):
                raise DatabaseConfigError(f"{env[name]} must be {what}")

    @property
    def previews_directory(self) -> Path:
        """Where preview plots are cached (`preview_dir`, else `previews/` under LCDB_HOME)."""
        return self.preview_dir if self.preview_dir is not None else self.database.home / "previews"

    @property
    def jobs_directory(self) -> Path:
        """The directory of asynchronous results (`async_dir`, else `jobs/` under LCDB_HOME)."""
        return self.async_dir if self.async_dir is not None else self.database.home / "jobs"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `environ` (default: the process environment), then `overrides`.

        An override of None (a flag not given) leaves the environment's value.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"database": DatabaseSettings.from_env(env)}
        for setting in OPTIONS:
            text = env.get(setting.env)
            if text:
                values[setting.name] = _parsed(setting, text)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _parsed(setting: Option, text: str) -> object:
    try:
        return setting.parse(text)
    except ValueError:
        raise DatabaseConfigError(f"{setting.env} must be a number, got {text!r}") from None


def _options() -> tuple[Option, ...]:
    found = []
    for f in dataclasses.fields(Settings):
        if "option" in f.metadata:
            env, help, parse = f.metadata["option"]
            found.append(Option(f.name, env, help, parse, f.default))
    return tuple(found)


#: Every setting an operator may give, in declaration order.
OPTIONS: tuple[Option, ...] = _options()
