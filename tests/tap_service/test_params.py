"""TAP parameters: case-insensitive names, checked values, clear errors naming the parameter."""

from __future__ import annotations

import pytest

from tap_service.errors import BadParameter, MissingQuery, UnsupportedFormat, UnsupportedLang
from tap_service.params import collect, parse_tap_request
from tap_service.settings import Settings

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
        ({"LANG": "ADQL", "QUERY": "q", "UPLOAD": "t,param:t"}, BadParameter, "UPLOAD"),
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
