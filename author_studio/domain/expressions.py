"""The story-state language of choice conditions and effects.

A condition is one boolean expression, or empty for "always offered". Effects are
zero or more assignments separated by ``;``. The grammar, from the loosest
binding::

    condition   := or_expr
    or_expr     := and_expr ("or" and_expr)*
    and_expr    := not_expr ("and" not_expr)*
    not_expr    := "not" not_expr | comparison
    comparison  := additive (("==" | "!=" | "<" | "<=" | ">" | ">=") additive)?
    additive    := term (("+" | "-") term)*
    term        := unary (("*" | "/") unary)*
    unary       := "-" unary | primary
    primary     := INTEGER | STRING | "true" | "false" | NAME | "(" or_expr ")"
    effects     := [assignment] (";" [assignment])*
    assignment  := NAME ("=" | "+=" | "-=") or_expr

Comparisons do not chain (``a < b < c`` is an error). ``/`` is integer division
truncating toward zero, as JavaScript's ``Math.trunc(a / b)``. Arithmetic and
ordering work on whole numbers only; text supports ``==`` and ``!=``; ``and``,
``or`` and ``not`` take booleans. Text is written in double quotes with ``\\"`` and
``\\\\`` as the only escapes.

Text is tokenized and parsed by hand into a small tree; nothing is passed to
Python's ``eval``. Every error is an :class:`ExpressionError` whose message starts
with the 1-based column.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Literal as TypingLiteral

from author_studio.domain.expression_syntax import (
    ASSIGN_OPS,
    COMPARISONS,
    KEYWORDS,
    ORDERINGS,
    TRUE,
    Assignment,
    Binary,
    Expr,
    ExpressionError,
    Literal,
    Name,
    Token,
    Unary,
    parse_condition,
    parse_effects,
    tokenize,
    walk,
)
from author_studio.domain.model import Variable, VariableType, VariableValue

__all__ = [
    "ASSIGN_OPS",
    "COMPARISONS",
    "KEYWORDS",
    "ORDERINGS",
    "TRUE",
    "Assignment",
    "Binary",
    "Expr",
    "ExpressionError",
    "Literal",
    "Name",
    "Token",
    "Unary",
    "ValueType",
    "apply_effects",
    "check_condition",
    "check_effects",
    "evaluate",
    "names_read",
    "names_written",
    "parse_condition",
    "parse_effects",
    "tokenize",
    "truncating_divide",
    "type_of",
    "variable_types",
    "walk",
]

logger = logging.getLogger(__name__)

ValueType = TypingLiteral["bool", "int", "text"]


# --- type checking ----------------------------------------------------------------

_TYPE_NAMES: dict[VariableType, ValueType] = {
    VariableType.BOOL: "bool",
    VariableType.INT: "int",
    VariableType.TEXT: "text",
}
_SHOWN = {"bool": "true or false", "int": "a whole number", "text": "text"}


def variable_types(variables: Iterable[Variable]) -> dict[str, ValueType]:
    """Map variable names to the type names used by :func:`type_of`."""
    return {variable.name: _TYPE_NAMES[variable.type] for variable in variables}


def _value_type(value: VariableValue) -> ValueType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "text"


def type_of(expr: Expr, types: Mapping[str, ValueType]) -> ValueType:
    """Return the type of ``expr``, or raise for an unknown name or a mismatch."""
    if isinstance(expr, Literal):
        return _value_type(expr.value)
    if isinstance(expr, Name):
        if expr.name not in types:
            known = ", ".join(sorted(types)) or "none yet"
            raise ExpressionError(
                f"unknown variable {expr.name!r}; declare it under Variables "
                f"(declared: {known})",
                expr.position,
            )
        return types[expr.name]
    if isinstance(expr, Unary):
        operand = type_of(expr.operand, types)
        expected: ValueType = "bool" if expr.op == "not" else "int"
        if operand != expected:
            raise ExpressionError(
                f"'{expr.op}' needs {_SHOWN[expected]}, not {_SHOWN[operand]}",
                expr.position,
            )
        return expected
    left = type_of(expr.left, types)
    right = type_of(expr.right, types)
    if expr.op in ("and", "or"):
        for side, found in (("left", left), ("right", right)):
            if found != "bool":
                raise ExpressionError(
                    f"'{expr.op}' needs true or false on its {side}, not "
                    f"{_SHOWN[found]}",
                    expr.position,
                )
        return "bool"
    if expr.op in ("==", "!="):
        if left != right:
            raise ExpressionError(
                f"'{expr.op}' compares {_SHOWN[left]} with {_SHOWN[right]}; both "
                "sides must have the same type",
                expr.position,
            )
        return "bool"
    for side, found in (("left", left), ("right", right)):
        if found != "int":
            raise ExpressionError(
                f"'{expr.op}' needs a whole number on its {side}, not {_SHOWN[found]}",
                expr.position,
            )
    return "bool" if expr.op in ORDERINGS else "int"


def check_condition(text: str, variables: Iterable[Variable]) -> Expr:
    """Parse and type-check a condition against the declared variables.

    Returns the parsed condition. Raises :class:`ExpressionError` when it does not
    parse, names an undeclared variable or is not a true/false expression.
    """
    expr = parse_condition(text)
    found = type_of(expr, variable_types(variables))
    if found != "bool":
        raise ExpressionError(
            f"a condition must be true or false, but this is {_SHOWN[found]}; "
            "compare it, as in 'x > 0'",
            0 if expr is TRUE else _leftmost(expr),
        )
    return expr


def check_effects(text: str, variables: Iterable[Variable]) -> list[Assignment]:
    """Parse and type-check effects against the declared variables."""
    types = variable_types(variables)
    assignments = parse_effects(text)
    for assignment in assignments:
        if assignment.name not in types:
            known = ", ".join(sorted(types)) or "none yet"
            raise ExpressionError(
                f"unknown variable {assignment.name!r}; declare it under Variables "
                f"(declared: {known})",
                assignment.position,
            )
        target = types[assignment.name]
        found = type_of(assignment.value, types)
        if assignment.op != "=" and target != "int":
            raise ExpressionError(
                f"'{assignment.op}' works on whole numbers; {assignment.name!r} is "
                f"{_SHOWN[target]}",
                assignment.position,
            )
        if found != target:
            raise ExpressionError(
                f"{assignment.name!r} holds {_SHOWN[target]} but is given "
                f"{_SHOWN[found]}",
                _leftmost(assignment.value),
            )
    return assignments


def _leftmost(expr: Expr) -> int:
    return min(node.position for node in walk(expr))


# --- evaluation -------------------------------------------------------------------


def truncating_divide(left: int, right: int) -> int:
    """Divide whole numbers, rounding toward zero (``-7 / 2`` is ``-3``)."""
    quotient = abs(left) // abs(right)
    return quotient if (left < 0) == (right < 0) else -quotient


def _need(value: VariableValue, expected: ValueType, op: str, position: int) -> None:
    if _value_type(value) != expected:
        raise ExpressionError(
            f"'{op}' needs {_SHOWN[expected]}, but the value is {value!r}", position
        )


def evaluate(expr: Expr, state: Mapping[str, VariableValue]) -> VariableValue:
    """Evaluate ``expr`` over ``state`` (variable name to value).

    ``and`` and ``or`` short-circuit. Raises :class:`ExpressionError` for an
    unknown variable, a value of the wrong type or a division by zero.
    """
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Name):
        try:
            return state[expr.name]
        except KeyError:
            raise ExpressionError(
                f"unknown variable {expr.name!r}", expr.position
            ) from None
    if isinstance(expr, Unary):
        value = evaluate(expr.operand, state)
        if expr.op == "not":
            _need(value, "bool", "not", expr.position)
            return not value
        _need(value, "int", "-", expr.position)
        return -value
    op = expr.op
    left = evaluate(expr.left, state)
    if op in ("and", "or"):
        _need(left, "bool", op, expr.position)
        if (op == "and") != bool(left):
            return left
        right = evaluate(expr.right, state)
        _need(right, "bool", op, expr.position)
        return right
    right = evaluate(expr.right, state)
    if op in ("==", "!="):
        if _value_type(left) != _value_type(right):
            raise ExpressionError(
                f"'{op}' compares {left!r} with {right!r} of another type",
                expr.position,
            )
        return (left == right) == (op == "==")
    _need(left, "int", op, expr.position)
    _need(right, "int", op, expr.position)
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        raise ExpressionError("division by zero", expr.position)
    return truncating_divide(left, right)


def apply_effects(
    assignments: Iterable[Assignment], state: Mapping[str, VariableValue]
) -> dict[str, VariableValue]:
    """Return a new state with the assignments applied in order; each one sees the
    values written by those before it. ``state`` is not changed."""
    result = dict(state)
    for assignment in assignments:
        value = evaluate(assignment.value, result)
        if assignment.op != "=":
            current = result.get(assignment.name)
            if current is None:
                raise ExpressionError(
                    f"unknown variable {assignment.name!r}", assignment.position
                )
            _need(current, "int", assignment.op, assignment.position)
            _need(value, "int", assignment.op, assignment.position)
            value = current + value if assignment.op == "+=" else current - value
        result[assignment.name] = value
    return result


# --- inspection -------------------------------------------------------------------


def names_read(expr: Expr | Iterable[Assignment]) -> set[str]:
    """Return the variable names that a condition, or the right-hand sides and
    ``+=``/``-=`` targets of effects, read."""
    if isinstance(expr, (Literal, Name, Unary, Binary)):
        return {node.name for node in walk(expr) if isinstance(node, Name)}
    names: set[str] = set()
    for assignment in expr:
        names |= names_read(assignment.value)
        if assignment.op != "=":
            names.add(assignment.name)
    return names


def names_written(assignments: Iterable[Assignment]) -> set[str]:
    """Return the variable names that effects assign to."""
    return {assignment.name for assignment in assignments}
