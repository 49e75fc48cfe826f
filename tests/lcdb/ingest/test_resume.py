"""An interrupted ingest resumes: logged files are skipped unopened, changed ones read again."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from lcdb.ingest.load import Outcome
from lcdb.ingest.run import ingest_lightcurves
from tests.lcdb.ingest.support import connect, targets
from tests.lcdb.ingest.variants import qlp_file


def files(directory: Path, count: int) -> list[Path]:
    return [
        qlp_file(directory / f"t{tic}" / f"hlsp_qlp_{tic}_llc.fits", tic=tic, seed=tic)
        for tic in range(1, count + 1)
    ]


def test_a_run_stopped_midway_continues_where_it_stopped(
    migrated_database_url: str, tmp_path: Path
) -> None:
    paths = files(tmp_path, 4)
    run = ingest_lightcurves(migrated_database_url, [tmp_path], jobs=1)
    first = next(run)
    assert first.outcome is Outcome.LOADED
    run.close()  # the interruption: the generator is abandoned after one file
    loaded_before = targets(migrated_database_url)
    assert 1 in loaded_before and len(loaded_before) < 4

    again = list(ingest_lightcurves(migrated_database_url, [tmp_path], jobs=1))
    assert [r.path for r in again] == paths
    assert again[0].outcome is Outcome.UNCHANGED
    assert again[0].what == "already loaded, per the ingest log"
    assert {r.outcome for r in again[len(loaded_before) :]} == {Outcome.LOADED}
    assert targets(migrated_database_url) == {1, 2, 3, 4}
    with connect(migrated_database_url) as conn:
        logged = conn.execute(
            "SELECT path, kind FROM lcdb_internal.ingested_file ORDER BY path"
        ).fetchall()
    assert logged == [(str(p.resolve()), "qlp") for p in paths]


def test_a_changed_file_is_read_again_and_a_failed_one_is_not_logged(
    migrated_database_url: str, tmp_path: Path
) -> None:
    [path] = files(tmp_path, 1)
    broken = tmp_path / "broken_llc.fits"
    broken.write_bytes(path.read_bytes()[:5000])
    first = list(ingest_lightcurves(migrated_database_url, [path, broken]))
    assert first[0].outcome is Outcome.LOADED and first[1].failed
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    [reread] = ingest_lightcurves(migrated_database_url, [path])
    assert reread.outcome is Outcome.UNCHANGED
    assert reread.what.startswith("qlp TIC 1 ")  # it was opened, not skipped by the log
    [still] = ingest_lightcurves(migrated_database_url, [broken])
    assert still.failed  # failures are never logged, so they are retried


def test_the_progress_bar_shows_counts_and_rate_on_a_terminal(
    migrated_database_url: str, tmp_path: Path
) -> None:
    files(tmp_path, 3)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    command = [sys.executable, "-m", "tap_service.cli", "--database-url", migrated_database_url]
    process = subprocess.run(
        [*command, "ingest", "qlp", str(tmp_path)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        timeout=120,
        check=False,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal is closed once everything was read
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    assert "3/3" in text and "3 loaded, 0 unchanged, 0 failed" in text and "cadences/s" in text
    assert "loaded    " not in text  # no per-file lines on a terminal
    assert "ingest qlp: 3 loaded, 0 unchanged, 0 replaced, 0 failed" in text


def test_ffi_files_are_logged_with_their_frames_and_skipped_when_loaded(
    migrated_database_url: str, tmp_path: Path
) -> None:
    from lcdb.ingest.ffi_run import ingest_ffi
    from tests.lcdb.ingest.ffi_files import write_ffi

    first = write_ffi(tmp_path, "tess2019131050742-s0011-1-1-0143-s_ffic.fits")
    second = write_ffi(tmp_path, "tess2019131052742-s0011-1-1-0143-s_ffic.fits")
    loaded = list(ingest_ffi(migrated_database_url, [tmp_path]))
    assert [r.outcome for r in loaded] == [Outcome.LOADED, Outcome.LOADED]
    with connect(migrated_database_url) as conn:
        logged = conn.execute(
            "SELECT path, kind FROM lcdb_internal.ingested_file ORDER BY path"
        ).fetchall()
    assert logged == [(str(first.resolve()), "ffi"), (str(second.resolve()), "ffi")]
    again = list(ingest_ffi(migrated_database_url, [tmp_path]))
    assert [(r.outcome, r.what) for r in again] == [
        (Outcome.UNCHANGED, "already loaded, per the ingest log")
    ] * 2
