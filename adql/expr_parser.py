"""Expressions and conditions: the half of the parser below the query level.

One method per precedence level (OR, AND, NOT, predicates, ``||``, ``+ -``, ``* /``,
signs, primaries). Values and conditions are parsed by one hierarchy because ``(`` cannot
tell them apart up front (``(a = 1 OR b = 2)`` versus ``(a + 1) * 2``); ``check_value``
and ``condition`` then reject a condition where a value belongs and vice versa.
"""

from __future__ import annotations

from adql import ast
from adql.cursor import _STRUCTURAL, TokenCursor
from adql.errors import ADQLSyntaxError
from adql.functions import FUNCTIONS, Feature
from adql.lexer import HEX, IDENT, KW, NUM, OP, QIDENT, STR, Token

_COMPARISON_OPS = frozenset(("=", "<>", "!=", "<", ">", "<=", ">="))
_SET_FUNCTIONS = frozenset(("AVG", "COUNT", "MAX", "MIN", "SUM"))
#: Geometry constructs, from the function table (they parse into ``GeometryFunction``).
GEOMETRY_FUNCTIONS = frozenset(n for n, f in FUNCTIONS.items() if f.feature is Feature.GEOMETRY)
#: Reserved words that introduce a function call when followed by "(".
_FUNCTION_KEYWORDS = GEOMETRY_FUNCTIONS | frozenset(
    (
        "ABS",
        "ACOS",
        "ASIN",
        "ATAN",
        "ATAN2",
        "CEILING",
        "COS",
        "DEGREES",
        "EXP",
        "FLOOR",
        "LOG",
        "LOG10",
        "MOD",
        "PI",
        "POWER",
        "RADIANS",
        "RAND",
        "ROUND",
        "SIN",
        "SQRT",
        "TAN",
        "TRUNCATE",
        "LOWER",
        "UPPER",
        "COALESCE",
        "IN_UNIT",
    )
)
_CONDITION_TYPES = frozenset(ast.CONDITIONS)


