"""Row filters (`--where`): a small language that reads columns and never runs code.

A filter is parsed by an LALR grammar (lark) into a tree of tests and evaluated column by
column with vectorised comparisons. Nothing is evaluated as Python and no name is looked up
anywhere but among the table's columns.

Grammar (keywords are case-insensitive; spaces between tokens are free):

    filter      := conjunction ( "or" conjunction )*
    conjunction := negation ( "and" negation )*
    negation    := "not" negation | "(" filter ")" | test
    test        := column OP value                    OP: == != < <= > >=  (= means ==)
                 | column [ "not" ] "in" "[" value ( "," value )* [ "," ] "]"
                 | column [ "not" ] "between" value "and" value   (both ends included)
                 | column "is" [ "not" ] "missing"
    column      := Name | `any name`   Name: letters (any script), digits and _, not starting
                                       with a digit; backquotes for any other name, `` inside
                                       them stands for one backquote; keywords need backquotes
    value       := number | string     number: 12, 3.5, 1e6, -2 (no quotes)
                                       string: 'text' or "text"; \\', \\" and \\\\ stand for the
                                       quote or backslash, no other backslash escape exists

`not` binds tighter than `and`, which binds tighter than `or`. A filter has at most
10,000 characters and nests not / and / or at most 100 levels deep.

Meaning, on the validated table (its column types come from the schema): numeric columns
compare with numbers; categorical columns compare with one of their levels (a level the
column does not have is an error, so a typo cannot silently keep no rows); ordinal columns
order by the schema's level order, nominal columns have no order; text columns (IDs) compare
with strings, in character order. A missing value satisfies no `==`, `<`, `<=`, `>`, `>=`,
`in` or `between`; `!=`, `not in` and `not between` are their exact opposites and so keep
missing values (as pandas does). `is missing` and `is not missing` test for missing values.

Example: age >= 40 and city in ['Jakarta', 'Bogor'] and `opening channel` != 'Branch'
"""

from __future__ import annotations

import difflib
import functools
import math
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import UserError

MAX_LENGTH = 10_000  # characters
MAX_DEPTH = 100  # nested not / and / or

GRAMMAR = r"""
?start: disjunction
?disjunction: conjunction (_OR conjunction)*
?conjunction: negation (_AND negation)*
?negation: _NOT negation                               -> negate
         | "(" disjunction ")"
         | test
test: column COMPARE value                             -> compare
    | column _IN values                                -> within
    | column _NOT _IN values                           -> not_within
    | column _BETWEEN value _AND value                 -> between
    | column _NOT _BETWEEN value _AND value            -> not_between
    | column _IS _MISSING                              -> missing
    | column _IS _NOT _MISSING                         -> not_missing
column: NAME | QUOTED_NAME
values: "[" value ("," value)* ","? "]"
value: NUMBER | MINUS NUMBER | STRING
COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">" | "="
MINUS: "-"
_OR: "or"i
_AND: "and"i
_NOT: "not"i
_IN: "in"i
_BETWEEN: "between"i
_IS: "is"i
_MISSING: "missing"i
NAME: /[^\W\d]\w*/
QUOTED_NAME: /`(?:[^`]|``)+`/
NUMBER: /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/
STRING: /'(?:[^'\\]|\\.)*'/s | /"(?:[^"\\]|\\.)*"/s
%ignore /\s+/
"""

# How a parse error names what the grammar would have accepted, in this order.
_EXPECTED = {
    "NAME": "a column name",
    "QUOTED_NAME": "a column name",
    "LPAR": "'('",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "_IN": "'in'",
    "_NOT": "'not'",
    "_BETWEEN": "'between'",
    "_IS": "'is'",
    "_MISSING": "'missing'",
    "NUMBER": "a number",
    "MINUS": "a number",
    "STRING": "a quoted string",
    "LSQB": "'['",
    "COMMA": "','",
    "RSQB": "']'",
    "_AND": "'and'",
    "_OR": "'or'",
    "RPAR": "')'",
    "$END": "the end of the filter",
}
_ORDERS = ("<", "<=", ">", ">=", "between")
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_SHOWN = 70  # characters of a long filter shown around the problem


class FilterError(UserError):
    """A filter that cannot be parsed or does not fit the table."""


@dataclass(frozen=True)
class Value:
    """A number or string literal and where it starts (1-based)."""

    value: float | str
    position: int

    def __str__(self) -> str:
        if isinstance(self.value, str):
            return repr(self.value)
        return f"{self.value:g}"


@dataclass(frozen=True)
class Test:
    """One column test: op is ==, <, <=, >, >=, in, between or missing; negated flips it."""

    column: str
    position: int
    op: str
    values: tuple[Value, ...]
    negated: bool = False
    depth = 0  # a leaf


@dataclass(frozen=True)
class Not:
    """The operand does not hold."""

    operand: Node
    depth: int


@dataclass(frozen=True)
class Junction:
    """All operands hold (and) or any does (or)."""

    kind: str
    operands: tuple[Node, ...]
    depth: int


