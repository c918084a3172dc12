"""Canvas gestures and undo, each checked against the project file on disk."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from author_studio.ui.canvas import style
from tests.ui.conftest import on_disk

LEFT = Qt.MouseButton.LeftButton
NO_KEY = Qt.KeyboardModifier.NoModifier


def view_point(window, scene_point: QPointF) -> QPoint:
    return window.canvas.mapFromScene(scene_point)


def card(window, key: str):
    return next(c for c in window.canvas.graph.cards.values() if c.record.key == key)


def drag(window, start: QPoint, end: QPoint) -> None:
    viewport = window.canvas.viewport()
    QTest.mousePress(viewport, LEFT, NO_KEY, start)
    for step in range(1, 7):
        QTest.mouseMove(viewport, start + (end - start) * (step / 6))
    QTest.mouseRelease(viewport, LEFT, NO_KEY, end)


def test_double_click_creates_scene(window, story_path):
    point = view_point(window, QPointF(700, 400))
    QTest.mouseDClick(window.canvas.viewport(), LEFT, NO_KEY, point)

    story = on_disk(story_path)
    new = [s for s in story.scenes if s.title == "New scene"]
    assert len(new) == 1
    assert abs(new[0].x + style.CARD_WIDTH / 2 - 700) < 2
    assert abs(new[0].y + style.CARD_HEIGHT / 2 - 400) < 2
    assert new[0].id in window.canvas.graph.cards
    assert window.canvas.graph.selected_scene_ids() == [new[0].id]

    window.undo_stack.undo()
    assert not [s for s in on_disk(story_path).scenes if s.title == "New scene"]
    assert new[0].id not in window.canvas.graph.cards

    window.undo_stack.redo()
    again = [s for s in on_disk(story_path).scenes if s.title == "New scene"]
    assert [s.id for s in again] == [new[0].id]
    assert new[0].id in window.canvas.graph.cards


def test_drag_from_handle_connects(window, story_path):
    source = card(window, "lighthouse")
    target = card(window, "dawn")
    start = view_point(window, source.mapToScene(source.handle_centre()))
    end = view_point(window, target.centre())
    before = len(on_disk(story_path).choices)

    drag(window, start, end)

    story = on_disk(story_path)
    assert len(story.choices) == before + 1
    made = [
        c
        for c in story.choices
        if (c.source_id, c.target_id) == (source.scene_id, target.scene_id)
    ]
    assert len(made) == 1
    assert made[0].label == "Go to Dawn Departure"
    assert made[0].id in window.canvas.graph.arrows
    assert window.undo_stack.undoText() == "Add choice 'Go to Dawn Departure'"

    window.undo_stack.undo()
    assert len(on_disk(story_path).choices) == before
    assert made[0].id not in window.canvas.graph.arrows

    window.undo_stack.redo()
    assert made[0].id in {c.id for c in on_disk(story_path).choices}
    assert made[0].id in window.canvas.graph.arrows


def test_drag_to_empty_canvas_adds_scene(window, story_path):
    source = card(window, "dawn")
    start = view_point(window, source.mapToScene(source.handle_centre()))
    end = view_point(window, QPointF(1300, 400))
    scenes_before = len(on_disk(story_path).scenes)

    drag(window, start, end)

    story = on_disk(story_path)
    assert len(story.scenes) == scenes_before + 1
    new = next(s for s in story.scenes if s.title == "New scene")
    assert [c.target_id for c in story.choices_from(source.scene_id)] == [new.id]
    assert window.undo_stack.undoText() == "Add scene and choice"

    window.undo_stack.undo()
    story = on_disk(story_path)
    assert len(story.scenes) == scenes_before
    assert story.choices_from(source.scene_id) == []


def test_drag_card_moves_scene(window, story_path):
    moved = card(window, "market")
    old = (moved.pos().x(), moved.pos().y())
    start = view_point(window, moved.centre() + QPointF(0, 5))
    end = start + QPoint(80, 60)

    drag(window, start, end)

    scene = on_disk(story_path).scene_by_id[moved.scene_id]
    zoom = window.canvas.zoom
    assert abs(scene.x - (old[0] + 80 / zoom)) < 1.5
    assert abs(scene.y - (old[1] + 60 / zoom)) < 1.5
    assert window.undo_stack.undoText() == "Move scene 'Night Market'"

    window.undo_stack.undo()
    scene = on_disk(story_path).scene_by_id[moved.scene_id]
    assert (scene.x, scene.y) == old
    assert (moved.pos().x(), moved.pos().y()) == old

    window.undo_stack.redo()
    scene = on_disk(story_path).scene_by_id[moved.scene_id]
    assert (scene.x, scene.y) == (moved.pos().x(), moved.pos().y())
    assert (scene.x, scene.y) != old


def test_moving_three_scenes_is_one_step(window, story_path):
    keys = ("lighthouse", "market", "harbour_master")
    cards = [card(window, key) for key in keys]
    window.canvas.graph.select_scenes(c.scene_id for c in cards)
    before = {c.scene_id: (c.pos().x(), c.pos().y()) for c in cards}
    start = view_point(window, cards[0].centre() + QPointF(0, 5))

    window.canvas.viewport().setFocus()
    QTest.mousePress(
        window.canvas.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, start
    )
    for step in range(1, 5):
        QTest.mouseMove(window.canvas.viewport(), start + QPoint(10 * step, 0))
    QTest.mouseRelease(window.canvas.viewport(), LEFT, NO_KEY, start + QPoint(40, 0))

    assert window.undo_stack.undoText() == "Move 3 scenes"
    assert window.actions.undo.text() == "&Undo Move 3 scenes"
    story = on_disk(story_path)
    for scene_id, (x, _y) in before.items():
        assert story.scene_by_id[scene_id].x > x
    window.undo_stack.undo()
    story = on_disk(story_path)
    for scene_id, xy in before.items():
        assert (story.scene_by_id[scene_id].x, story.scene_by_id[scene_id].y) == xy


def test_delete_restores_choices_on_undo(window, story_path):
    market = card(window, "market")
    window.canvas.graph.select_scenes([market.scene_id])
    choices_before = sorted(c.id for c in on_disk(story_path).choices)

    window.actions.delete.trigger()

    story = on_disk(story_path)
    assert market.scene_id not in story.scene_by_id
    assert len(story.choices) == len(choices_before) - 2
    assert window.undo_stack.undoText() == "Delete 1 scene"

    window.undo_stack.undo()
    story = on_disk(story_path)
    assert market.scene_id in story.scene_by_id
    assert sorted(c.id for c in story.choices) == choices_before
    assert sorted(window.canvas.graph.arrows) == choices_before


def test_delete_start_is_refused(window, story_path, monkeypatch):
    messages = []
    monkeypatch.setattr(
        "author_studio.ui.edit_controller.show_error",
        lambda parent, title, error: messages.append(str(error)),
    )
    start = card(window, "start")
    window.canvas.graph.select_scenes([start.scene_id])

    window.actions.delete.trigger()

    assert len(messages) == 1
    assert "start scene" in messages[0]
    assert start.scene_id in on_disk(story_path).scene_by_id
    assert window.undo_stack.count() == 0


def test_copy_paste_between_projects(window, story_path, tmp_path, qtbot):
    from author_studio.services.session import ProjectSession
    from author_studio.ui.main_window import MainWindow

    other_path = tmp_path / "other.authorstudio"
    ProjectSession.create(other_path, "Other Story").close()
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_project(other_path)
    pair = [
        card(window, "lighthouse").scene_id,
        card(window, "harbour_master").scene_id,
    ]
    window.canvas.graph.select_scenes(pair)

    window.actions.copy.trigger()
    other.actions.paste.trigger()

    story = on_disk(other_path)
    titles = sorted(s.title for s in story.scenes)
    assert titles == ["Harbour Master", "Opening", "The Lighthouse"]
    pasted = {s.key: s for s in story.scenes}
    assert [c.label for c in story.choices] == ["Signal the boat"]
    assert story.choices[0].source_id == pasted["lighthouse"].id
    assert story.choices[0].target_id == pasted["harbour_master"].id
    other.undo_stack.undo()
    assert [s.title for s in on_disk(other_path).scenes] == ["Opening"]
    other.close_project()


def test_duplicate_gets_free_keys(window, story_path):
    market = card(window, "market")
    window.canvas.graph.select_scenes([market.scene_id])

    window.actions.duplicate.trigger()

    story = on_disk(story_path)
    copies = [s for s in story.scenes if s.title == "Night Market"]
    assert sorted(s.key for s in copies) == ["market", "market_2"]
    copy = next(s for s in copies if s.key == "market_2")
    assert (copy.x, copy.y) == (market.pos().x() + 40, market.pos().y() + 40)
    assert window.canvas.graph.selected_scene_ids() == [copy.id]