class ExpressionParser(TokenCursor):
    __slots__ = ()

    def select_expression(self, first: ast.QueryTerm | None = None) -> ast.SelectExpression:
        raise NotImplementedError  # provided by the query parser

    def condition(self) -> ast.Expression:
        tok = self.tokens[self.i]
        expr = self.expression()
        if type(expr) not in _CONDITION_TYPES and not isinstance(
            expr, ast.BooleanLiteral | ast.ColumnRef | ast.FunctionCall
        ):
            raise ADQLSyntaxError("Expected a condition", tok.line, tok.col)
        return expr

    def value(self) -> ast.Expression:
        tok = self.tokens[self.i]
        expr = self.concat()
        self.check_value(expr, tok)
        return expr

    def check_value(self, expr: ast.Expression, tok: Token) -> None:
        if type(expr) in _CONDITION_TYPES:
            raise ADQLSyntaxError("Expected a value, not a condition", tok.line, tok.col)

    def expression(self) -> ast.Expression:
        terms = [self.conjunction()]
        while self.at_kw("OR"):
            self.i += 1
            terms.append(self.conjunction())
        return _chain(ast.Or, terms)

    def conjunction(self) -> ast.Expression:
        terms = [self.negation()]
        while self.at_kw("AND"):
            self.i += 1
            terms.append(self.negation())
        return _chain(ast.And, terms)

    def negation(self) -> ast.Expression:
        nots: list[Token] = []
        while tok := self.accept_kw("NOT"):
            nots.append(tok)  # a loop, not recursion: NOT NOT ... cannot exhaust the stack
        expr = self.predicate()
        for tok in reversed(nots):
            expr = ast.Not(expr, tok.line, tok.col)
        return expr

    def predicate(self) -> ast.Expression:
        tok = self.tokens[self.i]
        if tok.kind == KW and tok.value == "EXISTS":
            self.i += 1
            self.expect_op("(")
            query = self.select_expression()
            self.expect_op(")")
            return ast.Exists(query, tok.line, tok.col)
        left = self.concat()
        nxt = self.tokens[self.i]
        if nxt.kind == OP and nxt.value in _COMPARISON_OPS:
            self.i += 1
            self.check_value(left, tok)
            right = self.value()
            return ast.Comparison(nxt.value, left, right, left.line, left.col)
        if nxt.kind != KW:
            return left
        negated = False
        if (
            nxt.value == "NOT"
            and self.peek(1).kind == KW
            and self.peek(1).value in ("BETWEEN", "IN", "LIKE", "ILIKE")
        ):
            self.i += 1
            negated = True
            nxt = self.tokens[self.i]
        word = nxt.value
        if word == "BETWEEN":
            self.i += 1
            self.check_value(left, tok)
            low = self.value()
            self.expect_kw("AND")
            high = self.value()
            return ast.Between(left, low, high, negated, left.line, left.col)
        if word == "LIKE" or word == "ILIKE":
            self.i += 1
            self.check_value(left, tok)
            pattern = self.value()
            return ast.Like(left, pattern, negated, word == "ILIKE", left.line, left.col)
        if word == "IN":
            self.i += 1
            self.check_value(left, tok)
            return self.in_predicate(left, negated)
        if word == "IS":
            self.i += 1
            self.check_value(left, tok)
            neg = self.accept_kw("NOT") is not None
            self.expect_kw("NULL")
            return ast.IsNull(left, neg, left.line, left.col)
        return left

    def in_predicate(self, left: ast.Expression, negated: bool) -> ast.Expression:
        self.expect_op("(")
        if self.at_kw("SELECT") or self.at_op("("):
            saved = self.i
            try:
                query = self.select_expression()
                self.expect_op(")")
                return ast.InSubquery(left, query, negated, left.line, left.col)
            except ADQLSyntaxError:
                if self.tokens[saved].kind == KW:
                    raise
                self.i = saved  # a parenthesized value, not a query
        values = [self.value()]
        while self.accept_op(","):
            values.append(self.value())
        self.expect_op(")")
        if len(values) == 1 and isinstance(values[0], ast.ScalarSubquery):
            return ast.InSubquery(left, values[0].query, negated, left.line, left.col)
        return ast.InList(left, tuple(values), negated, left.line, left.col)

    def concat(self) -> ast.Expression:
        left = self.additive()
        while self.at_op("||"):
            tok = self.next()
            right = self.additive()
            self.check_value(left, tok)
            self.check_value(right, tok)
            left = ast.BinaryOp("||", left, right, left.line, left.col)
        return left

    def additive(self) -> ast.Expression:
        left = self.term()
        while True:
            tok = self.tokens[self.i]
            if tok.kind != OP or (tok.value != "+" and tok.value != "-"):
                return left
            self.i += 1
            right = self.term()
            self.check_value(left, tok)
            self.check_value(right, tok)
            left = ast.BinaryOp(tok.value, left, right, left.line, left.col)

    def term(self) -> ast.Expression:
        left = self.factor()
        while True:
            tok = self.tokens[self.i]
            if tok.kind != OP or (tok.value != "*" and tok.value != "/"):
                return left
            self.i += 1
            right = self.factor()
            self.check_value(left, tok)
            self.check_value(right, tok)
            left = ast.BinaryOp(tok.value, left, right, left.line, left.col)

    def factor(self) -> ast.Expression:
        tok = self.tokens[self.i]
        if tok.kind == OP and (tok.value == "-" or tok.value == "+"):
            self.i += 1
            operand = self.primary()
            self.check_value(operand, tok)
            return ast.UnaryOp(tok.value, operand, tok.line, tok.col)
        return self.primary()

    def primary(self) -> ast.Expression:
        tok = self.tokens[self.i]
        kind = tok.kind
        if kind in (IDENT, QIDENT):
            if kind == IDENT and self.peek(1).kind == OP and self.peek(1).value == "(":
                return self.function_call()
            return self.column_ref()
        if kind == NUM:
            self.i += 1
            text = tok.value
            return ast.NumericLiteral(text, text.isdigit(), tok.line, tok.col)
        if kind == STR:
            self.i += 1
            return ast.StringLiteral(tok.value, tok.line, tok.col)
        if kind == HEX:
            self.i += 1
            return ast.HexLiteral(int(tok.value, 16), tok.line, tok.col)
        if kind == OP and tok.value == "(":
            return self.parenthesized()
        if kind == KW:
            word = tok.value
            if word == "NULL":
                self.i += 1
                return ast.NullLiteral(tok.line, tok.col)
            if word == "TRUE" or word == "FALSE":
                self.i += 1
                return ast.BooleanLiteral(word == "TRUE", tok.line, tok.col)
            if word == "CAST":
                return self.cast()
            nxt = self.peek(1)
            if nxt.kind == OP and nxt.value == "(":
                if word in _SET_FUNCTIONS:
                    return self.set_function()
                if word in _FUNCTION_KEYWORDS:
                    return self.function_call()
            if word == "CASE":
                raise ADQLSyntaxError("CASE expressions are not part of ADQL", tok.line, tok.col)
            if word in _FUNCTION_KEYWORDS or word in _SET_FUNCTIONS:
                raise self.unexpected("'(' after the function name", nxt)
            if word not in _STRUCTURAL:
                return self.column_ref()  # raises the reserved-word message
        raise self.unexpected("a value")

    def parenthesized(self) -> ast.Expression:
        tok = self.next()
        if self.at_kw("SELECT"):
            query = self.select_expression()
            self.expect_op(")")
            return ast.ScalarSubquery(query, tok.line, tok.col)
        inner = self.expression()
        if isinstance(inner, ast.ScalarSubquery):
            nxt = self.tokens[self.i]
            if nxt.kind == KW and nxt.value in ("UNION", "EXCEPT", "INTERSECT", "ORDER", "OFFSET"):
                query = self.select_expression(inner.query)
                self.expect_op(")")
                return ast.ScalarSubquery(query, tok.line, tok.col)
        self.expect_op(")")
        return inner

    def column_ref(self) -> ast.ColumnRef:
        first = self.identifier("a column name")
        parts = [first]
        while self.at_op("."):
            self.i += 1
            parts.append(self.identifier("a column name"))
        if len(parts) > 4:
            raise ADQLSyntaxError("Too many name parts in column reference", first.line, first.col)
        return ast.ColumnRef(tuple(parts), first.line, first.col)

    def arguments(self) -> tuple[ast.Expression, ...]:
        self.expect_op("(")
        if self.accept_op(")"):
            return ()
        args = [self.value()]
        while self.accept_op(","):
            args.append(self.value())
        self.expect_op(")")
        return tuple(args)

    def function_call(self) -> ast.Expression:
        tok = self.next()
        name = tok.value.upper()
        args = self.arguments()
        if name in GEOMETRY_FUNCTIONS:
            return ast.GeometryFunction(name, args, tok.line, tok.col)
        return ast.FunctionCall(name, args, tok.line, tok.col)

    def set_function(self) -> ast.SetFunction:
        tok = self.next()
        self.expect_op("(")
        if tok.value == "COUNT":
            star = self.accept_op("*")
            if star:
                self.expect_op(")")
                return ast.SetFunction("COUNT", None, None, tok.line, tok.col)
        quantifier = None
        if self.accept_kw("DISTINCT"):
            quantifier = ast.SetQuantifier.DISTINCT
        elif self.accept_kw("ALL"):
            quantifier = ast.SetQuantifier.ALL
        arg = self.value()
        self.expect_op(")")
        return ast.SetFunction(tok.value, quantifier, arg, tok.line, tok.col)

    def cast(self) -> ast.Cast:
        tok = self.next()
        self.expect_op("(")
        operand = self.value()
        self.expect_kw("AS")
        target = self.type_name()
        self.expect_op(")")
        return ast.Cast(operand, target, tok.line, tok.col)

    def type_name(self) -> ast.TypeName:
        tok = self.next()
        word = tok.value.upper() if tok.kind in (KW, IDENT) else ""
        if word == "DOUBLE":
            self.expect_kw("PRECISION")
            return ast.TypeName("DOUBLE PRECISION", None, tok.line, tok.col)
        if word in ("CHAR", "VARCHAR"):
            length = None
            if self.accept_op("("):
                length = self.unsigned_integer("a length")
                self.expect_op(")")
            return ast.TypeName(word, length, tok.line, tok.col)
        if word in (
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "REAL",
            "TIMESTAMP",
            "POINT",
            "CIRCLE",
            "POLYGON",
        ):
            return ast.TypeName(word, None, tok.line, tok.col)
        raise self.unexpected(
            "a type (SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, "
            "CHAR, VARCHAR, TIMESTAMP, POINT, CIRCLE, POLYGON)",
            tok,
        )


#: Chains of AND or OR up to this many terms are built left-deep, as written; longer ones
#: balanced, which means the same (both are associative) but nests only log2(n) levels deep,
#: so that generated lists of thousands of conditions stay within :mod:`adql.complexity`.
LEFT_DEEP_CHAIN = 16


def _chain(kind: type[ast.And] | type[ast.Or], terms: list[ast.Expression]) -> ast.Expression:
    if len(terms) <= LEFT_DEEP_CHAIN:
        left = terms[0]
        for right in terms[1:]:
            left = kind(left, right, left.line, left.col)
        return left
    while len(terms) > 1:  # pairwise, level by level: a balanced tree without recursion
        paired: list[ast.Expression] = [
            kind(a, b, a.line, a.col) for a, b in zip(terms[::2], terms[1::2], strict=False)
        ]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]
