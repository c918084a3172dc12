"""The story-state language: parsing, type checking, evaluation and effects."""

from __future__ import annotations

import pytest

from author_studio.domain.expressions import (
    Assignment,
    Binary,
    ExpressionError,
    Literal,
    Name,
    Unary,
    apply_effects,
    check_condition,
    check_effects,
    evaluate,
    names_read,
    names_written,
    parse_condition,
    parse_effects,
    tokenize,
    truncating_divide,
)
from author_studio.domain.model import Variable, VariableType

VARIABLES = [
    Variable("trust", VariableType.INT, 0),
    Variable("has_key", VariableType.BOOL, False),
    Variable("ally", VariableType.TEXT, ""),
]
STATE = {"trust": 3, "has_key": True, "ally": "Mara"}


def value(text: str, state: dict | None = None):
    return evaluate(parse_condition(text), STATE if state is None else state)


def error_of(text: str, *, effects: bool = False) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        if effects:
            parse_effects(text)
        else:
            parse_condition(text)
    return info.value


# --- parsing and precedence -------------------------------------------------------


def test_empty_condition_is_true() -> None:
    assert parse_condition("") == Literal(True, 0)
    assert parse_condition("   ") == Literal(True, 0)
    assert value("") is True


def test_multiplication_binds_tighter_than_addition() -> None:
    tree = parse_condition("1 + 2 * 3")
    assert isinstance(tree, Binary)
    assert tree.op == "+"
    assert tree.right == Binary("*", Literal(2, 4), Literal(3, 8), 6)
    assert value("1 + 2 * 3") == 7


def test_subtraction_is_left_associative() -> None:
    assert value("10 - 3 - 2") == 5
    assert value("100 / 10 / 5") == 2


def test_parentheses_override_precedence() -> None:
    assert value("(1 + 2) * 3") == 9


def test_unary_minus_binds_tighter_than_multiplication() -> None:
    assert value("-2 * 3") == -6
    assert value("--4") == 4
    assert value("2 - -3") == 5


def test_and_binds_tighter_than_or() -> None:
    tree = parse_condition("true or false and false")
    assert isinstance(tree, Binary)
    assert tree.op == "or"
    assert value("true or false and false") is True
    assert value("(true or false) and false") is False


def test_not_is_looser_than_comparison() -> None:
    tree = parse_condition("not trust == 3")
    assert isinstance(tree, Unary)
    assert tree.op == "not"
    assert isinstance(tree.operand, Binary)
    assert value("not trust == 3") is False


def test_not_is_tighter_than_and() -> None:
    assert value("not false and false") is False
    assert value("not (false and false)") is True


def test_comparison_of_sums() -> None:
    assert value("trust + 1 >= 2 * 2") is True
    assert value("trust * 2 < 6") is False


def test_every_comparison_operator() -> None:
    cases = {
        "trust == 3": True,
        "trust != 3": False,
        "trust < 3": False,
        "trust <= 3": True,
        "trust > 2": True,
        "trust >= 4": False,
    }
    for text, expected in cases.items():
        assert value(text) is expected, text


def test_tree_records_positions() -> None:
    tree = parse_condition("has_key and trust > 2")
    assert tree == Binary(
        "and",
        Name("has_key", 0),
        Binary(">", Name("trust", 12), Literal(2, 20), 18),
        8,
    )


# --- strings ----------------------------------------------------------------------


def test_string_escapes() -> None:
    tokens = tokenize(r'"say \"hi\" \\ bye"')
    assert tokens[0].kind == "text"
    assert tokens[0].value == 'say "hi" \\ bye'


def test_string_comparison() -> None:
    assert value('ally == "Mara"') is True
    assert value('ally != "Mara"') is False
    assert value('"a;b" == "a;b"') is True


def test_invalid_escape_reports_its_column() -> None:
    error = error_of(r'ally == "a\nb"')
    assert error.position == 10
    assert "invalid escape '\\n'" in str(error)
    assert str(error).startswith("Column 11:")


def test_unterminated_string_points_at_opening_quote() -> None:
    error = error_of('ally == "Mara')
    assert error.position == 8
    assert "closing double quote" in error.problem


