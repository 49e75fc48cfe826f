"""UWS jobs as values: phases, the actions clients may take, and the times they carry.

Pure code (no database, no HTTP): which phase an action leads to in which phase is decided
here alone, so the routes, the store and the runner cannot disagree about it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from tap_service.errors import PhaseConflict


class Phase(enum.StrEnum):
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    ABORTED = "ABORTED"
    UNKNOWN = "UNKNOWN"
    HELD = "HELD"
    SUSPENDED = "SUSPENDED"
    ARCHIVED = "ARCHIVED"


#: Phases a WAIT blocks in (UWS 1.1 §2.2.1.2); the job may still change by itself or be run.
ACTIVE = frozenset({Phase.PENDING, Phase.QUEUED, Phase.EXECUTING})
FINISHED = frozenset({Phase.COMPLETED, Phase.ERROR, Phase.ABORTED})


class Action(enum.StrEnum):
    """What a client may POST as PHASE."""

    RUN = "RUN"
    ABORT = "ABORT"


#: (phase, action) -> the phase after it. Missing pairs are refused with a 403.
TRANSITIONS: dict[tuple[Phase, Action], Phase] = {
    (Phase.PENDING, Action.RUN): Phase.QUEUED,
    (Phase.QUEUED, Action.RUN): Phase.QUEUED,  # already on its way: nothing to do
    (Phase.EXECUTING, Action.RUN): Phase.EXECUTING,
    (Phase.PENDING, Action.ABORT): Phase.ABORTED,
    (Phase.QUEUED, Action.ABORT): Phase.ABORTED,
    (Phase.EXECUTING, Action.ABORT): Phase.ABORTED,
    (Phase.ABORTED, Action.ABORT): Phase.ABORTED,
}


def after(phase: Phase, action: Action) -> Phase:
    """The phase `action` leads to from `phase`, or `PhaseConflict` saying why not."""
    try:
        return TRANSITIONS[(phase, action)]
    except KeyError:
        if action is Action.RUN:
            reason = f"the job has already finished ({phase}); create a new job to run it again"
        else:
            reason = f"the job has already finished ({phase}); there is nothing to abort"
        raise PhaseConflict(f"cannot {action} this job: {reason}") from None


@dataclass(frozen=True)
class Job:
    job_id: str
    run_id: str | None
    owner_id: str | None
    phase: Phase
    creation_time: dt.datetime
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    #: Seconds; never 0 (unlimited is not offered: the service's maximum applies).
    execution_duration: int
    destruction_time: dt.datetime
    parameters: dict[str, list[str]]
    error_message: str | None
    error_type: str | None
    result_type: str | None
    result_size: int | None
    #: The service's base URL as the creating request reached it (links in results).
    service_url: str | None = None


def format_time(value: dt.datetime) -> str:
    """ISO 8601 UTC with a `Z` (UWS-10: pyvo's astropy rejects `+00:00`), milliseconds."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
