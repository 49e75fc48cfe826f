"""Phases, transitions and the times UWS documents carry (pure code)."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_service.errors import BadParameter, PhaseConflict
from tap_service.uws.model import (
    FINISHED,
    Action,
    Phase,
    after,
    format_time,
    parse_action,
    parse_seconds,
    parse_time,
)


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


def test_actions_are_case_insensitive_and_others_rejected() -> None:
    assert parse_action(" run ") is Action.RUN
    with pytest.raises(BadParameter, match="PHASE='SUSPEND'"):
        parse_action("SUSPEND")


def test_times_are_utc_with_z_and_milliseconds() -> None:
    value = dt.datetime(2030, 1, 2, 4, 5, 6, 789_999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert format_time(value) == "2030-01-02T03:05:06.789Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T03:04:05Z", dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        ("2030-01-02T03:04:05.123456Z", dt.datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)),
        ("2030-01-02T04:04:05+01:00", dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        ("2030-01-02T03:04:05", dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),  # UTC if no zone
    ],
)
def test_client_times_are_parsed(text: str, expected: dt.datetime) -> None:
    assert parse_time("DESTRUCTION", text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2030-13-01T00:00:00Z", "", "1e9"])
def test_malformed_times_name_the_parameter(text: str) -> None:
    with pytest.raises(BadParameter, match=f"DESTRUCTION={text!r} is not an ISO 8601 time"):
        parse_time("DESTRUCTION", text)


@pytest.mark.parametrize("text", ["-5", "1.5", "ten", "", "²"])
def test_malformed_durations_name_the_parameter(text: str) -> None:
    with pytest.raises(BadParameter, match="EXECUTIONDURATION must be a whole number"):
        parse_seconds("EXECUTIONDURATION", text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_times_beyond_the_calendar_are_400(text: str) -> None:
    with pytest.raises(BadParameter, match="out of the range of times"):
        parse_time("AFTER", text)
