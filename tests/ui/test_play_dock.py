"""The play dock, driven through its buttons on the Harbour Night story."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from author_studio.domain.journey import StepHow
from author_studio.ui.play_dock import PlayDock
from tests.play_story import DOCK_SCRIPT, build_harbour_story
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
    dock = PlayDock(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.set_speed("Off")
    dock.set_session(harbour.session)
    window.show()
    yield dock
    dock.set_session(None)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def choice_button(dock, harbour, name):
    return dock.stage.choices.buttons[harbour.choices[name].id]


def test_dock_shows_variant_and_base_marks(dock, harbour):
    dock.set_audience("Teens")

    assert dock.stage.title_label.text() == "Dock"
    assert dock.stage.source_badge.text() == "Teens variant"
    assert "MARA (17)" in dock.stage.script_view.toPlainText()

    dock.set_audience("Adults")

    assert dock.stage.source_badge.text() == "Base script · no Adults variant"
    assert dock.stage.script_view.script() == DOCK_SCRIPT

    dock.set_audience(None)

    assert dock.stage.source_badge.text() == "Base script"


def test_playthrough_with_timeout_reaches_ending(qtbot, dock, harbour):
    dock.set_audience("Teens")

    click(qtbot, choice_button(dock, harbour, "ticket"))
    assert dock.engine.scene.key == "ticket_office"
    assert (
        dock.stage.timer_label.text()
        == "timer off · then the default: Board with the ticket"
    )
    click(qtbot, dock.stage.timeout_button)
    click(qtbot, choice_button(dock, harbour, "talk"))
    click(qtbot, choice_button(dock, harbour, "follow"))
    click(qtbot, dock.stage.timeout_button)

    assert dock.engine.scene.key == "ending_truth"
    assert [step.how for step in dock.engine.steps] == [
        StepHow.CHOSEN,
        StepHow.TIMED_OUT,
        StepHow.CHOSEN,
        StepHow.CHOSEN,
        StepHow.TIMED_OUT,
    ]
    assert dock.stage.banner.isVisible()
    assert dock.stage.banner.text() == "THE END — The Truth · 5 choices · 2:55"
    assert dock.stage.choices.buttons == {}
    assert not dock.stage.timeout_button.isVisible()
    assert dock.path_list.count() == 6
    assert dock.path_list.item(1).text() == (
        "2. Ticket Office — window ran out, default “Board with the ticket”"
    )


def test_running_timer_takes_default(qtbot, dock, harbour):
    harbour.session.choices.update(harbour.choices["board"].id, window_s=0.4)
    dock.restart()
    assert dock.engine.offer().window_s == pytest.approx(0.4)

    dock.set_speed("4×")

    qtbot.waitUntil(lambda: dock.engine.scene.key == "deck", timeout=3000)
    assert dock.engine.steps[0].how is StepHow.TIMED_OUT
    assert dock.engine.steps[0].choice.id == harbour.choices["board"].id


def test_pause_stops_countdown(qtbot, dock, harbour):
    dock.set_speed("1×")
    assert dock.stage.timer_bar.isVisible()
    qtbot.wait(150)
    running = dock.remaining_s
    assert running < 8

    click(qtbot, dock.pause_button)
    paused_at = dock.remaining_s
    qtbot.wait(200)

    assert dock.remaining_s == paused_at
    assert dock.stage.timer_label.text() == "paused · then the default: Board the ferry"
    assert dock.engine.scene.key == "dock"
    click(qtbot, dock.pause_button)
    qtbot.waitUntil(lambda: dock.remaining_s < paused_at, timeout=2000)


def test_back_and_restart(qtbot, dock, harbour):
    assert not dock.back_button.isEnabled()
    click(qtbot, choice_button(dock, harbour, "ticket"))
    click(qtbot, dock.stage.timeout_button)
    assert dock.engine.state["has_ticket"] is True

    click(qtbot, dock.back_button)

    assert dock.engine.scene.key == "ticket_office"
    assert dock.stage.title_label.text() == "Ticket Office"

    click(qtbot, dock.restart_button)

    assert dock.engine.scene.key == "dock"
    assert dock.engine.state == {"has_ticket": False, "trust": 0}
    assert dock.path_list.count() == 1
    assert not dock.back_button.isEnabled()


def test_variable_edit_recomputes_offer(qtbot, dock, harbour):
    click(qtbot, dock.stage.timeout_button)
    talk = choice_button(dock, harbour, "talk")
    assert not talk.isEnabled()

    dock.variables_table.editors["has_ticket"].click()

    talk = choice_button(dock, harbour, "talk")
    assert talk.isEnabled()
    assert talk.text() == "1    Talk to the stranger"
    assert dock.engine.state["has_ticket"] is True
    assert dock.variables_table.editors["has_ticket"].font().bold()


def test_canvas_follows_current_scene(qtbot, dock, harbour):
    canvas = dock._window.canvas
    click(qtbot, choice_button(dock, harbour, "ticket"))

    assert canvas.centered[-1] == harbour.scenes["ticket_office"].id
    assert canvas.highlights[-1] == (
        {harbour.scenes["ticket_office"].id},
        {harbour.choices["ticket"].id},
    )


def test_start_from_canvas_selection(qtbot, dock, harbour):
    canvas = dock._window.canvas
    assert not dock.selection_button.isEnabled()

    canvas.scene_selected.emit(harbour.scenes["rail"].id)
    click(qtbot, dock.selection_button)

    assert dock.engine.scene.key == "rail"
    assert dock.engine.start_scene.key == "rail"
    click(qtbot, choice_button(dock, harbour, "jump"))
    click(qtbot, dock.restart_button)
    assert dock.engine.scene.key == "rail"


def test_story_edit_updates_open_run(qtbot, dock, harbour):
    click(qtbot, dock.stage.timeout_button)

    harbour.session.choices.update(harbour.choices["stay"].id, label="Lean on the rail")

    qtbot.waitUntil(
        lambda: (
            choice_button(dock, harbour, "stay")
            .text()
            .startswith("1    Lean on the rail")
        )
    )
    assert dock.engine.scene.key == "deck"


def test_journey_breaks_after_edit(qtbot, dock, harbour):
    click(qtbot, choice_button(dock, harbour, "ticket"))
    click(qtbot, dock.stage.timeout_button)
    click(qtbot, choice_button(dock, harbour, "talk"))
    dock.journeys.name_edit.setText("Stranger")
    click(qtbot, dock.journeys.save_button)
    assert dock.journeys.status.text() == "Saved 'Stranger': 3 choices."
    assert dock.journeys.list.count() == 1

    harbour.session.choices.update(harbour.choices["talk"].id, condition="trust > 2")
    click(qtbot, dock.restart_button)
    dock.journeys.select("Stranger")
    click(qtbot, dock.journeys.replay_button)

    assert dock.engine.scene.key == "deck"
    assert dock.journeys.status.text() == (
        "Step 3 (deck → 'Talk to the stranger' → stranger) breaks: the choice "
        "'Talk to the stranger' is not on offer any more: its condition `trust > 2` "
        "is false when trust = 0."
    )


def test_journey_replay_restores_audience(qtbot, dock, harbour):
    dock.set_audience("Teens")
    click(qtbot, dock.stage.timeout_button)
    dock.save_journey("Teen board")
    dock.set_audience(None)
    click(qtbot, dock.restart_button)

    assert dock.replay("Teen board")

    assert dock.audience_combo.currentText() == "Teens"
    assert dock.engine.scene.key == "deck"
    assert dock.journeys.status.text() == "Replayed 'Teen board': all 1 steps fit."


def test_duplicate_journey_offers_replace(qtbot, dock, harbour):
    dock.save_journey("Same")
    click(qtbot, dock.stage.timeout_button)

    assert not dock.save_journey("Same")
    assert not dock.journeys.replace_button.isHidden()
    click(qtbot, dock.journeys.replace_button)

    assert harbour.session.journeys.by_name("Same").choice_count == 1
    assert dock.journeys.replace_button.isHidden()


def test_number_key_takes_choice(qtbot, dock, harbour):
    dock.stage.script_view.setFocus()
    qtbot.waitUntil(dock.stage.script_view.hasFocus)

    qtbot.keyClick(dock.stage.script_view, Qt.Key.Key_2)

    assert dock.engine.scene.key == "ticket_office"


def test_number_key_in_value_editor_stays_text(qtbot, dock, harbour):
    editor = dock.variables_table.editors["trust"]
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    editor.selectAll()

    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_2)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)

    assert dock.engine.scene.key == "dock"
    assert dock.engine.state["trust"] == 2


def test_check_all_marks_broken_journeys(qtbot, dock, harbour):
    click(qtbot, choice_button(dock, harbour, "ticket"))
    click(qtbot, dock.stage.timeout_button)
    click(qtbot, choice_button(dock, harbour, "talk"))
    dock.save_journey("Stranger")
    click(qtbot, dock.restart_button)
    click(qtbot, dock.stage.timeout_button)
    dock.save_journey("Rail")
    harbour.session.choices.delete(harbour.choices["talk"].id)

    click(qtbot, dock.journeys.check_button)

    items = {
        dock.journeys.list.item(i).data(
            Qt.ItemDataRole.UserRole
        ): dock.journeys.list.item(i)
        for i in range(dock.journeys.list.count())
    }
    assert items["Rail"].text().startswith("✓ Rail\n")
    assert items["Stranger"].text().startswith("✗ Stranger\n")
    assert (
        items["Stranger"].toolTip().startswith("Step 3 (deck → 'Talk to the stranger'")
    )
    assert dock.journeys.status.text().startswith(
        "1 of 2 journeys no longer fit the story"
    )


def test_hide_choices_not_on_offer(qtbot, dock, harbour):
    click(qtbot, dock.stage.timeout_button)
    assert harbour.choices["talk"].id in dock.stage.choices.buttons

    dock.blocked_check.click()

    assert set(dock.stage.choices.buttons) == {harbour.choices["stay"].id}
    assert dock.stage.choices.buttons[harbour.choices["stay"].id].isEnabled()
