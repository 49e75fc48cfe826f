"""`lcdb-tap demo` as a user runs it: a real process on a fresh home, pyvo, Ctrl-C, restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg
import pytest
import pyvo

from lcdb import pgprocess
from lcdb.embedded import PID_FILE, EmbeddedPostgres
from tap_service.cli import DEMO_COUNT_URL, DEMO_QUERY, build_parser, demo_usage, main
from tap_service.examples import EXAMPLES
from tests.lcdb.demo.support import seed_ffi_catalogs
from tests.real_files import fetched_all

SIZE = "0.003"  # 9 QLP and 1 SPOC synthetic lightcurves, plus the three real ones
# A position query: the frames covering the real S1 target TIC 358108509 (camera 3, CCD 3 in
# sector 1), and the lightcurves of the targets within 10 arcsec of it.
FRAMES_THERE = (
    "SELECT o.sector, f.file_path FROM lcdb.fits_frame AS f "
    "JOIN lcdb.observation AS o ON o.id = f.observation_id "
    "WHERE 1 = CONTAINS(POINT('ICRS', {ra}, {dec}), f.footprint)"
)
LIGHTCURVES_THERE = (
    "SELECT t.name, d.product_path FROM lcdb.dataset AS d JOIN lcdb.target AS t "
    "ON t.id = d.target_id WHERE 1 = CONTAINS(POINT('ICRS', t.ra, t.dec), "
    "CIRCLE('ICRS', {ra}, {dec}, 10.0 / 3600))"
)


@pytest.fixture
def demo_home() -> Iterator[Path]:
    """A fresh LCDB_HOME whose real files (lightcurves, FFI catalogues) are cached already (no
    download in this test)."""
    home = Path(tempfile.mkdtemp(prefix="lcdb-demo-cli-"))
    real = home / "demo" / "files" / "real"
    real.mkdir(parents=True)
    for name, path in fetched_all().items():
        shutil.copyfile(path, real / name)
    seed_ffi_catalogs(home / "demo" / "files")
    yield home
    EmbeddedPostgres(home / "demo").stop()
    shutil.rmtree(home, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_demo(home: Path, port: int) -> tuple[subprocess.Popen[str], float]:
    """Start the demo; return the process and the seconds until it answered."""
    env = {**os.environ, "LCDB_HOME": str(home)}
    env.pop("LCDB_DATABASE_URL", None)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "tap_service.cli", "demo", "--size", SIZE, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = started + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/tap/availability", timeout=5
            ) as response:
                if b"<vosi:available>true</vosi:available>" in response.read():
                    return process, time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    output = stop(process)
    pytest.fail(f"the demo did not start serving:\n{output}")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


def test_demo_loads_serves_and_a_second_start_reuses_everything(demo_home: Path) -> None:
    port = free_port()
    process, _ = start_demo(demo_home, port)
    try:
        tap = pyvo.dal.TAPService(f"http://127.0.0.1:{port}/tap")
        paths = [
            str(p) for p in tap.search("SELECT product_path FROM lcdb.dataset")["product_path"]
        ]
        real = tap.search("SELECT name, ra, dec FROM lcdb.target WHERE name = 358108509")
        brightest = tap.search(DEMO_QUERY)  # the examples the demo prints work
        where = {"ra": float(real["ra"][0]), "dec": float(real["dec"][0])}
        frames = tap.search(FRAMES_THERE.format(**where), maxrec=100_000)
        lightcurves_there = tap.search(LIGHTCURVES_THERE.format(**where))
        frame_count = tap.search("SELECT COUNT(*) AS n FROM lcdb.fits_frame")["n"][0]
        covering = next(e for e in EXAMPLES if e.id == "frames-covering-a-position")
        example = tap.search(covering.query, maxrec=100_000)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/tap{DEMO_COUNT_URL}") as response:
            counted = response.read().decode().split()
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert len(real) == 1 and real["dec"][0] == pytest.approx(-77.4515)
    assert len(brightest) == 10
    assert counted == ["lightcurves", str(len(paths))]
    assert any(p.endswith("tess2018206045859-s0001-0000000358108509-0120-s_lc.fits") for p in paths)
    assert any(p.endswith("_tess_v01_llc.fits") for p in paths)  # synthetic QLP
    assert any("/spoc/s000" in p and p.endswith("-s_lc.fits") for p in paths)  # synthetic SPOC
    assert frame_count == 20512 + 24688  # every SPOC FFI of sectors 1 and 2 (tess-cloud)
    in_sector_1 = {
        str(p) for s, p in zip(frames["sector"], frames["file_path"], strict=True) if s == 1
    }
    assert len(in_sector_1) == 1282 and all("-s0001-3-3-0120-s_ffic" in p for p in in_sector_1)
    assert {int(n) for n in lightcurves_there["name"]} == {358108509}
    # the example's position (55, -65) is on camera 4 CCD 1 in sector 1 and on camera 3 CCD 4
    # in sector 2 (tess-point); it finds every frame of those CCDs and no other
    assert {
        (int(s), str(p).rpartition("/")[2][18:27])
        for s, p in zip(example["sector"], example["file_path"], strict=True)
    } == {(1, "s0001-4-1"), (2, "s0002-3-4")}
    assert sum(1 for s in example["sector"] if s == 1) == 1282
    assert any(
        str(p).endswith("0000000358108509-0120-s_lc.fits")
        for p in lightcurves_there["product_path"]
    )
    assert "generating about 9 QLP and 1 SPOC 2-min" in output
    loaded = next(line for line in output.splitlines() if "demo: loaded" in line)
    assert "(0 already there, 0 failed)" in loaded
    assert "45,200 FFI frame records (0 of 2 sector catalogues already there, 0 failed)" in loaded
    assert f"serving TAP on http://127.0.0.1:{port}/tap" in output
    assert "pyvo.dal.TAPService" in output and "curl '" in output and "TOPCAT" in output
    assert not EmbeddedPostgres(demo_home / "demo").status().running

    process, seconds = start_demo(demo_home, port)
    output = stop(process)
    assert process.returncode == 0, output
    assert "reusing the demo files" in output and "generating" not in output
    assert "loaded 0 lightcurves (" in output
    assert "0 FFI frame records (2 of 2 sector catalogues already there, 0 failed)" in output
    assert seconds < 20, output


def test_demo_options() -> None:
    parser = build_parser()
    args = parser.parse_args(["demo"])
    assert (args.size, args.host, args.port) == (1.0, "127.0.0.1", 8000)
    assert parser.parse_args(["demo", "--database-url", "postgresql://a/b"]).database_url == (
        "postgresql://a/b"
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--size", "0"])


def test_demo_usage_names_the_url_in_every_example() -> None:
    lines = demo_usage("http://example.org:9000/tap")
    assert sum("http://example.org:9000/tap" in line for line in lines) == 4
    assert "  - in a browser: http://example.org:9000/" in lines


def test_demo_refuses_an_external_database_without_the_schema(
    fresh_database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("LCDB_HOME", str(home))
    assert main(["demo", "--database-url", fresh_database_url, "--port", "1"]) == 1
    assert "run `lcdb-tap db upgrade` first" in capsys.readouterr().err
    assert not home.exists()  # nothing was built before the check


def test_sigterm_while_loading_stops_the_database_and_loading_resumes(demo_home: Path) -> None:
    """SIGTERM before the demo serves (systemd stopping it during its first start): exit 0,
    the embedded server stopped, and every file either loaded whole or not at all, so the next
    start completes the archive."""
    import threading

    port = free_port()
    env = {**os.environ, "LCDB_HOME": str(demo_home)}
    env.pop("LCDB_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tap_service.cli", "demo", "--size", SIZE, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []
    loading = threading.Event()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line)
            if "generating about" in line:
                loading.set()

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        assert loading.wait(120), "".join(lines)
        time.sleep(2.5)  # into the loading (or, on a fast machine, past it)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=10)
    process.stdout.close()
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "serving TAP" not in output, output  # it was stopped before serving
    assert "stopped by SIGTERM" in output
    pgdata = EmbeddedPostgres(demo_home / "demo").pgdata
    assert pgprocess.members(pgdata) == []
    assert not (pgdata / PID_FILE).exists()

    server = EmbeddedPostgres(demo_home / "demo")
    with server.running(), psycopg.connect(server.libpq_url()) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM lcdb_internal.ingested_file"
            "        WHERE kind IN ('spoc', 'tess-spoc', 'qlp')),"
            "       (SELECT count(DISTINCT product_path) FROM lcdb.dataset)"
        ).fetchone()
    assert row is not None and row[0] == row[1]  # each file: its log row and its data, or neither

    process, _ = start_demo(demo_home, port)
    try:
        tap = pyvo.dal.TAPService(f"http://127.0.0.1:{port}/tap")
        products = tap.search("SELECT COUNT(DISTINCT product_path) AS n FROM lcdb.dataset")
        frames = tap.search("SELECT COUNT(*) AS n FROM lcdb.fits_frame")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    assert ", 0 failed)" in next(line for line in output.splitlines() if "demo: loaded" in line)
    assert products["n"][0] == 3 + 9 + 1  # the real ones, QLP and SPOC synthetic ones
    assert frames["n"][0] == 20512 + 24688
    assert pgprocess.members(pgdata) == []
