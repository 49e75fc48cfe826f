"""Errors a query author can act on.

Every problem found in a user's query is an :class:`ADQLError` carrying a 1-based line and
column, so a TAP service can render one error document and a user sees where to look.
Internal bugs are deliberately *not* ADQLErrors: they must surface as server errors, never
be blamed on the query.
"""

from __future__ import annotations


class ADQLError(Exception):
    """A problem in the query text, located at ``line``:``column`` (both 1-based)."""

    def __init__(self, message: str, line: int, column: int, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.source = source

    def with_source(self, source: str) -> ADQLError:
        """Attach the query text so ``str()`` can show the offending line."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        text = f"{self.message} (line {self.line}, column {self.column})"
        if self.source is None:
            return text
        lines = self.source.splitlines() or [""]
        if not 1 <= self.line <= len(lines):
            return text
        src = lines[self.line - 1].expandtabs(1)
        column = self.column
        if len(src) > _SHOWN:  # a long (generated) line: the part around the column
            start = max(0, min(column - 1 - _SHOWN // 2, len(src) - _SHOWN))
            src = ("..." if start else "") + src[start : start + _SHOWN]
            column += (3 if start else 0) - start
            if start + _SHOWN < len(lines[self.line - 1]):
                src += "..."
        caret = " " * (column - 1) + "^"
        return f"{text}\n{src}\n{caret}"


#: The most characters of the offending line an error shows.
_SHOWN = 100


class ADQLSyntaxError(ADQLError):
    """The text is not an ADQL 2.1 query."""


class ADQLTooComplex(ADQLSyntaxError):
    """The query nests deeper than the translator can follow (:mod:`adql.complexity`)."""


class ADQLSemanticError(ADQLError):
    """The query is well-formed but names something unknown or misuses a function.

    ``suggestion`` holds a close existing name ("did you mean ...") when there is one.
    """

    def __init__(
        self,
        message: str,
        line: int,
        column: int,
        source: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message, line, column, source)
        self.suggestion = suggestion
