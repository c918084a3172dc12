"""Saving a choice checks its condition and effects against the declared variables."""

from __future__ import annotations

import pytest

from author_studio.domain.errors import ValidationError
from author_studio.domain.model import Choice, Scene, Variable, VariableType
from author_studio.services.session import ProjectSession


@pytest.fixture
def session(tmp_path):
    session = ProjectSession.create(tmp_path / "ferry.authorstudio", "Ferry")
    session.variables.create(Variable("trust", VariableType.INT, 0))
    yield session
    session.close()


def make_choice(session: ProjectSession, **fields) -> Choice:
    start = session.scenes.start()
    target = session.scenes.create(Scene(key="", title="Deck"))
    return Choice(start.id, target.id, "Go up", **fields)


def test_valid_condition_and_effects_are_saved(session) -> None:
    choice = session.choices.create(
        make_choice(session, condition="trust >= 2", effects="trust += 1")
    )
    assert session.choices.get(choice.id).condition == "trust >= 2"
    assert session.choices.get(choice.id).effects == "trust += 1"


def test_syntax_error_in_condition_is_rejected(session) -> None:
    with pytest.raises(ValidationError) as info:
        session.choices.create(make_choice(session, condition="trust >"))
    assert info.value.field == "condition"
    assert str(info.value) == (
        "Invalid condition at column 8: expected a value, found the end of the text."
    )
    assert session.choices.list() == []


def test_unknown_variable_in_condition_is_rejected(session) -> None:
    with pytest.raises(ValidationError) as info:
        session.choices.create(make_choice(session, condition="courage > 1"))
    assert info.value.field == "condition"
    assert "unknown variable 'courage'" in str(info.value)


def test_bad_effects_are_rejected(session) -> None:
    with pytest.raises(ValidationError) as info:
        session.choices.create(make_choice(session, effects="trust = true"))
    assert info.value.field == "effects"
    assert "column 9" in str(info.value)


def test_update_with_bad_condition_keeps_old_value(session) -> None:
    choice = session.choices.create(make_choice(session, condition="trust > 1"))
    with pytest.raises(ValidationError):
        session.choices.update(choice.id, condition="trust > ")
    assert session.choices.get(choice.id).condition == "trust > 1"


def test_keyword_cannot_name_a_variable(session) -> None:
    with pytest.raises(ValidationError) as info:
        session.variables.create(Variable("not", VariableType.BOOL, False))
    assert info.value.field == "name"


def test_bulk_create_checks_expressions(session) -> None:
    start = session.scenes.start()
    deck = session.scenes.create(Scene(key="", title="Deck"))
    good = Choice(start.id, deck.id, "Go", condition="trust > 0")
    bad = Choice(start.id, deck.id, "Jump", effects="trust += true")
    with pytest.raises(ValidationError) as info:
        session.choices.create_many([good, bad])
    assert info.value.field == "effects"
    assert session.choices.list() == []
