"""Vectorised conditions and effects agree with the one-viewer evaluator."""

from __future__ import annotations

import random

import numpy as np

from author_studio.domain.expressions import (
    ExpressionError,
    apply_effects,
    check_condition,
    check_effects,
    evaluate,
)
from author_studio.domain.model import Variable, VariableType
from author_studio.simulate.vectorize import (
    collect_texts,
    compile_effects,
    compile_expr,
    encode,
)

VARIABLES = [
    Variable("a", VariableType.INT, 0),
    Variable("b", VariableType.INT, 0),
    Variable("flag", VariableType.BOOL, False),
    Variable("name", VariableType.TEXT, ""),
]
COLUMNS = {v.name: i for i, v in enumerate(VARIABLES)}
BOOLS = {"flag"}
CONDITIONS = [
    "a > b",
    "a / b == 2",
    "b == 0 or a / b > 1",
    "b != 0 and a / b < 0",
    "not flag and -a * 3 + b <= 4",
    'name == "Mara" or (flag and a - b >= -2)',
    "(a - 7) / 2 == -3",
    '"x" != name',
]
EFFECTS = [
    "a += b; b = a / 2",
    "flag = a > b; a -= 3",
    'name = "Ines"; b = b * -2',
    "a = 10 / b; flag = not flag",
]
NAMES = ["", "Mara", "Ines", "x"]


def random_states(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "a": rng.randint(-9, 9),
            "b": rng.randint(-3, 3),
            "flag": rng.random() < 0.5,
            "name": rng.choice(NAMES),
        }
        for _ in range(count)
    ]


def matrix_of(states: list[dict], codes) -> np.ndarray:
    return np.array(
        [[encode(s[v.name], codes) for v in VARIABLES] for s in states], dtype=np.int64
    )


def test_conditions_match_evaluate() -> None:
    states = random_states(500, seed=1)
    for text in CONDITIONS:
        expr = check_condition(text, VARIABLES)
        codes = collect_texts(
            VARIABLES,
            [check_condition(f'name == "{n}"', VARIABLES) for n in NAMES] + [expr],
        )
        function = compile_expr(expr, COLUMNS, BOOLS, codes)
        values, errors = function(matrix_of(states, codes), np.arange(len(states)))
        for row, state in enumerate(states):
            try:
                expected = evaluate(expr, state)
            except ExpressionError:
                assert errors is not None and errors[row], (text, state)
                continue
            assert errors is None or not errors[row], (text, state)
            assert bool(values[row]) is expected, (text, state)


def test_effects_match_apply_effects() -> None:
    states = random_states(300, seed=2)
    for text in EFFECTS:
        assignments = check_effects(text, VARIABLES)
        codes = collect_texts(
            VARIABLES,
            [check_condition(f'name == "{n}"', VARIABLES) for n in NAMES],
        )
        program = compile_effects(assignments, COLUMNS, BOOLS, codes)
        matrix = matrix_of(states, codes)
        failures = program.apply(matrix, np.arange(len(states)))
        expected_failures = 0
        for row, state in enumerate(states):
            expected = dict(state)
            for assignment in assignments:
                try:
                    expected = apply_effects([assignment], expected)
                except ExpressionError:
                    expected_failures += 1
            assert matrix[row].tolist() == [
                encode(expected[v.name], codes) for v in VARIABLES
            ], (text, state)
        assert failures == expected_failures, text
