"""Phases, transitions and the times UWS documents carry (pure code)."""

from __future__ import annotations

import datetime as dt

import pytest

from lcdb.models.uws_job import UWS_PHASES
from tap_service.errors import PhaseConflict
from tap_service.uws.model import FINISHED, Action, Phase, after, format_time


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (Phase.PENDING, Action.RUN, Phase.QUEUED),
        (Phase.QUEUED, Action.RUN, Phase.QUEUED),
        (Phase.EXECUTING, Action.RUN, Phase.EXECUTING),
        (Phase.PENDING, Action.ABORT, Phase.ABORTED),
        (Phase.QUEUED, Action.ABORT, Phase.ABORTED),
        (Phase.EXECUTING, Action.ABORT, Phase.ABORTED),
        (Phase.ABORTED, Action.ABORT, Phase.ABORTED),
    ],
)
def test_allowed_transitions(start: Phase, action: Action, end: Phase) -> None:
    assert after(start, action) is end


@pytest.mark.parametrize("finished", sorted(FINISHED))
def test_a_finished_job_cannot_run_again(finished: Phase) -> None:
    with pytest.raises(PhaseConflict, match=f"already finished \\({finished}\\)"):
        after(finished, Action.RUN)


@pytest.mark.parametrize("finished", [Phase.COMPLETED, Phase.ERROR])
def test_a_finished_job_cannot_be_aborted(finished: Phase) -> None:
    with pytest.raises(PhaseConflict, match="nothing to abort"):
        after(finished, Action.ABORT)


def test_times_are_utc_with_z_and_milliseconds() -> None:
    value = dt.datetime(2030, 1, 2, 4, 5, 6, 789_999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert format_time(value) == "2030-01-02T03:05:06.789Z"


def test_the_phases_are_those_the_job_table_allows() -> None:
    """The phase vocabulary lives in `Phase`; the job table's CHECK (model and migration)
    must allow exactly it."""
    assert [phase.value for phase in Phase] == list(UWS_PHASES)