Node = Test | Not | Junction


@dataclass(frozen=True)
class Filter:
    """A parsed filter; `mask` evaluates it on a table."""

    text: str
    root: Node

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        """True for the rows the filter keeps. Every test is checked against the table's
        columns and levels before anything is computed."""
        for test in _tests(self.root):
            _check(test, table, self.text)
        return _evaluate(self.root, table)


def parse_filter(text: str) -> Filter:
    """Parse a filter; FilterError (with the position of the problem) if it is not one."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    if not isinstance(text, str):
        raise FilterError(f"a filter is text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FilterError(
            f"the filter is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if not text.strip():
        raise FilterError("the filter is empty")
    try:
        root = _parser().parse(text)
    except _Problem as problem:
        raise problem.error(text) from None
    except UnexpectedCharacters as exc:
        raise _unexpected_character(text, exc.pos_in_stream) from None
    except UnexpectedToken as exc:
        raise _unexpected_token(text, exc.token, exc.expected) from None
    except UnexpectedInput:  # lark's remaining kind (end of input) has no token
        raise _error(text, len(text) + 1, "the filter ends too early") from None
    return Filter(text, root)


def filter_rows(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """The rows of `table` the filter keeps, with their index."""
    return table[parse_filter(text).mask(table)]


class _Problem(Exception):
    """A problem found while building the tree; becomes a FilterError once the text is known."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position, self.message = position, message

    def error(self, text: str) -> FilterError:
        return _error(text, self.position, self.message)


class _Build:
    """lark callbacks: build the filter tree bottom-up while parsing (no recursion)."""

    def column(self, children: list[Any]) -> tuple[str, int]:
        token = children[0]
        name = token.value[1:-1].replace("``", "`") if token.type == "QUOTED_NAME" else token.value
        return name, token.start_pos + 1

    def value(self, children: list[Any]) -> Value:
        token = children[-1]
        start = children[0].start_pos + 1
        if token.type == "STRING":
            return Value(_unescape(token.value[1:-1], token.start_pos + 2), start)
        number = float(token.value)
        if not math.isfinite(number):
            raise _Problem(start, f"the number {token.value} is too large")
        return Value(-number if len(children) == 2 else number, start)

    def values(self, children: list[Value]) -> tuple[Value, ...]:
        return tuple(children)

    def compare(self, children: list[Any]) -> Test:
        (name, position), op, value = children
        symbol = "==" if op.value in ("=", "!=") else op.value
        return Test(name, position, symbol, (value,), negated=op.value == "!=")

    def within(self, children: list[Any], negated: bool = False) -> Test:
        (name, position), values = children
        return Test(name, position, "in", values, negated)

    def not_within(self, children: list[Any]) -> Test:
        return self.within(children, negated=True)

    def between(self, children: list[Any], negated: bool = False) -> Test:
        (name, position), low, high = children
        return Test(name, position, "between", (low, high), negated)

    def not_between(self, children: list[Any]) -> Test:
        return self.between(children, negated=True)

    def missing(self, children: list[Any], negated: bool = False) -> Test:
        ((name, position),) = children
        return Test(name, position, "missing", (), negated)

    def not_missing(self, children: list[Any]) -> Test:
        return self.missing(children, negated=True)

    def negate(self, children: list[Node]) -> Not:
        return Not(children[0], _deeper(children))

    def conjunction(self, children: list[Node]) -> Junction:
        return Junction("and", tuple(children), _deeper(children))

    def disjunction(self, children: list[Node]) -> Junction:
        return Junction("or", tuple(children), _deeper(children))


@functools.cache
def _parser() -> Any:
    # lark is imported on first use: most commands never filter and start 40 ms faster.
    from lark import Lark

    return Lark(GRAMMAR, parser="lalr", lexer="basic", transformer=_Build())


def _deeper(children: Sequence[Node]) -> int:
    depth = 1 + max(child.depth for child in children)
    if depth > MAX_DEPTH:
        first = next(_tests(children[0]))
        raise _Problem(
            first.position,
            f"the filter nests 'not', 'and' and 'or' more than {MAX_DEPTH} levels deep",
        )
    return depth


def _unescape(body: str, start: int) -> str:
    """The string between the quotes; `start` is the 1-based position of its first character."""
    for escape in _ESCAPE.finditer(body):
        if escape.group(1) not in "'\"\\":
            raise _Problem(
                start + escape.start(),
                f"unknown escape '{escape.group(0)}' in a string (only \\', \\\" and "
                "\\\\ are escapes)",
            )
    return _ESCAPE.sub(r"\1", body)


def _unexpected_character(text: str, index: int) -> FilterError:
    char = text[index]
    if char in "'\"":
        return _error(text, index + 1, f"the string opened with {char} is never closed")
    if char == "`":
        return _error(text, index + 1, "the backquoted column name is never closed (or empty)")
    hint = {"&": " (use 'and')", "|": " (use 'or')", "~": " (use 'not')"}.get(char, "")
    return _error(text, index + 1, f"unexpected character {char!r}{hint}")


