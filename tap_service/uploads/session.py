"""Uploaded tables in a query's session: read before the query, loaded inside its transaction.

`gather` turns a request's UPLOAD specs into tables (inline parts or fetched URLs, within the
limits); `load_step` is the `SessionStep` that creates each as a temporary table ``ON COMMIT
DROP``, fills it with COPY and ANALYZEs it, in the query's transaction before it turns
read-only. So the tables exist for that query only and the connection goes back to the pool
without them, whether the query succeeds or fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tap_service.errors import BadParameter
from tap_service.execute import Driver, SessionStep
from tap_service.settings import Settings
from tap_service.uploads.fetch import fetch
from tap_service.uploads.spec import UploadSpec
from tap_service.uploads.table import UploadedTable, column_list, read_upload


def gather(
    specs: Sequence[UploadSpec], parts: Mapping[str, bytes], settings: Settings
) -> tuple[UploadedTable, ...]:
    tables = []
    total = 0
    for spec in specs:
        if spec.part is not None:
            if spec.part not in parts:
                known = ", ".join(sorted(parts)) or "none"
                raise BadParameter(
                    f"UPLOAD {spec.name}: the request has no part named {spec.part!r} "
                    f"(its file parts: {known})"
                )
            data = parts[spec.part]
        else:
            data = fetch(
                spec.name,
                spec.source,
                max_bytes=settings.upload_limit,
                timeout=settings.upload_timeout,
                allow_private=settings.upload_allow_private,
            )
        total += len(data)
        if total > settings.upload_limit:
            raise BadParameter(
                f"UPLOAD {spec.name}: the uploads are larger than this service takes "
                f"({settings.upload_limit:,} bytes in all, LCDB_UPLOAD_LIMIT)"
            )
        tables.append(read_upload(spec.name, data, max_rows=settings.upload_rows))
    return tuple(tables)


def load_step(tables: Sequence[UploadedTable]) -> SessionStep:
    def step(driver: Driver) -> None:
        for table in tables:
            name = table.db_name
            driver.execute(
                f"CREATE TEMPORARY TABLE {name} ({', '.join(column_list(table))}) ON COMMIT DROP"
            )
            columns = [column.values for column in table.columns]
            with driver.cursor().copy(f"COPY {name} FROM STDIN") as copy:
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
            driver.execute(f"ANALYZE {name}")

    return step
