"""Tokenizer, syntax tree and parser of the story-state language.

The grammar and the semantics are described in
:mod:`author_studio.domain.expressions`, the module to import from.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from author_studio.domain.model import VariableValue

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
    """Parse a condition; empty or blank text is the literal ``true``.

    Results are cached by text, because a story repeats the same conditions
    many times; the tree is immutable, so sharing it is safe.
    """
    return _parse_condition(text)


@functools.lru_cache(maxsize=4096)
def _parse_condition(text: str) -> Expr:
    if not text.strip():
        return TRUE
    parser = _Parser(text)
    expr = parser.or_expr()
    parser.expect_end("condition")
    return expr


def parse_effects(text: str) -> list[Assignment]:
    """Parse effects: assignments separated by ``;``. Empty parts are skipped, so
    a trailing ``;`` is accepted. Each call returns a new list."""
    return list(_parse_effects(text))


@functools.lru_cache(maxsize=4096)
def _parse_effects(text: str) -> tuple[Assignment, ...]:
    parser = _Parser(text)
    assignments: list[Assignment] = []
    while parser.current.kind != "end":
        if parser.at_op(";"):
            parser.advance()
            continue
        assignments.append(parser.assignment())
        if parser.current.kind != "end":
            parser.expect_op(";", "between two effects")
    return tuple(assignments)


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