def _unexpected_token(text: str, token: Any, expected: set[str]) -> FilterError:
    wanted = list(dict.fromkeys(_EXPECTED[name] for name in _EXPECTED if name in expected))
    accepted = f"expected {_either(wanted)}" if wanted else "nothing can follow"
    at_end = token.type == "$END"
    index = len(text) if at_end else token.start_pos
    before = _token_before(text, index)
    after = f" after {_shorten(before)}" if before else ""
    problem = "the filter ends too early" if at_end else f"unexpected {_shorten(token.value)}"
    return _error(text, index + 1, f"{problem}{after}: {accepted}")


def _token_before(text: str, index: int) -> str | None:
    """The text of the last token that ends at or before `index`."""
    previous = None
    for token in _parser().lex(text):  # lexes fine up to the parse error
        if token.end_pos > index:
            break
        previous = token.value
    return previous


def _error(text: str, position: int, message: str) -> FilterError:
    """`message at position N`, then the filter with a caret under the position."""
    start = max(0, min(position - 1 - _SHOWN // 2, len(text) - _SHOWN))
    shown = "".join(c if c.isprintable() else " " for c in text[start : start + _SHOWN])
    before = "..." if start else ""
    after = "..." if start + _SHOWN < len(text) else ""
    caret = " " * (len(before) + position - 1 - start) + "^"
    return FilterError(f"{message} at position {position}\n  {before}{shown}{after}\n  {caret}")


def _shorten(token: str) -> str:
    return repr(token if len(token) <= 30 else token[:27] + "...")


def _either(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _tests(node: Node) -> Iterator[Test]:
    """Every test of the tree, left to right (without recursion)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Test):
            yield current
        elif isinstance(current, Not):
            stack.append(current.operand)
        else:
            stack.extend(reversed(current.operands))


def _check(test: Test, table: pd.DataFrame, text: str) -> None:
    """FilterError if the test names no column of the table or does not fit its type."""
    if test.column not in table.columns:
        hint = _suggest(test.column, [str(c) for c in table.columns])
        raise _error(text, test.position, f"unknown column {test.column!r}{hint}")
    if test.op == "missing":
        return
    dtype = table[test.column].dtype
    column = f"column {test.column!r}"
    if isinstance(dtype, pd.CategoricalDtype):
        if test.op in _ORDERS and not dtype.ordered:
            raise _error(
                text,
                test.position,
                f"{column} is nominal: its levels have no order, "
                f"so it cannot be compared with {test.op!r} (use ==, != or in)",
            )
        levels = [str(level) for level in dtype.categories]
        for value in test.values:
            if not isinstance(value.value, str):
                raise _error(
                    text,
                    value.position,
                    f"{column} holds levels, not numbers: quote "
                    f"the level ({test.column} == '{value}')",
                )
            if value.value not in levels:
                known = _suggest(value.value, levels) or f" (its levels: {_listing(levels)})"
                raise _error(text, value.position, f"{column} has no level {value.value!r}{known}")
    elif pd.api.types.is_numeric_dtype(dtype):
        for value in test.values:
            if isinstance(value.value, str):
                raise _error(
                    text,
                    value.position,
                    f"{column} is numeric, but {value} is a string (write numbers without quotes)",
                )
    else:
        for value in test.values:
            if not isinstance(value.value, str):
                raise _error(
                    text,
                    value.position,
                    f"{column} holds text: quote the value ({test.column} == '{value}')",
                )


def _suggest(name: str, candidates: Sequence[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, ignoring case, or ''."""
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def _listing(items: Sequence[str], shown: int = 12) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _evaluate(node: Node, table: pd.DataFrame) -> np.ndarray:
    """The boolean mask of a checked tree (recursion is bounded by MAX_DEPTH)."""
    if isinstance(node, Not):
        return ~_evaluate(node.operand, table)
    if isinstance(node, Junction):
        combine = np.logical_and if node.kind == "and" else np.logical_or
        result = _evaluate(node.operands[0], table)
        for operand in node.operands[1:]:
            result = combine(result, _evaluate(operand, table))
        return result
    series = table[node.column]
    if node.op == "missing":
        kept = series.isna().to_numpy()
    else:
        data, present, operands = _comparable(series, [v.value for v in node.values])
        if node.op == "in":
            kept = np.isin(data, operands)
        elif node.op == "between":
            kept = (data >= operands[0]) & (data <= operands[1])
        else:
            kept = _COMPARISONS[node.op](data, operands[0])
        kept = np.asarray(kept, dtype=bool) & present
    return ~kept if node.negated else kept


def _comparable(series: pd.Series, values: list[Any]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """The column as a numpy array, which cells are present, and the values in its terms
    (level codes for a categorical column, so an ordinal compares by its level order)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        levels = [str(level) for level in series.cat.categories]
        return codes, codes >= 0, [levels.index(v) for v in values]
    present = series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan), present, values
    return series.astype("string").to_numpy(dtype=object, na_value=""), present, values
