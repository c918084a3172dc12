"""Compile conditions and effects into numpy functions over a state matrix.

The state of many viewers is one ``int64`` matrix with a row per viewer and a
column per variable. Booleans are stored as 0 and 1, and text as codes into a
table of every text value the story can produce (text supports only ``==``,
``!=`` and assignment, so codes are enough). A compiled expression takes the
matrix and the row numbers to evaluate and returns the values and a mask of
rows whose evaluation failed (a division by zero), or None when none failed.

``and`` and ``or`` evaluate both sides for every row, but an error on the right
counts only where the left side did not already decide the result, which is what
short-circuit evaluation in :func:`author_studio.domain.expressions.evaluate`
does for one viewer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from author_studio.domain.expressions import (
    Assignment,
    Binary,
    Expr,
    Literal,
    Name,
    Unary,
    walk,
)
from author_studio.domain.model import Variable, VariableType, VariableValue

logger = logging.getLogger(__name__)

Values = tuple[np.ndarray, np.ndarray | None]
Compiled = Callable[[np.ndarray, np.ndarray], Values]


class TextCodes:
    """Codes for text values, assigned in sorted order so that they do not
    depend on the order the story lists its choices."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = sorted(set(texts))
        self.code_of = {text: code for code, text in enumerate(self.texts)}


def collect_texts(
    variables: Sequence[Variable],
    expressions: Iterable[Expr],
) -> TextCodes:
    texts = {v.initial for v in variables if v.type is VariableType.TEXT}
    for expr in expressions:
        for node in walk(expr):
            if isinstance(node, Literal) and isinstance(node.value, str):
                texts.add(node.value)
    return TextCodes(str(text) for text in texts)


def encode(value: VariableValue, codes: TextCodes) -> int:
    """Return the state-matrix number of one value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return codes.code_of[value]
    return int(value)


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


def _truncating_divide(left: np.ndarray, right: np.ndarray) -> Values:
    zero = right == 0
    safe = np.where(zero, 1, right)
    quotient = np.abs(left) // np.abs(safe)
    quotient = np.where((left < 0) != (safe < 0), -quotient, quotient)
    return quotient, (zero if zero.any() else None)


def compile_expr(
    expr: Expr, columns: dict[str, int], bool_names: set[str], codes: TextCodes
) -> Compiled:
    """Compile one type-checked expression. Boolean results are numpy bools;
    whole numbers and text codes are ``int64``."""
    if isinstance(expr, Literal):
        value = expr.value
        if isinstance(value, bool):

            def constant_bool(state: np.ndarray, rows: np.ndarray) -> Values:
                return np.full(rows.size, value, dtype=bool), None

            return constant_bool
        number = encode(value, codes)

        def constant(state: np.ndarray, rows: np.ndarray) -> Values:
            return np.full(rows.size, number, dtype=np.int64), None

        return constant
    if isinstance(expr, Name):
        column = columns[expr.name]
        if expr.name in bool_names:

            def read_bool(state: np.ndarray, rows: np.ndarray) -> Values:
                return state[rows, column] != 0, None

            return read_bool

        def read(state: np.ndarray, rows: np.ndarray) -> Values:
            return state[rows, column], None

        return read
    if isinstance(expr, Unary):
        operand = compile_expr(expr.operand, columns, bool_names, codes)
        if expr.op == "not":

            def negate(state: np.ndarray, rows: np.ndarray) -> Values:
                values, errors = operand(state, rows)
                return ~values, errors

            return negate

        def minus(state: np.ndarray, rows: np.ndarray) -> Values:
            values, errors = operand(state, rows)
            return -values, errors

        return minus
    assert isinstance(expr, Binary)
    return _compile_binary(expr, columns, bool_names, codes)


# TODO: int64 arithmetic wraps around silently beyond ±9.2e18, where the
# one-viewer evaluator's Python ints keep growing.
_NUMPY_OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
}


def _compile_binary(
    expr: Binary, columns: dict[str, int], bool_names: set[str], codes: TextCodes
) -> Compiled:
    left = compile_expr(expr.left, columns, bool_names, codes)
    right = compile_expr(expr.right, columns, bool_names, codes)
    if expr.op == "and":

        def both(state: np.ndarray, rows: np.ndarray) -> Values:
            a, a_errors = left(state, rows)
            b, b_errors = right(state, rows)
            if b_errors is not None:
                b_errors = b_errors & a
            return a & b, _either(a_errors, b_errors)

        return both
    if expr.op == "or":

        def either(state: np.ndarray, rows: np.ndarray) -> Values:
            a, a_errors = left(state, rows)
            b, b_errors = right(state, rows)
            if b_errors is not None:
                b_errors = b_errors & ~a
            return a | b, _either(a_errors, b_errors)

        return either
    if expr.op == "/":

        def divide(state: np.ndarray, rows: np.ndarray) -> Values:
            a, a_errors = left(state, rows)
            b, b_errors = right(state, rows)
            quotient, zero = _truncating_divide(a, b)
            return quotient, _either(_either(a_errors, b_errors), zero)

        return divide
    function = _NUMPY_OPS[expr.op]

    def apply(state: np.ndarray, rows: np.ndarray) -> Values:
        a, a_errors = left(state, rows)
        b, b_errors = right(state, rows)
        return function(a, b), _either(a_errors, b_errors)

    return apply


@dataclass(frozen=True)
class CompiledAssignment:
    column: int
    op: str
    value: Compiled
    is_bool: bool


class CompiledEffects:
    """Effects of one choice, applied in place to the rows of a state matrix."""

    def __init__(self, assignments: list[CompiledAssignment]) -> None:
        self.assignments = assignments

    def apply(self, state: np.ndarray, rows: np.ndarray) -> int:
        """Apply the effects to ``rows`` in order and return how many
        assignments failed; a failed assignment leaves its variable as it was."""
        failures = 0
        for assignment in self.assignments:
            values, errors = assignment.value(state, rows)
            if assignment.is_bool:
                values = values.astype(np.int64)
            if assignment.op == "+=":
                values = state[rows, assignment.column] + values
            elif assignment.op == "-=":
                values = state[rows, assignment.column] - values
            if errors is None:
                state[rows, assignment.column] = values
            else:
                failures += int(errors.sum())
                keep = ~errors
                state[rows[keep], assignment.column] = values[keep]
        return failures


def compile_effects(
    assignments: list[Assignment],
    columns: dict[str, int],
    bool_names: set[str],
    codes: TextCodes,
) -> CompiledEffects:
    return CompiledEffects(
        [
            CompiledAssignment(
                columns[a.name],
                a.op,
                compile_expr(a.value, columns, bool_names, codes),
                a.name in bool_names,
            )
            for a in assignments
        ]
    )
