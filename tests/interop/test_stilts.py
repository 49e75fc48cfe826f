"""TOPCAT's library against the live service: taplint finds no errors, votlint passes results."""

from __future__ import annotations

import re
import subprocess
import urllib.parse
import urllib.request

import pytest


def run_stilts(stilts: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [stilts, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_taplint_reports_no_errors(stilts: str, live_url: str) -> None:
    # Every stage but LOC (ObsLocTAP); OBS runs because
    # the capabilities declare ObsCore 1.1. UWS and QAS exercise the async job service.
    result = run_stilts(
        stilts,
        "taplint",
        f"tapurl={live_url}",
        "stages=TMV TME TMS TMC CPV CAP AVV QGE QPO QAS UWS EXA MDQ OBS UPL",
    )
    report = result.stdout
    totals = re.search(r"Totals:\s+Errors:\s*(\d+);\s*Warnings:\s*(\d+)", report)
    assert totals, report[-3000:]
    errors = [line for line in report.splitlines() if line.startswith(("E-", "F-"))]
    assert int(totals.group(1)) == 0, "\n".join(errors)
    # The only warnings left are explained in the README: feature IVOIDs written in lower case
    # as ADQL 2.1 requires, which this STILTS version reports as custom feature types.
    warnings = {
        line.split()[0].rsplit("-", 1)[0] for line in report.splitlines() if line.startswith("W-")
    }
    assert warnings <= {"W-CAP-CULF"}, sorted(warnings)
    # the ObsCore stage ran on ivoa.obscore and found every mandatory column
    assert re.search(r"S-OBS-COLS-1 ivoa\.ObsCore columns: 30/30 required", report), report[-3000:]
    assert "F-OBS" not in report
    # the upload stage ran (capabilities declare upload methods): it submits upload queries
    assert "I-UPL-QSUB-1 Submitting query: SELECT * FROM TAP_UPLOAD.t1" in report, report[-3000:]
    assert "I-UPL-QJOB-1" in report and "F-UPL" not in report


@pytest.mark.parametrize("fmt", ["votable", "votable/td"])
def test_votlint_accepts_results(stilts: str, live_url: str, tmp_path: object, fmt: str) -> None:
    params = urllib.parse.urlencode(
        {
            "LANG": "ADQL",
            "QUERY": 'SELECT d.id, d."values", t.name FROM lcdb.dataset AS d JOIN lcdb.target AS t ON t.id = d.target_id',
            "RESPONSEFORMAT": fmt,
        }
    )
    with urllib.request.urlopen(f"{live_url}/sync?{params}", timeout=60) as response:
        body = response.read()
    path = f"{tmp_path}/result.vot"
    with open(path, "wb") as handle:
        handle.write(body)
    result = run_stilts(stilts, "votlint", f"votable={path}")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_tapquery_async_like_topcat(stilts: str, live_url: str) -> None:
    # TOPCAT's TAP client code (uk.ac.starlink.vo.TapQuery/UwsJob) in async mode: create with
    # a 303, PHASE=RUN, blocking WAIT polls, the result from results/result, DELETE at the end.
    result = run_stilts(
        stilts,
        "tapquery",
        f"tapurl={live_url}",
        "adql=SELECT TOP 4 table_name FROM TAP_SCHEMA.tables ORDER BY table_name",
        "sync=false",
        "delete=always",
        "ofmt=csv",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.split()
    params = urllib.parse.urlencode(
        {
            "LANG": "ADQL",
            "QUERY": "SELECT TOP 4 table_name FROM TAP_SCHEMA.tables ORDER BY table_name",
            "RESPONSEFORMAT": "csv",
        }
    )
    with urllib.request.urlopen(f"{live_url}/sync?{params}", timeout=60) as response:
        expected = response.read().decode().split()
    assert rows == expected and len(rows) == 5


def test_tapquery_async_reports_the_error(stilts: str, live_url: str) -> None:
    result = run_stilts(
        stilts,
        "tapquery",
        f"tapurl={live_url}",
        "adql=SELECT nmae FROM lcdb.target",
        "sync=false",
        "delete=always",
        "ofmt=csv",
        timeout=300,
    )
    assert result.returncode != 0
    assert "did you mean 'name'" in result.stderr + result.stdout
