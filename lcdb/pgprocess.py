"""The processes of one PostgreSQL data directory, found through Linux's ``/proc``.

Why this exists: after its postmaster is killed (kill -9, the OOM killer), a cluster's
backends can live on (one busy in a query notices its postmaster's death only when it next
waits) and keep the shared memory attached, so a new postmaster refuses to start
(``pre-existing shared memory block ... is still in use``). And the ``postmaster.pid`` left
behind names a pid that is dead, a zombie nobody reaps (in a container whose init does not
reap), or by now an unrelated process: ``pg_ctl status`` only asks whether that pid exists,
so it calls such a cluster running.

Every process of a cluster has the data directory as its working directory (the postmaster
changes into it; its children inherit it), and its executable is ``postgres``: that names the
cluster without doubt, whoever else runs PostgreSQL on the machine. The postmaster keeps its
command line; every child rewrites its own to ``postgres: ...``. Signals go through a pidfd
opened before the check, so a pid reused in between is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CHILD_TITLE = "postgres:"  # what every child process of a postmaster calls itself
POLL = 0.05


@dataclass(frozen=True)
class Member:
    """A live process of the data directory."""

    pid: int
    title: str

    @property
    def is_postmaster(self) -> bool:
        return not self.title.startswith(CHILD_TITLE)


def supported() -> bool:
    """Whether processes can be told apart here (Linux); elsewhere callers fall back."""
    return (PROC / "self" / "cwd").is_symlink()


def member(pid: int, pgdata: Path) -> Member | None:
    """`pid` if it is a live (not zombie) postgres process of `pgdata`, else None.

    Raises PermissionError when the process exists but may not be inspected (another user's,
    and we are not root): the caller cannot tell and must not guess.
    """
    base = PROC / str(pid)
    try:
        if os.readlink(base / "cwd") != os.path.realpath(pgdata):
            return None
        if not Path(os.readlink(base / "exe")).name.startswith("postgres"):
            return None  # (a binary replaced while running reads "postgres (deleted)")
        state = (base / "stat").read_text().rpartition(")")[2].split()[0]
        title = (base / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None  # gone, or a zombie (whose cwd and exe cannot be read)
    except PermissionError:
        if base.exists():
            raise
        return None
    if state in ("Z", "X"):
        return None
    return Member(pid, title.strip())


def members(pgdata: Path) -> list[Member]:
    """Every live postgres process of `pgdata` (those we may inspect)."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            process = member(int(entry.name), pgdata)
        except PermissionError:
            continue  # another user's process: not of a data directory we run
        if process is not None:
            found.append(process)
    return found


def send(process: Member, signum: int, pgdata: Path) -> bool:
    """Signal `process` if it is still that member of `pgdata`; False if it is gone."""
    with _pidfd(process.pid) as fd:
        try:
            if member(process.pid, pgdata) is None:
                return False
        except PermissionError:
            return False
        try:
            if fd is None:
                os.kill(process.pid, signum)
            else:
                signal.pidfd_send_signal(fd, signum)
        except ProcessLookupError:
            return False
        return True


def terminate(processes: Sequence[Member], pgdata: Path, *, grace: float) -> list[Member]:
    """SIGTERM the processes, SIGKILL those still there after `grace` s; return survivors."""
    for process in processes:
        send(process, signal.SIGTERM, pgdata)
    left = wait_gone(processes, pgdata, grace)
    for process in left:
        send(process, signal.SIGKILL, pgdata)
    return wait_gone(left, pgdata, grace)


def wait_gone(processes: Sequence[Member], pgdata: Path, timeout: float) -> list[Member]:
    """Wait up to `timeout` s for the processes to end; return those still alive."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in processes if _still(p, pgdata)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(POLL)


def _still(process: Member, pgdata: Path) -> bool:
    try:
        return member(process.pid, pgdata) is not None
    except PermissionError:
        return False


@contextlib.contextmanager
def _pidfd(pid: int) -> Iterator[int | None]:
    """A pidfd for `pid` (None where the kernel has none: then plain kill, checked first)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        fd = None  # gone: the membership check says so
    except (AttributeError, OSError):
        fd = None
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)
