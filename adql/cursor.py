"""A cursor over the token list: the accept/expect helpers both parsers share.

It also builds the syntax errors, so every "Unexpected 'x'; expected y" message reads the
same, and knows which reserved words are structural (a plain syntax error where a name is
expected) and which are most likely meant as names (a "quote it" hint).
"""

from __future__ import annotations

from adql import ast
from adql.errors import ADQLSyntaxError
from adql.lexer import EOF, IDENT, KW, NUM, OP, QIDENT, STR, Token

#: Keywords that structure a query; meeting one where a name is expected is a plain syntax
#: error, while any other reserved word there is most likely meant as a name.
_STRUCTURAL = frozenset(
    (
        "SELECT",
        "FROM",
        "WHERE",
        "GROUP",
        "ORDER",
        "BY",
        "HAVING",
        "AND",
        "OR",
        "NOT",
        "JOIN",
        "ON",
        "USING",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "AS",
        "ALL",
        "DISTINCT",
        "TOP",
        "OFFSET",
        "WITH",
        "IN",
        "BETWEEN",
        "LIKE",
        "ILIKE",
        "IS",
        "NULL",
        "EXISTS",
        "CASE",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "NATURAL",
        "CROSS",
        "ASC",
        "DESC",
        "TRUE",
        "FALSE",
        "CAST",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "ESCAPE",
        "ANY",
        "SOME",
    )
)


class TokenCursor:
    """Position in the token list, with the accept/expect helpers and error builders."""

    __slots__ = ("i", "tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int) -> Token:
        """The token ``offset`` ahead (the current one is ``self.tokens[self.i]``)."""
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else self.tokens[-1]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != EOF:
            self.i += 1
        return tok

    def at_kw(self, word: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == KW and tok.value == word

    def at_op(self, op: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == OP and tok.value == op

    def accept_kw(self, word: str) -> Token | None:
        tok = self.tokens[self.i]
        if tok.kind == KW and tok.value == word:
            self.i += 1
            return tok
        return None

    def accept_op(self, op: str) -> Token | None:
        tok = self.tokens[self.i]
        if tok.kind == OP and tok.value == op:
            self.i += 1
            return tok
        return None

    def expect_kw(self, word: str) -> Token:
        tok = self.accept_kw(word)
        if tok is None:
            raise self.unexpected(word)
        return tok

    def expect_op(self, op: str) -> Token:
        tok = self.accept_op(op)
        if tok is None:
            raise self.unexpected(f"'{op}'")
        return tok

    def unexpected(self, expected: str | None = None, tok: Token | None = None) -> ADQLSyntaxError:
        tok = tok or self.tokens[self.i]
        where = "end of query" if tok.kind == EOF else f"'{_token_text(tok)}'"
        msg = f"Unexpected {where}"
        if expected:
            msg += f"; expected {expected}"
        return ADQLSyntaxError(msg, tok.line, tok.col)

    def identifier(self, what: str) -> ast.Identifier:
        tok = self.tokens[self.i]
        if tok.kind == IDENT or tok.kind == QIDENT:
            self.i += 1
            return ast.Identifier(tok.value, tok.kind == QIDENT, tok.line, tok.col)
        if tok.kind == KW and tok.value not in _STRUCTURAL:
            word = tok.text
            raise ADQLSyntaxError(
                f"'{word}' is a reserved word and cannot be used as {what}; "
                f'write it as a delimited identifier "{word}"',
                tok.line,
                tok.col,
            )
        raise self.unexpected(what)

    def unsigned_integer(self, what: str) -> int:
        tok = self.tokens[self.i]
        if tok.kind == NUM and tok.value.isdigit():
            value = int(tok.value)
            if value >= 2**63:  # PostgreSQL's LIMIT/OFFSET and lengths are BIGINT at most
                raise ADQLSyntaxError(f"Number '{tok.value}' is too large", tok.line, tok.col)
            self.i += 1
            return value
        raise self.unexpected(what)


def _token_text(tok: Token) -> str:
    if tok.kind == STR:
        return "'" + tok.value.replace("'", "''") + "'"
    if tok.kind == QIDENT:
        return '"' + tok.value.replace('"', '""') + '"'
    return tok.text
