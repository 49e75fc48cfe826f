"""Recognising a lost database, wherever the error comes from, as the 503 a client should see.

The database can go away under any request: a sync query, a job being created or read, a
job's worker, the runner's bookkeeping. The errors then come from psycopg directly (the
query path uses driver connections) or wrapped by SQLAlchemy (the job store, the pool), and
none of them is a fault of the service. `unavailable` turns each into `ServiceUnavailable`;
`tap_service.app` applies it to every request, and the job runner to its own work.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa

from tap_service.errors import ServiceUnavailable
from tap_service.execute import is_program_limit

#: Errors that mean "no working connection to the database" rather than "this query failed".
LOST = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,  # no pooled connection came free
)


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 for `exc` if it says the database cannot be reached, else None."""
    if isinstance(exc, ServiceUnavailable):
        return exc
    cause = getattr(exc, "orig", None) or exc
    if isinstance(cause, psycopg.errors.QueryCanceled) or is_program_limit(cause):
        return None  # OperationalErrors to psycopg, but a time limit, a query too big to us
    lost = isinstance(exc, LOST) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    )
    if not lost:
        return None
    if isinstance(exc, sa.exc.TimeoutError):
        return ServiceUnavailable(
            "the service has no free database connection right now; retry in a few seconds"
        )
    return ServiceUnavailable(f"the database is not available: {reason(exc)}")


def reason(exc: BaseException) -> str:
    """The first line of the driver's message (SQLAlchemy's wrapper adds SQL and a link)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
