"""Tokens, positions and the lexical rules of ADQL 2.1 §2.1."""

from __future__ import annotations

import pytest

from adql.errors import ADQLSyntaxError
from adql.lexer import EOF, HEX, IDENT, KW, NUM, OP, QIDENT, RESERVED, STR, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in tokenize(text)][:-1]


def test_keywords_are_case_insensitive_and_keep_their_spelling() -> None:
    (tok, _) = tokenize("sElEcT")
    assert (tok.kind, tok.value, tok.text) == (KW, "SELECT", "sElEcT")


def test_number_forms() -> None:
    assert kinds("10e-5 .5 5. 1.5E+3 42 0x1F 0XfF") == [
        (NUM, "10e-5"),
        (NUM, ".5"),
        (NUM, "5."),
        (NUM, "1.5E+3"),
        (NUM, "42"),
        (HEX, "0x1F"),
        (HEX, "0XfF"),
    ]


def test_strings_and_delimited_identifiers_unescape_doubled_quotes() -> None:
    assert kinds("'it''s' \"a\"\"b\" 'ü★'") == [(STR, "it's"), (QIDENT, 'a"b'), (STR, "ü★")]


def test_operators() -> None:
    assert [v for _, v in kinds("<> != <= >= || = < > + - * / ( ) , .")] == [
        "<>",
        "!=",
        "<=",
        ">=",
        "||",
        "=",
        "<",
        ">",
        "+",
        "-",
        "*",
        "/",
        "(",
        ")",
        ",",
        ".",
    ]
    assert all(k == OP for k, _ in kinds("<> != ||"))


def test_comments_run_to_end_of_line_or_text() -> None:
    assert kinds("a -- x 'unterminated\nb -- trailing") == [(IDENT, "a"), (IDENT, "b")]


def test_positions_are_one_based_lines_and_columns() -> None:
    toks = tokenize("SELECT a,\n  b\n\n   FROM t")
    assert [(t.value, t.line, t.col) for t in toks] == [
        ("SELECT", 1, 1),
        ("a", 1, 8),
        (",", 1, 9),
        ("b", 2, 3),
        ("FROM", 4, 4),
        ("t", 4, 9),
        ("", 4, 10),
    ]
    assert toks[-1].kind == EOF


def test_multiline_string_advances_lines() -> None:
    toks = tokenize("'a\nb' x")
    assert (toks[1].line, toks[1].col) == (2, 4)


@pytest.mark.parametrize(
    ("text", "message", "col"),
    [
        ("a ; b", "Unexpected ';'", 3),
        ("a :: b", "Unexpected character ':'", 3),
        ("'abc", "Unterminated string literal", 1),
        ('"abc', "Unterminated delimited", 1),
        ("a % b", "Unexpected character '%'", 3),
        ("12ab", "Invalid number '12a'", 1),
        ("_x", "Unexpected character '_'", 1),
        ("a [1]", "Unexpected character '['", 3),
        ("'a\x00b'", "NUL character", 1),
        ('""', "Invalid delimited identifier", 1),
    ],
)
def test_lexical_errors(text: str, message: str, col: int) -> None:
    with pytest.raises(ADQLSyntaxError, match=message.replace("[", r"\[")) as info:
        tokenize(text)
    assert (info.value.line, info.value.column) == (1, col)


def test_reserved_words_include_adql_and_sql_lists() -> None:
    for word in (
        "SIZE",
        "VALUES",
        "TOP",
        "OFFSET",
        "POINT",
        "IN_UNIT",
        "VALUE",
        "CASE",
        "COALESCE",
        "TRUNCATE",
        "ILIKE",
    ):
        assert word in RESERVED
    assert "LIMIT" not in RESERVED and "COT" not in RESERVED


@pytest.mark.parametrize("query", ['SELECT "a\ud800" FROM t', "SELECT 'x\udfff' FROM t"])
def test_text_that_is_not_unicode_is_a_syntax_error(query: str) -> None:
    """A lone surrogate cannot be sent to the database (hypothesis found one in a mutant)."""
    with pytest.raises(ADQLSyntaxError, match="not UTF-8 text"):
        tokenize(query)
