"""Inspector edits: written through undo commands, rejected values write nothing."""

from __future__ import annotations

import importlib.util

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import on_disk


def select(window, key: str) -> int:
    scene = next(c for c in window.canvas.graph.cards.values() if c.record.key == key)
    window.canvas.select_scene(scene.scene_id)
    return scene.scene_id


def type_into(edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def test_title_edit_writes_and_undoes(window, story_path):
    scene_id = select(window, "market")
    form = window.inspector.scene_form

    type_into(form.title_edit, "Lantern Market")

    assert on_disk(story_path).scene_by_id[scene_id].title == "Lantern Market"
    assert window.canvas.graph.cards[scene_id].record.title == "Lantern Market"
    assert window.undo_stack.undoText() == "Change title of 'Night Market'"
    window.undo_stack.undo()
    assert on_disk(story_path).scene_by_id[scene_id].title == "Night Market"
    assert form.title_edit.text() == "Night Market"
    window.undo_stack.redo()
    assert on_disk(story_path).scene_by_id[scene_id].title == "Lantern Market"


def test_duration_accepts_minutes(window, story_path):
    scene_id = select(window, "market")

    type_into(window.inspector.scene_form.duration_edit, "2:05")

    assert on_disk(story_path).scene_by_id[scene_id].duration_s == 125


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("duration_edit", "-5", "cannot be negative"),
        ("duration_edit", "soon", "not a duration"),
        ("key_edit", "night market", "invalid"),
        ("key_edit", "lighthouse", "already used"),
        ("title_edit", "   ", "title is empty"),
    ],
)
def test_invalid_value_is_refused(window, story_path, field, text, message):
    scene_id = select(window, "market")
    before = on_disk(story_path).scene_by_id[scene_id]
    form = window.inspector.scene_form
    edit = getattr(form, field)

    type_into(edit, text)

    error_labels = [label for label in form.errors.values() if label.isVisible()]
    assert len(error_labels) == 1
    assert message in error_labels[0].text()
    assert edit.text() == text
    assert on_disk(story_path).scene_by_id[scene_id] == before
    assert window.undo_stack.count() == 0


def test_script_commits_on_focus_out(window, story_path):
    scene_id = select(window, "market")
    script = window.inspector.scene_form.script_edit
    script.setFocus()
    QTest.keyClicks(script, "EXT. MARKET - NIGHT")

    window.inspector.scene_form.title_edit.setFocus()

    assert on_disk(story_path).scene_by_id[scene_id].script == "EXT. MARKET - NIGHT"


def test_choice_default_flag_undo(window, story_path):
    graph = window.canvas.graph
    start = next(c for c in graph.cards.values() if c.record.key == "start")
    first, second = sorted(a.choice_id for a in start.arrows if a.source is start)
    graph.clearSelection()
    graph.arrows[first].setSelected(True)
    form = window.inspector.choice_form
    assert form.record.id == first

    form.default_check.click()
    graph.clearSelection()
    graph.arrows[second].setSelected(True)
    form.default_check.click()

    choices = {c.id: c for c in on_disk(story_path).choices}
    assert (choices[first].is_default, choices[second].is_default) == (False, True)
    window.undo_stack.undo()
    choices = {c.id: c for c in on_disk(story_path).choices}
    assert (choices[first].is_default, choices[second].is_default) == (True, False)


def test_choice_target_by_key(window, story_path):
    graph = window.canvas.graph
    choice_id = min(graph.arrows)
    graph.clearSelection()
    graph.arrows[choice_id].setSelected(True)
    form = window.inspector.choice_form

    type_into(form.target_edit, "dawn")
    type_into(form.label_edit, "Skip ahead")

    story = on_disk(story_path)
    choice = next(c for c in story.choices if c.id == choice_id)
    assert story.scene_by_id[choice.target_id].key == "dawn"
    assert choice.label == "Skip ahead"
    assert graph.arrows[choice_id].target.record.key == "dawn"


@pytest.mark.skipif(
    importlib.util.find_spec("author_studio.domain.expressions") is None,
    reason="the expression checker module is not in this build",
)
def test_bad_condition_is_refused(window, story_path):
    graph = window.canvas.graph
    choice_id = min(graph.arrows)
    graph.clearSelection()
    graph.arrows[choice_id].setSelected(True)
    form = window.inspector.choice_form

    type_into(form.condition_edit, "trust >")

    assert form.errors["condition"].isVisible()
    assert "Column" in form.errors["condition"].text()
    choice = next(c for c in on_disk(story_path).choices if c.id == choice_id)
    assert choice.condition == ""
    type_into(form.condition_edit, "trust >= 2")
    choice = next(c for c in on_disk(story_path).choices if c.id == choice_id)
    assert choice.condition == "trust >= 2"
