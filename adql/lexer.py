"""Query text -> tokens, with the ADQL 2.1 keyword tables.

One compiled regular expression recognises every token; Python's ``re`` engine does the
character work in C, which is what makes the hand-written parser fast (see ``parser.py``).
Lexical rules follow ADQL 2.1 §2.1: regular identifiers are ASCII letters then letters,
digits or underscores; keywords are case-insensitive; ``--`` comments run to the end of
the line (or of the text); strings double their quotes; numbers include ``.5``, ``5.``,
``1e-5`` and 2.1 hexadecimal ``0x1F``. One ``;`` may end the text (SQL tools add it; what
follows it may only be blanks and comments). Anything else (another ``;``, ``::``, ``%``,
``[`` ...) is rejected here, so no SQL outside ADQL can reach the generator.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NoReturn

from adql.errors import ADQLSyntaxError


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: ADQL 2.1 reserved words (REC appendix) plus OFFSET and ILIKE, which are clause/operator
#: keywords and would otherwise be ambiguous as names.
ADQL_RESERVED = _words(
    """
    ABS ACOS AREA ASIN ATAN ATAN2 BIGINT BOX CAST CEILING CENTROID CHAR CIRCLE COALESCE
    CONTAINS COORD1 COORD2 COORDSYS COS DEGREES DISTANCE DOUBLE EXP FLOOR ILIKE INTEGER
    INTERSECTS IN_UNIT LOG LOG10 MOD NULL OFFSET PI POINT POLYGON POWER PRECISION
    RADIANS REAL REGION RAND ROUND SIN SMALLINT SQRT TIMESTAMP TOP TAN TRUNCATE VARCHAR
    """
)

#: SQL-92 reserved words as listed by ADQL 2.1; none may be a regular identifier.
SQL_RESERVED = _words(
    """
    ABSOLUTE ACTION ADD ALL ALLOCATE ALTER AND ANY ARE AS ASC ASSERTION AT AUTHORIZATION
    AVG BEGIN BETWEEN BIT BIT_LENGTH BOTH BY CASCADE CASCADED CASE CAST CATALOG CHAR
    CHARACTER CHAR_LENGTH CHARACTER_LENGTH CHECK CLOSE COALESCE COLLATE COLLATION COLUMN
    COMMIT CONNECT CONNECTION CONSTRAINT CONSTRAINTS CONTINUE CONVERT CORRESPONDING
    COUNT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER
    CURSOR DATE DAY DEALLOCATE DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DELETE DESC
    DESCRIBE DESCRIPTOR DIAGNOSTICS DISCONNECT DISTINCT DOMAIN DOUBLE DROP ELSE END END-
    EXEC ESCAPE EXCEPT EXCEPTION EXEC EXECUTE EXISTS EXTERNAL EXTRACT FALSE FETCH FIRST
    FLOAT FOR FOREIGN FOUND FROM FULL GET GLOBAL GO GOTO GRANT GROUP HAVING HOUR
    IDENTITY IMMEDIATE IN INDICATOR INITIALLY INNER INPUT INSENSITIVE INSERT INT INTEGER
    INTERSECT INTERVAL INTO IS ISOLATION JOIN KEY LANGUAGE LAST LEADING LEFT LEVEL LIKE
    ILIKE LOCAL LOWER MATCH MAX MIN MINUTE MODULE MONTH NAMES NATIONAL NATURAL NCHAR
    NEXT NO NOT NULL NULLIF NUMERIC OCTET_LENGTH OF ON ONLY OPEN OPTION OR ORDER OUTER
    OUTPUT OVERLAPS PAD PARTIAL POSITION PRECISION PREPARE PRESERVE PRIMARY PRIOR
    PRIVILEGES PROCEDURE PUBLIC READ REAL REFERENCES RELATIVE RESTRICT REVOKE RIGHT
    ROLLBACK ROWS SCHEMA SCROLL SECOND SECTION SELECT SESSION SESSION_USER SET SIZE
    SMALLINT SOME SPACE SQL SQLCODE SQLERROR SQLSTATE SUBSTRING SUM SYSTEM_USER TABLE
    TEMPORARY THEN TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TO TRAILING TRANSACTION
    TRANSLATE TRANSLATION TRIM TRUE UNION UNIQUE UNKNOWN UPDATE UPPER USAGE USER USING
    VALUE VALUES VARCHAR VARYING VIEW WHEN WHENEVER WHERE WITH WORK WRITE YEAR ZONE
    """
)

RESERVED = ADQL_RESERVED | SQL_RESERVED

IDENT = "ident"  # regular identifier; ``value`` is the text as written
QIDENT = "qident"  # delimited identifier; ``value`` is the unescaped body
KW = "kw"  # reserved word; ``value`` is upper case
STR = "str"  # string literal; ``value`` is the unescaped body
NUM = "num"  # exact or approximate number; ``value`` is the text
HEX = "hex"  # hexadecimal integer; ``value`` is the text
OP = "op"  # punctuation; ``value`` is the text
EOF = "eof"

_SKIP = r"(?:[ \t\r\n\f\v]+|--[^\n]*)*+"  # whitespace and comments before a token
_TOKEN_RE = re.compile(
    _SKIP
    + r"""
    (?:
      (?P<word>[A-Za-z][A-Za-z0-9_]*)
    | (?P<hex>0[xX][0-9A-Fa-f]+)
    | (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<op><>|!=|<=|>=|\|\||[=<>+\-*/(),.])
    | (?P<qident>"(?:[^"]|"")*")
    | (?P<str>'(?:[^']|'')*')
    | (?P<eof>\Z)
    | (?P<bad>[\s\S])
    )""",
    re.VERBOSE,
)
_SKIP_RE = re.compile(_SKIP)
_GROUPS = _TOKEN_RE.groupindex
_WORD, _HEX, _NUM, _OP = _GROUPS["word"], _GROUPS["hex"], _GROUPS["num"], _GROUPS["op"]
_QIDENT, _STR, _EOF = _GROUPS["qident"], _GROUPS["str"], _GROUPS["eof"]
_BAD = _GROUPS["bad"]
_NEWLINE_RE = re.compile("\n")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
#: PostgreSQL silently truncates longer names, which could merge two distinct ones.
_MAX_IDENTIFIER = 63
_TOO_LONG = f"Identifier longer than {_MAX_IDENTIFIER} bytes"


class Token:
    """One lexeme with its 1-based line/column and character offsets."""

    __slots__ = ("col", "end", "kind", "line", "start", "text", "value")

    def __init__(
        self,
        kind: str,
        value: str,
        line: int,
        col: int,
        start: int,
        end: int,
        text: str | None = None,
    ) -> None:
        self.kind = kind
        self.value = value
        self.text = value if text is None else text  # as written (keywords keep their case)
        self.line = line
        self.col = col
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.line}:{self.col})"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``EOF`` token."""
    tokens: list[Token] = []
    append = tokens.append
    newlines = [m.start() for m in _NEWLINE_RE.finditer(text)]
    pos = 0
    # finditer runs the scan in C. Every position matches (an invalid character as `bad`),
    # so a failed match never makes it search on from each following character (quadratic
    # after a long run of blanks); the skip of blanks and comments is possessive for the
    # same reason (nested repeats would backtrack exponentially).
    for m in _TOKEN_RE.finditer(text):
        index = m.lastindex or 0
        if index == _BAD:
            break
        start, end = m.span(index)
        pos = end
        if newlines:
            line, col = _position(newlines, start)
        else:
            line, col = 1, start + 1
        if index == _WORD:
            word = text[start:end]
            upper = word.upper()
            if upper in RESERVED:
                append(Token(KW, upper, line, col, start, end, word))
            elif end - start > _MAX_IDENTIFIER:
                raise ADQLSyntaxError(_TOO_LONG, line, col)
            else:
                append(Token(IDENT, word, line, col, start, end))
        elif index == _OP:
            append(Token(OP, text[start:end], line, col, start, end))
        elif index in (_NUM, _HEX):
            if _WORD_CHAR.match(text, end):
                raise ADQLSyntaxError(f"Invalid number '{text[start : end + 1][:40]}'", line, col)
            append(Token(NUM if index == _NUM else HEX, text[start:end], line, col, start, end))
        elif index == _EOF:
            append(Token(EOF, "", line, col, start, end))
            return tokens
        else:
            append(_quoted(index, text[start + 1 : end - 1], line, col, start, end))
    bad = _SKIP_RE.match(text, pos).end()  # type: ignore[union-attr]
    line, col = _position(newlines, bad)
    if text[bad] == ";" and _SKIP_RE.match(text, bad + 1).end() == len(text):  # type: ignore[union-attr]
        # one trailing semicolon (and blanks or comments after it), as pasted from SQL tools
        append(Token(EOF, "", line, col, bad, bad))
        return tokens
    _bad_character(text, bad, line, col)


