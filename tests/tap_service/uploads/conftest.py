"""The upload tests join uploads with the ObsCore tests' archive (TIC 358108509 has a position)."""

from __future__ import annotations

from tests.obscore.conftest import (  # noqa: F401  (fixtures, by name)
    obscore_archive,
    obscore_client,
    obscore_live_url,
)