def test_single_quotes_suggest_double_quotes() -> None:
    error = error_of("ally == 'Mara'")
    assert error.position == 8
    assert "double quotes" in error.problem


# --- syntax errors ----------------------------------------------------------------


def test_error_message_names_column_and_problem() -> None:
    error = error_of("trust >")
    assert error.position == 7
    assert error.column == 8
    assert str(error) == "Column 8: expected a value, found the end of the text"


def test_chained_comparison_is_rejected() -> None:
    error = error_of("1 < trust < 5")
    assert error.position == 10
    assert "do not chain" in error.problem


def test_single_equals_in_condition_is_rejected() -> None:
    error = error_of("trust = 3")
    assert error.position == 6
    assert "use '=='" in error.problem


def test_c_style_operators_suggest_keywords() -> None:
    assert error_of("has_key && true").problem.startswith("unexpected '&&'")
    assert "'or'" in error_of("true || false").problem
    assert error_of("!has_key").position == 0
    assert "'not'" in error_of("!has_key").problem


def test_not_equal_is_not_mistaken_for_bang() -> None:
    assert value("trust != 2") is True


def test_missing_closing_parenthesis() -> None:
    error = error_of("(trust > 1")
    assert error.position == 10
    assert "close the '(' at column 1" in error.problem


def test_trailing_token_after_condition() -> None:
    error = error_of("trust > 1 2")
    assert error.position == 10
    assert "after the end of the condition" in error.problem


def test_unknown_character() -> None:
    error = error_of("trust > 1 @")
    assert error.position == 10
    assert "'@'" in error.problem


def test_number_followed_by_letters() -> None:
    error = error_of("3rd == 1")
    assert error.position == 0
    assert "invalid number" in error.problem


def test_keyword_in_value_position() -> None:
    error = error_of("trust > and")
    assert error.position == 8
    assert "before 'and'" in error.problem


def test_operator_without_right_operand() -> None:
    error = error_of("has_key and")
    assert error.position == 11


# --- type checking ----------------------------------------------------------------


def type_error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        check_condition(text, VARIABLES)
    return info.value


def test_check_condition_accepts_valid_condition() -> None:
    tree = check_condition('has_key and trust >= 2 or ally == "Ines"', VARIABLES)
    assert isinstance(tree, Binary)
    assert check_condition("", VARIABLES) == Literal(True, 0)


def test_unknown_variable_is_named_with_position() -> None:
    error = type_error("trust > 1 and courage > 2")
    assert error.position == 14
    assert "unknown variable 'courage'" in error.problem
    assert "ally, has_key, trust" in error.problem


def test_condition_must_be_boolean() -> None:
    error = type_error("trust + 1")
    assert error.position == 0
    assert "must be true or false" in error.problem


def test_comparing_different_types() -> None:
    error = type_error('trust == "3"')
    assert error.position == 6
    assert "whole number with text" in error.problem


def test_ordering_needs_numbers() -> None:
    error = type_error('ally < "b"')
    assert error.position == 5
    assert "needs a whole number on its left" in error.problem


def test_and_needs_booleans() -> None:
    error = type_error("trust and has_key")
    assert error.position == 6
    assert "on its left" in error.problem


def test_not_needs_boolean() -> None:
    error = type_error("not trust")
    assert error.position == 0
    assert "'not' needs true or false" in error.problem


def test_minus_needs_number() -> None:
    error = type_error("-has_key")
    assert error.position == 0


def test_arithmetic_on_text_is_rejected() -> None:
    error = type_error('ally + "x" == "Marax"')
    assert error.position == 5


# --- division ---------------------------------------------------------------------


def test_division_truncates_toward_zero() -> None:
    assert value("7 / 2") == 3
    assert value("-7 / 2") == -3
    assert value("7 / -2") == -3
    assert value("-7 / -2") == 3
    assert value("1 / 3") == 0


def test_truncating_divide_matches_float_truncation() -> None:
    for left in range(-12, 13):
        for right in (-5, -3, -1, 1, 2, 4):
            assert truncating_divide(left, right) == int(left / right)


