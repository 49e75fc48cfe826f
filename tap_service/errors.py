"""Every error the service reports on purpose, with the HTTP status it is sent with.

One hierarchy, mapped to responses in one place (`tap_service.app`): user mistakes are 4xx
DALI error documents whose message says what and where; only real faults are 500.
"""

from __future__ import annotations

from adql import ADQLError


class TAPError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TAPError):
    """The request is wrong; the client can fix it."""

    status = 400


class BadParameter(UsageError):
    pass


class MissingQuery(UsageError):
    pass


class UnsupportedLang(UsageError):
    pass


class UnsupportedFormat(UsageError):
    pass


class QueryError(UsageError):
    """The ADQL is invalid (syntax or meaning): the message points at line and column."""

    @classmethod
    def from_adql(cls, error: ADQLError) -> QueryError:
        return cls(str(error))


class QueryRejected(UsageError):
    """The database refused the query for a reason in the query (division by zero, bad cast)."""


class QueryTimeout(UsageError):
    """The query ran longer than its time limit (the sync limit, or a job's execution duration)."""


class NotFound(TAPError):
    status = 404


class JobNotFound(NotFound):
    """No asynchronous job has this id (never created, deleted, or destroyed at its time)."""


class PhaseConflict(TAPError):
    """The job's phase forbids this action (UWS 1.1 §2.2: 403), e.g. RUN on a finished job."""

    status = 403


class ServiceError(TAPError):
    """A fault of the service, not of the request."""

    status = 500


class ServiceUnavailable(TAPError):
    """The database cannot be reached right now; worth retrying (503 with Retry-After)."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceBusy(ServiceUnavailable):
    """More queries wait than the service admits (`tap_service.admission`)."""
