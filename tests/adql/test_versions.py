"""The supported ADQL versions, as the service's LANG check and /capabilities use them."""

from __future__ import annotations

import pytest

import adql


def test_versions_have_their_numbers_and_ivo_ids() -> None:
    assert [(v.number, v.ivo_id) for v in adql.VERSIONS] == [
        ("2.0", "ivo://ivoa.net/std/ADQL#v2.0"),
        ("2.1", "ivo://ivoa.net/std/ADQL#v2.1"),
    ]


def test_lang_values_name_the_language_and_each_version() -> None:
    assert adql.LANG_VALUES == ("ADQL", "ADQL-2.0", "ADQL-2.1")


@pytest.mark.parametrize(
    ("lang", "number"),
    [
        ("ADQL", "2.1"),
        ("adql", "2.1"),
        (" ADQL-2.0 ", "2.0"),
        ("ADQL-2.1", "2.1"),
        ("adql-2.0", "2.0"),
        ("ADQL-2.2", None),
        ("ADQL-9", None),
        ("SQL", None),
        ("", None),
    ],
)
def test_version_for_lang(lang: str, number: str | None) -> None:
    version = adql.version_for_lang(lang)
    assert (version.number if version else None) == number


def test_every_lang_value_selects_a_version() -> None:
    assert all(adql.version_for_lang(lang) in adql.VERSIONS for lang in adql.LANG_VALUES)