def test_division_by_zero_is_an_evaluation_error() -> None:
    with pytest.raises(ExpressionError) as info:
        value("trust / (trust - 3) > 0")
    assert info.value.position == 6
    assert "division by zero" in info.value.problem


# --- evaluation -------------------------------------------------------------------


def test_and_or_short_circuit() -> None:
    # The right side would divide by zero if evaluated.
    assert value("false and 1 / 0 == 1") is False
    assert value("true or 1 / 0 == 1") is True


def test_evaluate_unknown_variable() -> None:
    with pytest.raises(ExpressionError) as info:
        value("courage > 1")
    assert info.value.position == 0


def test_evaluate_wrong_runtime_type() -> None:
    with pytest.raises(ExpressionError):
        value("trust > 1", {"trust": "high"})


# --- effects ----------------------------------------------------------------------


def test_parse_effects() -> None:
    assignments = parse_effects('trust += 2; has_key = true; ally = "Ines";')
    assert [(a.name, a.op) for a in assignments] == [
        ("trust", "+="),
        ("has_key", "="),
        ("ally", "="),
    ]
    assert assignments[0] == Assignment("trust", "+=", Literal(2, 9), 0)
    assert parse_effects("") == []
    assert parse_effects(" ; ") == []


def test_apply_effects_returns_new_state_in_order() -> None:
    state = {"trust": 1, "has_key": False, "ally": ""}
    result = apply_effects(
        parse_effects("trust += 4; trust -= 1; has_key = trust > 3"), state
    )
    assert result == {"trust": 4, "has_key": True, "ally": ""}
    assert state == {"trust": 1, "has_key": False, "ally": ""}


def test_apply_effects_with_division() -> None:
    result = apply_effects(parse_effects("trust = (trust - 10) / 4"), {"trust": 1})
    assert result == {"trust": -2}


def test_effects_need_separator() -> None:
    error = error_of("trust = 1 has_key = true", effects=True)
    assert error.position == 10
    assert "';'" in error.problem


def test_effects_reject_comparison_operator() -> None:
    error = error_of("trust == 1", effects=True)
    assert error.position == 6
    assert "use '=' to assign" in error.problem


def test_effects_need_a_target_name() -> None:
    error = error_of("3 = trust", effects=True)
    assert error.position == 0
    assert "variable name" in error.problem


def test_effects_need_an_operator() -> None:
    error = error_of("trust 3", effects=True)
    assert error.position == 6


def test_effect_error_positions_are_in_whole_text() -> None:
    error = error_of("trust = 1; has_key = ", effects=True)
    assert error.position == 21


def test_check_effects_unknown_variable() -> None:
    with pytest.raises(ExpressionError) as info:
        check_effects("trust += 1; courage = 2", VARIABLES)
    assert info.value.position == 12
    assert "unknown variable 'courage'" in info.value.problem


def test_check_effects_type_mismatch() -> None:
    with pytest.raises(ExpressionError) as info:
        check_effects("has_key = 1", VARIABLES)
    assert info.value.position == 10
    assert "'has_key' holds true or false" in info.value.problem


def test_increment_needs_integer_target() -> None:
    with pytest.raises(ExpressionError) as info:
        check_effects('ally += "x"', VARIABLES)
    assert info.value.position == 0
    assert "'+=' works on whole numbers" in info.value.problem


def test_check_effects_reads_unknown_name_on_right() -> None:
    with pytest.raises(ExpressionError) as info:
        check_effects("trust = courage + 1", VARIABLES)
    assert info.value.position == 8


# --- inspection -------------------------------------------------------------------


def test_names_read_and_written() -> None:
    assert names_read(parse_condition("has_key and trust > 1 or trust < -2")) == {
        "has_key",
        "trust",
    }
    effects = parse_effects('trust += 1; has_key = ally == "Ines"')
    assert names_read(effects) == {"trust", "ally"}
    assert names_written(effects) == {"trust", "has_key"}


def test_no_eval_of_python_code() -> None:
    error = error_of("__import__('os').system('true')")
    assert error.position == 11
    assert error_of('__import__("os")').problem.startswith("unexpected '('")