def _quoted(index: int, body: str, line: int, col: int, start: int, end: int) -> Token:
    if not _encodable(body):
        what = "string literal" if index == _STR else "delimited identifier"
        raise ADQLSyntaxError(f"Invalid character (not UTF-8 text) in {what}", line, col)
    if index == _STR:
        if "\x00" in body:
            raise ADQLSyntaxError("NUL character in string literal", line, col)
        return Token(STR, body.replace("''", "'"), line, col, start, end)
    if not body or "\x00" in body:
        raise ADQLSyntaxError("Invalid delimited identifier", line, col)
    name = body.replace('""', '"')
    if len(name.encode()) > _MAX_IDENTIFIER:
        raise ADQLSyntaxError(_TOO_LONG, line, col)
    return Token(QIDENT, name, line, col, start, end)


def _encodable(text: str) -> bool:
    """Whether `text` is valid Unicode (no lone surrogates), as the database must receive it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _position(newlines: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, given the offsets of all newlines."""
    before = bisect_right(newlines, offset - 1)
    line_start = newlines[before - 1] + 1 if before else 0
    return before + 1, offset - line_start + 1


def _bad_character(text: str, pos: int, line: int, col: int) -> NoReturn:
    ch = text[pos]
    if ch == "'":
        raise ADQLSyntaxError("Unterminated string literal", line, col)
    if ch == '"':
        raise ADQLSyntaxError("Unterminated delimited identifier", line, col)
    if ch == ";":
        raise ADQLSyntaxError("Unexpected ';': ADQL accepts exactly one query", line, col)
    raise ADQLSyntaxError(f"Unexpected character '{ch}'", line, col)
