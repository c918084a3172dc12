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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from author_studio.domain.model import Variable, VariableType, VariableValue

logger = logging.getLogger(__name__)

KEYWORDS = frozenset({"true", "false", "and", "or", "not"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ORDERINGS = ("<", "<=", ">", ">=")
ASSIGN_OPS = ("=", "+=", "-=")

_PUNCTUATION = ("==", "!=", "<=", ">=", "+=", "-=", "<", ">", "+", "-", "*", "/")
_PUNCTUATION += ("(", ")", ";", "=")
_MISTAKES = {
    "&&": "use 'and' instead of '&&'",
    "||": "use 'or' instead of '||'",
    "!": "use 'not' instead of '!'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "'": 'text goes in double quotes, as in "harbour"',
    "%": "there is no '%' operator; only + - * / work on numbers",
}

ValueType = TypingLiteral["bool", "int", "text"]


class ExpressionError(ValueError):
    """A condition or effect that cannot be parsed, type-checked or evaluated.

    ``position`` is the 0-based offset into the text that was parsed, ``column``
    the 1-based column shown to writers, and ``problem`` the message without the
    column.
    """

    def __init__(self, problem: str, position: int) -> None:
        self.problem = problem
        self.position = position
        self.column = position + 1
        super().__init__(f"Column {self.column}: {problem}")


# --- syntax tree ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: VariableValue
    position: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Unary:
    """``not x`` or ``-x``."""

    op: str
    operand: Expr
    position: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expr
    right: Expr
    position: int


Expr = Literal | Name | Unary | Binary


@dataclass(frozen=True, slots=True)
class Assignment:
    name: str
    op: str
    value: Expr
    position: int


TRUE = Literal(True, 0)


# --- tokenizer --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: TypingLiteral["int", "text", "name", "op", "end"]
    text: str
    position: int
    value: VariableValue | None = None


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Return the decoded text of the string literal at ``start`` and the offset
    after its closing quote."""
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(chars), index + 1
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following in ('"', "\\"):
                chars.append(following)
                index += 2
                continue
            shown = following or "end of text"
            raise ExpressionError(
                f"invalid escape '\\{shown}' in text; only \\\" and \\\\ are allowed",
                index,
            )
        chars.append(char)
        index += 1
    raise ExpressionError("text is missing its closing double quote", start)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one ``end`` token."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char.isascii() and char.isdigit():
            end = index
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                end += 1
            if end < len(text) and (text[end].isalpha() or text[end] == "_"):
                raise ExpressionError(
                    f"invalid number {text[index : end + 1]!r}; a name cannot start "
                    "with a digit",
                    index,
                )
            tokens.append(Token("int", text[index:end], index, int(text[index:end])))
            index = end
            continue
        if char.isascii() and (char.isalpha() or char == "_"):
            end = index
            while (
                end < len(text)
                and text[end].isascii()
                and (text[end].isalnum() or text[end] == "_")
            ):
                end += 1
            tokens.append(Token("name", text[index:end], index))
            index = end
            continue
        if char == '"':
            value, end = _read_string(text, index)
            tokens.append(Token("text", text[index:end], index, value))
            index = end
            continue
        for mistake, hint in _MISTAKES.items():
            if text.startswith(mistake, index) and not text.startswith("!=", index):
                raise ExpressionError(f"unexpected '{mistake}'; {hint}", index)
        for punct in _PUNCTUATION:
            if text.startswith(punct, index):
                tokens.append(Token("op", punct, index))
                index += len(punct)
                break
        else:
            raise ExpressionError(f"unexpected character {char!r}", index)
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- parser -----------------------------------------------------------------------


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the text"
    return f"'{token.text}'"


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.current
        return token.kind == "op" and token.text in ops

    def at_keyword(self, word: str) -> bool:
        token = self.current
        return token.kind == "name" and token.text == word

    def expect_op(self, op: str, context: str) -> Token:
        if not self.at_op(op):
            raise ExpressionError(
                f"expected '{op}' {context}, found {_describe(self.current)}",
                self.current.position,
            )
        return self.advance()

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.at_keyword("or"):
            token = self.advance()
            left = Binary("or", left, self.and_expr(), token.position)
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.at_keyword("and"):
            token = self.advance()
            left = Binary("and", left, self.not_expr(), token.position)
        return left

    def not_expr(self) -> Expr:
        if self.at_keyword("not"):
            token = self.advance()
            return Unary("not", self.not_expr(), token.position)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        if not self.at_op(*COMPARISONS):
            if self.at_op("="):
                raise ExpressionError(
                    "'=' assigns a value and works only in effects; use '==' to "
                    "compare",
                    self.current.position,
                )
            return left
        token = self.advance()
        node = Binary(token.text, left, self.additive(), token.position)
        if self.at_op(*COMPARISONS):
            raise ExpressionError(
                f"comparisons do not chain; join them with 'and', as in "
                f"'a {token.text} b and b {self.current.text} c'",
                self.current.position,
            )
        return node

    def additive(self) -> Expr:
        left = self.term()
        while self.at_op("+", "-"):
            token = self.advance()
            left = Binary(token.text, left, self.term(), token.position)
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.at_op("*", "/"):
            token = self.advance()
            left = Binary(token.text, left, self.unary(), token.position)
        return left

    def unary(self) -> Expr:
        if self.at_op("-"):
            token = self.advance()
            return Unary("-", self.unary(), token.position)
        return self.primary()

    def primary(self) -> Expr:
        token = self.current
        if token.kind in ("int", "text"):
            self.advance()
            return Literal(token.value, token.position)
        if token.kind == "name":
            if token.text in ("true", "false"):
                self.advance()
                return Literal(token.text == "true", token.position)
            if token.text in KEYWORDS:
                raise ExpressionError(
                    f"expected a value before '{token.text}'", token.position
                )
            self.advance()
            return Name(token.text, token.position)
        if self.at_op("("):
            self.advance()
            inner = self.or_expr()
            if not self.at_op(")"):
                raise ExpressionError(
                    f"expected ')' to close the '(' at column {token.position + 1}, "
                    f"found {_describe(self.current)}",
                    self.current.position,
                )
            self.advance()
            return inner
        raise ExpressionError(
            f"expected a value, found {_describe(token)}", token.position
        )

    def expect_end(self, what: str) -> None:
        if self.current.kind != "end":
            raise ExpressionError(
                f"unexpected {_describe(self.current)} after the end of the {what}",
                self.current.position,
            )

    def assignment(self) -> Assignment:
        token = self.current
        if token.kind != "name" or token.text in KEYWORDS:
            raise ExpressionError(
                f"expected a variable name to assign to, found {_describe(token)}",
                token.position,
            )
        self.advance()
        if self.at_op("=="):
            raise ExpressionError(
                "'==' compares; use '=' to assign a value in effects",
                self.current.position,
            )
        if not self.at_op(*ASSIGN_OPS):
            raise ExpressionError(
                f"expected '=', '+=' or '-=' after {token.text!r}, found "
                f"{_describe(self.current)}",
                self.current.position,
            )
        op = self.advance().text
        return Assignment(token.text, op, self.or_expr(), token.position)


def parse_condition(text: str) -> Expr:
    """Parse a condition; empty or blank text is the literal ``true``."""
    if not text.strip():
        return TRUE
    parser = _Parser(text)
    expr = parser.or_expr()
    parser.expect_end("condition")
    return expr


def parse_effects(text: str) -> list[Assignment]:
    """Parse effects: assignments separated by ``;``. Empty parts are skipped, so
    a trailing ``;`` is accepted."""
    parser = _Parser(text)
    assignments: list[Assignment] = []
    while parser.current.kind != "end":
        if parser.at_op(";"):
            parser.advance()
            continue
        assignments.append(parser.assignment())
        if parser.current.kind != "end":
            parser.expect_op(";", "between two effects")
    return assignments


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


def walk(expr: Expr) -> Iterator[Expr]:
    """Yield ``expr`` and every node below it, parents first."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack.extend((node.right, node.left))


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
