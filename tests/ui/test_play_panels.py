"""The play and viewer paths docks inside the real main window, on the sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from author_studio.ui.main_window import MainWindow

SAMPLE = Path(__file__).resolve().parents[2] / "sample_projects"


@pytest.fixture
def window(qtbot, tmp_path):
    copy = tmp_path / "night_ferry.authorstudio"
    shutil.copyfile(SAMPLE / "night_ferry.authorstudio", copy)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project(copy)
    window.play, window.paths = window.panels.play, window.panels.paths
    paths = window.paths
    window.show()
    window.play.raise_()
    qtbot.waitUntil(lambda: not window.play.visibleRegion().isEmpty())
    yield window
    if paths.task is not None:
        qtbot.waitUntil(lambda: paths.task.done, timeout=30000)
    window.close_project()


def marked(window) -> tuple[set[int], set[int]]:
    graph = window.canvas.graph
    cards = {sid for sid, card in graph.cards.items() if card.marked}
    arrows = {cid for cid, arrow in graph.arrows.items() if arrow.marked}
    return cards, arrows


def test_play_marks_current_scene_on_canvas(qtbot, window):
    play = window.play
    play.set_speed("Off")
    story = window.session.load_story()
    start = story.scene_by_key["boarding"]
    assert marked(window) == ({start.id}, set())

    play.time_out()

    step = play.engine.steps[-1]
    assert step.source.id == start.id
    assert marked(window) == ({step.target.id}, {step.choice.id})


def test_play_starts_from_canvas_selection(qtbot, window):
    play = window.play
    play.set_speed("Off")
    car_deck = window.session.scenes.by_key("car_deck")

    window.canvas.select_scene(car_deck.id)
    qtbot.mouseClick(play.selection_button, Qt.MouseButton.LeftButton)

    assert play.engine.scene.key == "car_deck"
    assert play.stage.title_label.text() == car_deck.title


def test_sampled_path_marks_each_step(qtbot, window):
    paths = window.paths
    path = paths.sample(3)

    for index, step in enumerate(path.steps):
        paths.step_to(index)
        expected_choices = {step.choice_id} if step.choice_id else set()
        assert marked(window) == ({step.scene_id}, expected_choices)


def test_compare_tints_canvas(qtbot, window):
    paths = window.paths
    paths.viewers_spin.setValue(500)

    task = paths.compare()
    qtbot.waitUntil(lambda: task.done, timeout=30000)

    shares = paths.comparison.shares_a
    cards = window.canvas.graph.cards
    assert {sid: card.heat for sid, card in cards.items()} == pytest.approx(shares)

    paths.heat_buttons.buttons()[0].click()
    shares_b = paths.comparison.shares_b
    assert all(card.heat is None for card in cards.values())
    for scene_id, card in cards.items():
        assert card.comparison == pytest.approx(
            (shares.get(scene_id, 0.0), shares_b.get(scene_id, 0.0))
        )


def test_simulation_dock_feeds_paths_dock(qtbot, window):
    simulation = window.panels.simulation
    persona = window.session.personas.list()[0]
    simulation.persona.setCurrentText(persona.name)
    simulation.viewers.setValue(500)

    simulation.run()
    qtbot.waitUntil(lambda: window.paths.paths_list.count() > 0, timeout=30000)

    paths = window.paths
    assert paths.persona_combo.currentData() == persona.id
    assert paths.current_path.persona.name == persona.name
    first = paths.current_path.steps[0]
    assert marked(window)[0] == {first.scene_id}


def test_play_from_scene_raises_dock(qtbot, window):
    window.paths.raise_()
    qtbot.waitUntil(lambda: window.play.visibleRegion().isEmpty())
    bridge = window.session.scenes.by_key("bridge_report")

    window.play.play_from_scene(bridge.id)

    assert window.play.engine.scene.id == bridge.id
    assert not window.play.visibleRegion().isEmpty()


def test_watch_path_in_play_dock(qtbot, window):
    play, paths = window.play, window.paths
    play.set_speed("Off")
    path = paths.sample(3)
    persona = path.persona
    audience = window.session.audiences.get(persona.audience_id)

    qtbot.mouseClick(paths.watch_button, Qt.MouseButton.LeftButton)

    assert play.audience_combo.currentText() == audience.name
    assert [step.choice.id for step in play.engine.steps] == path.choice_ids
    assert play.engine.scene.id == path.scene_ids[-1]
    timed_out = [s.reason.value == "timed_out" for s in path.steps[:-1]]
    assert [s.how.value == "timed_out" for s in play.engine.steps] == timed_out
    assert play.journeys.status.text().startswith(f'Replayed "{persona.name}\'s path"')


def test_hidden_play_dock_leaves_canvas(qtbot, tmp_path):
    copy = tmp_path / "night_ferry.authorstudio"
    shutil.copyfile(SAMPLE / "night_ferry.authorstudio", copy)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.inspector.raise_()
    qtbot.waitUntil(lambda: window.panels.play.visibleRegion().isEmpty())

    assert window.open_project(copy)
    assert marked(window) == (set(), set())

    window.panels.play.raise_()
    qtbot.waitUntil(lambda: not window.panels.play.visibleRegion().isEmpty())

    start = window.session.scenes.start()
    assert marked(window) == ({start.id}, set())
    window.close_project()
