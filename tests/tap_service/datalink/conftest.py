"""The DataLink tests use the ObsCore tests' archive (a real SPOC lightcurve, five frames)."""

from __future__ import annotations

from tests.obscore.conftest import (  # noqa: F401  (fixtures, by name)
    obscore_archive,
    obscore_client,
    obscore_live_url,
)
