"""Over-approximate the values each story variable can take, and decide whether a
condition can ever hold.

The approximation is flow-insensitive: it takes the initial value and every value
that any effect of any choice can assign, regardless of order or reachability.
That set contains every value the variable can have in a real playthrough, so a
condition that is false for every combination of those values can never hold.
The converse does not follow, because the approximation drops the relations between
variables: ``a > 2 and b < 1`` may look possible when no path sets both.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from author_studio.domain.expressions import (
    COMPARISONS,
    Assignment,
    Binary,
    Expr,
    ExpressionError,
    Literal,
    Name,
    Unary,
    evaluate,
    walk,
)
from author_studio.domain.model import Variable, VariableType, VariableValue

logger = logging.getLogger(__name__)

# A whole-number variable keeps an exact set of values up to this size, then
# becomes an interval.
MAX_SET_SIZE = 64
# Rounds of propagation between variables before the interval bounds are widened
# to infinity.
MAX_ROUNDS = 12
# The maximum number of value combinations tried when checking one condition.
MAX_COMBINATIONS = 20_000


@dataclass
class Domain:
    """The values one variable may take: an exact finite set, or for a whole
    number whose set grew too large, the interval ``lo..hi`` (either bound may be
    infinite)."""

    values: set[VariableValue] | None = field(default_factory=set)
    lo: float = math.inf
    hi: float = -math.inf

    @property
    def is_exact(self) -> bool:
        return self.values is not None

    def add(self, value: VariableValue) -> bool:
        """Add one value; return whether the domain grew."""
        if self.values is not None:
            if value in self.values:
                return False
            self.values.add(value)
            if len(self.values) > MAX_SET_SIZE and not isinstance(value, (bool, str)):
                self.to_interval()
            return True
        return self.add_interval(value, value)

    def add_interval(self, lo: float, hi: float) -> bool:
        if self.values is not None:
            self.to_interval()
        grew = lo < self.lo or hi > self.hi
        self.lo = min(self.lo, lo)
        self.hi = max(self.hi, hi)
        return grew

    def to_interval(self) -> None:
        if self.values is None:
            return
        numbers = [v for v in self.values if isinstance(v, int)]
        self.lo = min(numbers, default=math.inf)
        self.hi = max(numbers, default=-math.inf)
        self.values = None

    def bounds(self) -> tuple[float, float]:
        if self.values is not None:
            numbers = [v for v in self.values if not isinstance(v, (bool, str))]
            return min(numbers, default=math.inf), max(numbers, default=-math.inf)
        return self.lo, self.hi

    def describe(self) -> str:
        if self.values is not None:
            shown = sorted(self.values, key=lambda v: (str(type(v)), v))
            return (
                "{"
                + ", ".join(_show_value(v) for v in shown[:8])
                + (", …}" if len(shown) > 8 else "}")
            )
        lo = "-∞" if self.lo == -math.inf else f"{self.lo:g}"
        hi = "∞" if self.hi == math.inf else f"{self.hi:g}"
        return f"{lo}..{hi}"


def _show_value(value: VariableValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _int_bounds(expr: Expr, domains: Mapping[str, Domain]) -> tuple[float, float]:
    """Interval arithmetic: bounds of a whole-number expression."""
    if isinstance(expr, Literal):
        return expr.value, expr.value
    if isinstance(expr, Name):
        return domains[expr.name].bounds()
    if isinstance(expr, Unary):
        lo, hi = _int_bounds(expr.operand, domains)
        return -hi, -lo
    assert isinstance(expr, Binary)
    a_lo, a_hi = _int_bounds(expr.left, domains)
    b_lo, b_hi = _int_bounds(expr.right, domains)
    if expr.op == "+":
        return a_lo + b_lo, a_hi + b_hi
    if expr.op == "-":
        return a_lo - b_hi, a_hi - b_lo
    if expr.op == "*":
        products = [_mul(x, y) for x in (a_lo, a_hi) for y in (b_lo, b_hi)]
        return min(products), max(products)
    # Truncating division never grows the magnitude of the dividend.
    size = max(abs(a_lo), abs(a_hi))
    return -size, size


def _mul(x: float, y: float) -> float:
    if x == 0 or y == 0:
        return 0
    return x * y


def _possible_values(
    expr: Expr, domains: Mapping[str, Domain], type_name: str
) -> Domain:
    """Return the values an assigned expression may produce."""
    names = {node.name for node in walk(expr) if isinstance(node, Name)}
    if not names:
        try:
            return Domain(values={evaluate(expr, {})})
        except ExpressionError:
            return Domain(values=set())
    if isinstance(expr, Name):
        source = domains[expr.name]
        copy = Domain(
            values=None if source.values is None else set(source.values),
            lo=source.lo,
            hi=source.hi,
        )
        return copy
    if type_name == "bool":
        return Domain(values={True, False})
    if type_name == "int":
        candidates = _combinations(names, domains, [])
        if candidates is not None and len(candidates) <= MAX_SET_SIZE:
            values: set[VariableValue] = set()
            for state in candidates:
                try:
                    values.add(evaluate(expr, state))
                except ExpressionError:
                    continue
            return Domain(values=values)
        lo, hi = _int_bounds(expr, domains)
        return Domain(values=None, lo=lo, hi=hi)
    return Domain(values=None)


def _type_name(variable: Variable) -> str:
    return {VariableType.BOOL: "bool", VariableType.INT: "int"}.get(
        variable.type, "text"
    )


def variable_domains(
    variables: Iterable[Variable], effects: Iterable[list[Assignment]]
) -> dict[str, Domain]:
    """Return every variable's over-approximated domain given all effects."""
    variables = list(variables)
    types = {v.name: _type_name(v) for v in variables}
    domains = {v.name: Domain(values={v.initial}) for v in variables}
    assignments = [a for group in effects for a in group if a.name in domains]
    for round_number in range(MAX_ROUNDS + 1):
        grew = False
        for assignment in assignments:
            target = domains[assignment.name]
            try:
                produced = _possible_values(
                    assignment.value, domains, types[assignment.name]
                )
            except KeyError:
                continue
            if assignment.op != "=":
                grew |= _add_increment(target, assignment.op, produced)
            elif produced.values is not None:
                for value in produced.values:
                    grew |= target.add(value)
            elif types[assignment.name] == "int":
                grew |= target.add_interval(produced.lo, produced.hi)
            else:
                grew |= target.add(True) | target.add(False)
        if not grew:
            break
        if round_number == MAX_ROUNDS - 1:
            _widen(domains, assignments, types)
    return domains


