"""Request parameters (TAP, UWS job control): checked values, clear errors naming the parameter."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_service import params
from tap_service.errors import BadParameter, MissingQuery, UnsupportedFormat, UnsupportedLang
from tap_service.params import collect, parse_tap_request
from tap_service.settings import Settings
from tap_service.uws.model import Action

SETTINGS = Settings(maxrec_default=100, maxrec_limit=1000)


def parse(**params: str) -> object:
    return parse_tap_request(collect(params.items()), SETTINGS)


def test_names_are_case_insensitive_and_values_kept() -> None:
    request = parse_tap_request(
        collect([("lang", "ADQL"), ("Query", "SELECT 1"), ("mAxReC", "5"), ("runid", "Mine")]),
        SETTINGS,
    )
    assert (request.lang, request.query, request.maxrec, request.runid) == (
        "ADQL",
        "SELECT 1",
        5,
        "Mine",
    )


@pytest.mark.parametrize("lang", ["ADQL", "ADQL-2.0", "ADQL-2.1", "adql"])
def test_every_declared_language_version_is_accepted(lang: str) -> None:
    assert parse(LANG=lang, QUERY="SELECT 1").query == "SELECT 1"


def test_maxrec_defaults_and_is_clamped_to_the_hard_limit() -> None:
    assert parse(LANG="ADQL", QUERY="q").maxrec == 100
    assert parse(LANG="ADQL", QUERY="q", MAXREC="5000").maxrec == 1000
    assert parse(LANG="ADQL", QUERY="q", MAXREC="0").maxrec == 0


def test_unknown_parameters_and_request_doquery_are_ignored() -> None:
    request = parse(LANG="ADQL", QUERY="q", REQUEST="doQuery", DUMMY="ignore-me")
    assert request.query == "q"


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"QUERY": "q"}, BadParameter, "LANG is required"),
        ({"LANG": "OOBLECK", "QUERY": "q"}, UnsupportedLang, "OOBLECK"),
        ({"LANG": "ADQL"}, MissingQuery, "QUERY is required"),
        ({"LANG": "ADQL", "QUERY": "   "}, MissingQuery, "QUERY is required"),
        (
            {"LANG": "ADQL", "QUERY": "q", "MAXREC": "-1"},
            BadParameter,
            "MAXREC must be a non-negative integer",
        ),
        ({"LANG": "ADQL", "QUERY": "q", "MAXREC": "ten"}, BadParameter, "'ten'"),
        ({"LANG": "ADQL", "QUERY": "q", "RESPONSEFORMAT": "pdf"}, UnsupportedFormat, "'pdf'"),
        ({"LANG": "ADQL", "QUERY": "q", "REQUEST": "getCapabilities"}, BadParameter, "REQUEST"),
        ({"LANG": "ADQL", "QUERY": "q", "UPLOAD": "t"}, BadParameter, "give name,param:part"),
        ({"LANG": "ADQL", "QUERY": "q", "RUNID": "x" * 65}, BadParameter, "RUNID"),
    ],
)
def test_bad_parameters_name_what_is_wrong(
    params: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse(**params)


def test_single_valued_parameters_given_twice_differently_are_refused() -> None:
    with pytest.raises(BadParameter, match="QUERY may be given only once"):
        parse_tap_request(collect([("LANG", "ADQL"), ("QUERY", "a"), ("query", "b")]), SETTINGS)
    same = parse_tap_request(collect([("LANG", "ADQL"), ("QUERY", "a"), ("query", "a")]), SETTINGS)
    assert same.query == "a"


# -- UWS job control ------------------------------------------------------------------------


def test_actions_are_case_insensitive_and_others_rejected() -> None:
    assert params.action(" run ") is Action.RUN
    with pytest.raises(BadParameter, match="PHASE='SUSPEND'"):
        params.action("SUSPEND")


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
    assert params.iso_time("DESTRUCTION", text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2030-13-01T00:00:00Z", "", "1e9"])
def test_malformed_times_name_the_parameter(text: str) -> None:
    with pytest.raises(BadParameter, match=f"DESTRUCTION={text!r} is not an ISO 8601 time"):
        params.iso_time("DESTRUCTION", text)


@pytest.mark.parametrize("text", ["-5", "1.5", "ten", "", "²"])
def test_malformed_durations_name_the_parameter(text: str) -> None:
    with pytest.raises(BadParameter, match="EXECUTIONDURATION must be a whole number"):
        params.seconds("EXECUTIONDURATION", text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_times_beyond_the_calendar_are_400(text: str) -> None:
    with pytest.raises(BadParameter, match="out of the range of times"):
        params.iso_time("AFTER", text)
