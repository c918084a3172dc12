"""Main window: auto-layout, find, opening bad files, settings, story data."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import QSettings

from author_studio.domain.model import Choice, Scene
from author_studio.services.session import ProjectSession
from author_studio.ui.canvas import style
from tests.ui.conftest import on_disk


def crowded_project(path: Path, count: int = 30) -> None:
    """Write ``count`` scenes all at the origin, with branching and back edges."""
    rng = random.Random(7)
    session = ProjectSession.create(path, "Crowded")
    ids = [session.scenes.start().id]
    for index in range(1, count):
        ids.append(
            session.scenes.create(Scene(key=f"s{index}", title=f"Scene {index}")).id
        )
    for index, scene_id in enumerate(ids):
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.85:
                target = ids[min(count - 1, index + rng.randint(1, 4))]
            else:
                target = ids[rng.randrange(count)]
            session.choices.create(
                Choice(source_id=scene_id, target_id=target, label="Go")
            )
    session.close()


def overlapping(story) -> list[tuple[str, str]]:
    rects = [(s.key, s.x, s.y) for s in story.scenes]
    found = []
    for i, (key_a, xa, ya) in enumerate(rects):
        for key_b, xb, yb in rects[i + 1 :]:
            if abs(xa - xb) < style.CARD_WIDTH and abs(ya - yb) < style.CARD_HEIGHT:
                found.append((key_a, key_b))
    return found


def test_auto_layout_leaves_no_overlap(qtbot, tmp_path):
    from author_studio.ui.main_window import MainWindow

    path = tmp_path / "crowded.authorstudio"
    crowded_project(path)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(path)
    assert len(overlapping(on_disk(path))) > 100

    window.actions.auto_layout.trigger()

    story = on_disk(path)
    assert overlapping(story) == []
    start = story.start
    assert start.x == min(s.x for s in story.scenes)
    assert window.undo_stack.undoText() == "Auto-layout 30 scenes"
    for scene in story.scenes:
        card = window.canvas.graph.cards[scene.id]
        assert (card.pos().x(), card.pos().y()) == (scene.x, scene.y)
    window.undo_stack.undo()
    assert len(overlapping(on_disk(path))) > 100
    window.close_project()


def test_auto_layout_of_selection_keeps_others(window, story_path):
    graph = window.canvas.graph
    keys = {"lighthouse", "market", "harbour_master"}
    chosen = [c.scene_id for c in graph.cards.values() if c.record.key in keys]
    others = {s.id: (s.x, s.y) for s in on_disk(story_path).scenes if s.key not in keys}
    graph.select_scenes(chosen)

    window.actions.layout_selection.trigger()

    story = on_disk(story_path)
    for scene_id, xy in others.items():
        assert (story.scene_by_id[scene_id].x, story.scene_by_id[scene_id].y) == xy
    assert overlapping(story) == []


def test_find_selects_scene(window):
    window.actions.find.trigger()
    assert window.find_bar.isVisible()

    window.find_bar.find("market")

    graph = window.canvas.graph
    selected = graph.selected_scene_ids()
    assert [graph.cards[i].record.key for i in selected] == ["market"]
    centre = window.canvas.visible_scene_rect().center()
    assert graph.cards[selected[0]].scene_rect().contains(centre)
    assert window.inspector.scene_form.record.key == "market"


def test_find_searches_script_text(window, story_path):
    session = window.session
    dawn = session.scenes.by_key("dawn")
    session.scenes.update(dawn.id, script="The ferry horn sounds twice.")

    window.find_bar.find("horn")

    assert window.canvas.graph.selected_scene_ids() == [dawn.id]
    assert window.find_bar.count.text() == "1 of 1"


def test_bad_file_shows_dialog(window, story_path, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "author_studio.ui.main_window.show_error",
        lambda parent, title, error: shown.append((title, str(error))),
    )
    bad = tmp_path / "notes.authorstudio"
    bad.write_text("These are meeting notes, not a project.")

    assert window.open_project(bad) is False

    assert len(shown) == 1
    assert "not an Author Studio project" in shown[0][1]
    assert window.session is not None
    assert window.session.path == story_path
    assert bad.read_text() == "These are meeting notes, not a project."
    assert len(window.canvas.graph.cards) == 5


def test_bad_file_dialog_is_real(qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from author_studio.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    bad = tmp_path / "empty.authorstudio"
    bad.write_bytes(b"")

    assert window.open_project(bad) is False

    boxes = [
        b for b in window.findChildren(QMessageBox) if b.objectName() == "errorDialog"
    ]
    assert len(boxes) == 1
    assert boxes[0].isVisible()
    assert "empty.authorstudio" in boxes[0].text()
    boxes[0].close()
    assert window.session is None


def test_title_and_recent_files(window, story_path):
    assert (
        window.windowTitle() == "Harbour Lights — harbour.authorstudio — Author Studio"
    )
    assert window.recent_files()[0] == str(story_path.resolve())

    window.session.update_info(title="Harbour Lights II")

    assert window.windowTitle().startswith("Harbour Lights II — ")


def test_geometry_is_remembered(qtbot, window):
    from author_studio.ui.main_window import MainWindow

    width = window.minimumSizeHint().width() + 37
    window.resize(width, 677)
    window.close()
    assert QSettings().value("window/geometry") is not None
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.size().width() == width


def test_save_as_continues_on_copy(window, story_path, tmp_path):
    market = window.session.scenes.by_key("market")
    window.canvas.graph.select_scenes([market.id])
    window.actions.delete.trigger()
    copy = tmp_path / "copy.authorstudio"

    assert window.save_as(copy)

    assert window.session.path == copy
    window.undo_stack.undo()
    assert market.id in on_disk(copy).scene_by_id
    assert market.id not in on_disk(story_path).scene_by_id


def test_variable_editor_add_and_rename(window, story_path):
    tab = window.story_data.variables
    tab.add()
    form = tab.form
    assert form.record.name == "new_variable"

    form.name_edit.setText("has_ticket")
    form.name_edit.editingFinished.emit()

    names = sorted(v.name for v in on_disk(story_path).variables)
    assert names == ["has_ticket", "trust"]
    form.name_edit.setText("has ticket")
    form.name_edit.editingFinished.emit()
    assert form.errors["name"].isVisible()
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert [v.name for v in on_disk(story_path).variables] == ["trust"]
    window.undo_stack.redo()
    assert sorted(v.name for v in on_disk(story_path).variables) == [
        "new_variable",
        "trust",
    ]


def test_badges_follow_variants(window, story_path):
    from author_studio.domain.model import VariantStatus

    graph = window.canvas.graph
    market = next(c for c in graph.cards.values() if c.record.key == "market")
    assert market.badges == [("YA", "Young adults", VariantStatus.PROPOSED)]
    variant = window.session.variants.for_scene(market.scene_id)[0]

    window.session.variants.approve(variant.id, "editor")

    assert market.badges == [("YA", "Young adults", VariantStatus.APPROVED)]
    other = next(c for c in graph.cards.values() if c.record.key == "dawn")
    assert other.badges == [("YA", "Young adults", None)]


def test_screenshot_of_window(window, tmp_path):
    out = tmp_path / "window.png"
    window.canvas.select_scene(window.session.scenes.by_key("market").id)

    assert window.grab().save(str(out))

    image = window.grab().toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, 1400, 37)
        for y in range(0, 900, 29)
    }
    assert len(colours) > 10
    assert out.stat().st_size > 20_000


def test_selection_highlights_in_and_out(window):
    graph = window.canvas.graph
    market = next(c for c in graph.cards.values() if c.record.key == "market")

    graph.select_scenes([market.scene_id])

    kinds = {a.record.label: a.highlight for a in market.arrows}
    assert kinds == {"Follow the lanterns": "in", "Ask about the ferry": "out"}
    others = [a for a in graph.arrows.values() if a not in market.arrows]
    assert all(a.highlight is None for a in others)
    graph.clearSelection()
    assert all(a.highlight is None for a in graph.arrows.values())


def test_heat_and_marks_contract(window):
    canvas = window.canvas
    graph = canvas.graph
    ids = sorted(graph.cards)
    received = []
    canvas.scene_selected.connect(received.append)

    canvas.set_heat({ids[0]: 0.75})
    canvas.highlight({ids[1]}, {min(graph.arrows)})
    canvas.center_on_scene(ids[2])
    graph.select_scenes([ids[3]])
    graph.clearSelection()

    assert graph.cards[ids[0]].heat == 0.75
    assert graph.cards[ids[1]].heat == 0.0
    assert graph.cards[ids[1]].marked is True
    assert graph.arrows[min(graph.arrows)].marked is True
    assert (
        graph.cards[ids[2]].scene_rect().contains(canvas.visible_scene_rect().center())
    )
    assert received == [ids[3], -1]
    canvas.set_heat(None)
    canvas.highlight(set(), set())
    assert graph.cards[ids[0]].heat is None
    assert graph.cards[ids[1]].marked is False
