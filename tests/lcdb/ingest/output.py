"""What `lcdb-tap ingest` printed, for tests of the loading itself."""

from __future__ import annotations

import pytest


def ingest_output(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines an ingest command printed, without the ObsCore refresh report that ends them
    (tests/lcdb/ingest/test_cli.py checks that one)."""
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[-1].startswith("lcdb-tap: ObsCore "), lines
    return lines[:-1]