def _add_increment(target: Domain, op: str, step: Domain) -> bool:
    """``x += step`` may repeat, so the bound in the direction of travel is
    infinite; a step of exactly zero changes nothing."""
    step_lo, step_hi = step.bounds()
    if op == "-=":
        step_lo, step_hi = -step_hi, -step_lo
    lo, hi = target.bounds()
    if step_lo == math.inf:
        return False
    new_lo = -math.inf if step_lo < 0 else lo
    new_hi = math.inf if step_hi > 0 else hi
    if new_lo == lo and new_hi == hi:
        return False
    return target.add_interval(new_lo, new_hi)


def _widen(
    domains: dict[str, Domain], assignments: list[Assignment], types: dict[str, str]
) -> None:
    for assignment in assignments:
        if types[assignment.name] == "int":
            domains[assignment.name].add_interval(-math.inf, math.inf)


def _interesting_points(
    name: str, expr: Expr, domain: Domain
) -> list[VariableValue] | None:
    """Return values of one interval variable that decide every comparison of the
    form ``name op constant``, or None when the condition uses the variable in
    another way (then the test below is a sample, not a proof)."""
    lo, hi = domain.bounds()
    points = {p for p in (lo, hi) if math.isfinite(p)}
    exact = True
    for node in walk(expr):
        if not isinstance(node, Binary) or node.op not in COMPARISONS:
            continue
        sides = (node.left, node.right)
        uses = [
            side
            for side in sides
            if any(isinstance(n, Name) and n.name == name for n in walk(side))
        ]
        if not uses:
            continue
        other = node.right if uses[0] is node.left else node.left
        constant = None
        if len(uses) == 1 and isinstance(uses[0], Name):
            try:
                constant = evaluate(other, {})
            except ExpressionError:
                constant = None
        if not isinstance(constant, int) or isinstance(constant, bool):
            exact = False
            continue
        points.update(
            c for c in (constant - 1, constant, constant + 1) if lo <= c <= hi
        )
    if not exact:
        # A sample, not a proof: spread values over the range and around every
        # whole-number constant of the condition.
        constants = [
            n.value
            for n in walk(expr)
            if isinstance(n, Literal)
            and isinstance(n.value, int)
            and not isinstance(n.value, bool)
        ]
        spread = [0, 1, -1, 2, -2, 5, -5, 10, -10, 100, -100, 1000, -1000]
        spread += [c + d for c in constants for d in (-1, 0, 1)]
        points.update(v for v in spread if lo <= v <= hi)
    if not points:
        if lo <= 0 <= hi:
            points = {0}
        elif math.isfinite(lo):
            points = {lo}
        else:
            points = {hi}
    values = sorted(int(p) for p in points)
    return values if exact else [*values, None]


def _combinations(
    names: Iterable[str], domains: Mapping[str, Domain], unsure: list[str]
) -> list[dict[str, VariableValue]] | None:
    """Return every combination of the named variables' candidate values, or None
    when a domain is not exact or there are too many."""
    names = sorted(names)
    lists = []
    for name in names:
        domain = domains[name]
        if domain.values is None:
            return None
        lists.append(sorted(domain.values, key=lambda v: (str(type(v)), v)))
    if math.prod(len(values) for values in lists) > MAX_COMBINATIONS:
        unsure.append("too many value combinations")
        return None
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]


@dataclass(frozen=True)
class Satisfiability:
    """Whether a condition can hold. ``possible`` is False only when no
    candidate made it true; ``sure`` is True when the candidates were complete.
    ``reason`` explains an unsure verdict."""

    possible: bool
    sure: bool
    reason: str = ""


def can_hold(expr: Expr, domains: Mapping[str, Domain]) -> Satisfiability:
    """Decide whether ``expr`` can be true for some values from ``domains``."""
    names = sorted({node.name for node in walk(expr) if isinstance(node, Name)})
    if any(name not in domains for name in names):
        return Satisfiability(True, False, "it names an undeclared variable")
    lists: list[list[VariableValue]] = []
    sure = True
    reasons: list[str] = []
    for name in names:
        domain = domains[name]
        if domain.values is not None:
            lists.append(sorted(domain.values, key=lambda v: (str(type(v)), v)))
            continue
        points = _interesting_points(name, expr, domain)
        if points and points[-1] is None:
            sure = False
            reasons.append(
                f"{name!r} ranges over {domain.describe()} and is combined with "
                "arithmetic or other variables, so only sample values were tried"
            )
            points = points[:-1]
        lists.append(points or [0])
    if math.prod(len(values) for values in lists) > MAX_COMBINATIONS:
        return Satisfiability(True, False, "there are too many value combinations")
    for combo in itertools.product(*lists):
        state = dict(zip(names, combo, strict=True))
        try:
            if evaluate(expr, state) is True:
                return Satisfiability(True, True)
        except ExpressionError:
            continue
    return Satisfiability(False, sure, "; ".join(reasons))
