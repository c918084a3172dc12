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
