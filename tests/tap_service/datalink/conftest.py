"""The DataLink tests' archives: the ObsCore tests' one (a real SPOC lightcurve, five frames)
for the HTTP tests, and `archive` (the real SPOC file and a QLP one) for the documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import PgServer
from tests.obscore.conftest import (  # noqa: F401  (fixtures, by name)
    obscore_archive,
    obscore_client,
    obscore_live_url,
)
from tests.tap_service.datalink.lightcurve_archive import Archive, load_archive


@pytest.fixture(scope="package")
def archive(
    pg_server: PgServer, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    """Loaded once for the documents, lightcurve and preview tests (they only read it)."""
    url = pg_server.create_database(template=migrated_template)
    yield load_archive(url, tmp_path_factory.mktemp("lightcurves"))
    pg_server.drop_database(url)
