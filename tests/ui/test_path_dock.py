"""The viewer paths dock: stepping a simulated path on the canvas and comparing
two audiences."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from author_studio.preview.sampler import PathReason, sample_path
from author_studio.simulate import simulate
from author_studio.ui.path_dock import PathDock
from tests.play_story import DOCK_TEEN_SCRIPT, build_harbour_story
from tests.ui.fake_window import FakeWindow


@pytest.fixture
def harbour(tmp_path):
    story = build_harbour_story(tmp_path / "harbour.authorstudio")
    yield story
    story.session.close()


@pytest.fixture
def dock(qtbot, harbour):
    window = FakeWindow()
    qtbot.addWidget(window)
    dock = PathDock(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.set_session(harbour.session)
    window.show()
    yield dock
    if dock.task is not None:
        qtbot.waitUntil(lambda: dock.task.done, timeout=20000)
    dock.set_session(None)


def pick_persona(dock, name) -> None:
    index = next(
        i
        for i in range(dock.persona_combo.count())
        if dock.persona_combo.itemText(i).startswith(name)
    )
    dock.persona_combo.setCurrentIndex(index)


def test_sampled_path_steps_highlight_canvas(qtbot, dock, harbour):
    pick_persona(dock, "Social teen")
    story = harbour.session.load_story()
    teen = next(p for p in story.personas if p.name == "Social teen")
    expected = sample_path(story, teen, 11)
    canvas = dock._window.canvas

    path = dock.sample(11)

    assert path == expected
    assert len(path.steps) >= 3
    for index, step in enumerate(path.steps):
        assert dock.step_index == index
        scene_ids, choice_ids = canvas.highlights[-1]
        assert scene_ids == {step.scene_id}
        assert choice_ids == ({step.choice_id} if step.choice_id else set())
        assert canvas.centered[-1] == step.scene_id
        assert dock.step_label.text() == f"Step {index + 1} of {len(path.steps)}"
        assert step.detail in dock.reason_label.text()
        if index < len(path.steps) - 1:
            qtbot.mouseClick(dock.next_button, Qt.MouseButton.LeftButton)
    assert not dock.next_button.isEnabled()

    qtbot.mouseClick(dock.previous_button, Qt.MouseButton.LeftButton)
    assert dock.step_index == len(path.steps) - 2


def test_step_shows_persona_audience_text(qtbot, dock, harbour):
    pick_persona(dock, "Social teen")

    dock.sample(11)

    assert dock.scene_label.text() == "Dock  ·  Variant for Teens (variant 1)"
    assert dock.text_view.script() == DOCK_TEEN_SCRIPT


def test_timed_out_step_is_marked(qtbot, dock, harbour):
    harbour.session.personas.update(
        next(p for p in harbour.session.personas.list() if p.name == "Social teen").id,
        timeout_rate=1.0,
        dropoff_per_minute=0.0,
    )
    qtbot.waitUntil(lambda: dock.persona_combo.count() == 2)
    pick_persona(dock, "Social teen")

    path = dock.sample(0)

    assert path.steps[0].reason is PathReason.TIMED_OUT
    assert dock.reason_label.text() == (
        "<b>Timer ran out.</b> Timer ran out, so the default “Board the ferry” was "
        "taken."
    )
    assert dock._window.canvas.highlights[-1] == (
        {harbour.scenes["dock"].id},
        {harbour.choices["board"].id},
    )


def test_top_paths_listed_and_stepped(qtbot, dock, harbour):
    pick_persona(dock, "Thrill seeker")
    dock.viewers_spin.setValue(2000)

    task = dock.run_top_paths()
    qtbot.waitUntil(lambda: task.done, timeout=20000)

    assert dock.paths
    assert dock.paths_list.count() == len(dock.paths)
    first = dock.paths[0]
    share = first.count / first.viewers
    assert dock.paths_list.item(0).text().startswith(f"{share:6.1%}")
    assert dock.current_path is first
    assert dock._window.canvas.highlights[-1][0] == {harbour.scenes["dock"].id}
    assert "2000 viewers, seed 1" in dock.status_label.text()


def test_compare_sets_heat_and_ranks_scenes(qtbot, dock, harbour):
    dock.viewers_spin.setValue(2000)
    canvas = dock._window.canvas

    task = dock.compare()
    qtbot.waitUntil(lambda: task.done, timeout=20000)

    comparison = dock.comparison
    assert comparison.audience_a.name == "Teens"
    assert comparison.audience_b.name == "Adults"
    assert canvas.heat[-1] == comparison.shares_a
    table = dock.compare_table
    assert table.rowCount() == 10
    assert table.item(0, 0).text() == "Into the Sea (ending_sea)"
    first = comparison.scenes[0]
    assert table.item(0, 3).text() == f"{first.difference:+.1%}"

    both, _heat_a, heat_b, off = dock.heat_buttons.buttons()
    heat_b.click()
    assert canvas.heat[-1] == comparison.shares_b
    assert canvas.comparisons[-1] is None
    both.click()
    assert canvas.heat[-1] is None
    assert canvas.comparisons[-1] == (comparison.shares_a, comparison.shares_b)
    off.click()
    assert canvas.heat[-1] is None
    assert canvas.comparisons[-1] is None


def test_compare_needs_two_audiences(qtbot, dock, harbour):
    dock.audience_b.setCurrentIndex(0)

    assert dock.compare() is None
    assert dock.compare_status.text() == "Pick two different audiences to compare."


def test_story_without_personas(qtbot, harbour, tmp_path):
    for persona in harbour.session.personas.list():
        harbour.session.personas.delete(persona.id)
    window = FakeWindow()
    qtbot.addWidget(window)
    dock = PathDock(window)
    dock.set_session(harbour.session)

    assert not dock.run_button.isEnabled()
    assert dock.sample() is None
    assert dock.status_label.text() == (
        "The story has no personas yet; add one to an audience to simulate."
    )
    dock.set_session(None)


def test_sample_with_changed_persona(qtbot, dock, harbour):
    pick_persona(dock, "Thrill seeker")
    story = harbour.session.load_story()
    seeker = next(p for p in story.personas if p.name == "Thrill seeker")

    path = dock.sample(5)

    assert path == sample_path(story, seeker, 5)
    assert dock.paths_list.item(0).text().startswith("seed 5   dock")


def test_result_of_one_persona_is_listed(qtbot, dock, harbour):
    story = harbour.session.load_story()
    only = dataclasses.replace(
        story, personas=[p for p in story.personas if p.name == "Thrill seeker"]
    )
    result = simulate(only, 1000, 3, persona="Thrill seeker", exact=False)

    assert dock.show_simulation_result(result)

    assert dock.persona_combo.currentText() == "Thrill seeker (Adults)"
    assert dock.paths_list.count() == len(dock.paths) > 0
    assert dock.paths[0].count == result.top_paths[0].count
    assert dock.status_label.text().startswith("1000 viewers, seed 3")


def test_result_of_all_personas_is_refused(qtbot, dock, harbour):
    result = simulate(harbour.session.load_story(), 200, 3, exact=False)

    assert not dock.show_simulation_result(result)

    assert dock.status_label.text() == (
        "That run mixed 2 personas, so its top paths cannot be explained per "
        "persona; simulate one persona here."
    )
    assert dock.paths_list.count() == 0
