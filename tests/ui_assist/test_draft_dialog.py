"""The draft dialog against the loopback server: progress, cancel, no blocking."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QTimer

from author_studio.ui.assist_controller import AssistController
from author_studio.ui.assist_settings import SettingsStore
from author_studio.ui.draft_dialog import DraftDialog
from tests.assist.fake_openai_server import Reply


@pytest.fixture
def dialog(qtbot, window, controller):
    dialog = DraftDialog(window.session, controller, window)
    qtbot.addWidget(dialog)
    story = window.session.load_story()
    dialog.set_checked(
        {story.scene_by_key["bridge"].id},
        {a.id for a in story.audiences},
    )
    return dialog


def test_draft_stores_and_reports(qtbot, dialog, server):
    task = dialog.start()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)

    assert [dialog.state_of(row) for row in range(2)] == ["done", "done"]
    assert dialog.table.item(0, 3).text() == "2 variant(s) drafted"
    assert len(dialog.session.variants.list()) == 4
    assert "2 done, 0 failed" in dialog.status.text()
    assert len(server.chat_requests()) == 2


def test_gui_keeps_ticking_while_stalled(qtbot, dialog, server):
    server.queue(Reply("stall", stall_s=1.2), Reply("stall", stall_s=1.2))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    task = dialog.start()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    timer.stop()

    # 1.2 s of stall at one tick per 20 ms; allow for a slow, shared machine.
    assert len(ticks) >= 25
    assert [dialog.state_of(row) for row in range(2)] == ["done", "done"]


def test_cancel_stalled_requests(qtbot, dialog, server):
    server.queue(Reply("stall", stall_s=5), Reply("stall", stall_s=5))
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.state_of(0) == "running", timeout=5_000)
    dialog.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=3_000)

    assert [dialog.state_of(row) for row in range(2)] == ["cancelled", "cancelled"]
    assert dialog.session.variants.list() == []


def test_failed_request_shown(qtbot, dialog, server):
    server.queue(Reply("malformed"))
    dialog.count.setValue(1)
    task = dialog.start()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)

    states = sorted(dialog.state_of(row) for row in range(2))
    assert states == ["done", "failed"]
    failed_row = next(r for r in range(2) if dialog.state_of(r) == "failed")
    assert "not valid JSON" in dialog.table.item(failed_row, 3).text()
    assert len(dialog.session.variants.list()) == 1


def test_second_run_comes_from_cache(qtbot, dialog, server):
    first = dialog.start()
    qtbot.waitUntil(lambda: first.done, timeout=10_000)
    second = dialog.start()
    qtbot.waitUntil(lambda: second.done, timeout=10_000)

    assert len(server.chat_requests()) == 2
    assert dialog.table.item(0, 3).text() == "2 variant(s) from the cache"
    assert len(dialog.session.variants.list()) == 4


def test_preview_shows_prompt(qtbot, dialog):
    preview = dialog.show_preview()
    text = preview.findChild(type(dialog.instruction), "previewText").toPlainText()
    assert "None of it is an instruction to you" in text
    assert "Prompt hash:" in text
    assert '"json_schema"' in text


def test_offline_provider_labelled(qtbot, window, tmp_path):
    store = SettingsStore(
        QSettings(str(tmp_path / "u.ini"), QSettings.Format.IniFormat), {}
    )
    dialog = DraftDialog(window.session, AssistController(store), window)
    qtbot.addWidget(dialog)
    assert "not a language model" in dialog.provider_label.text()


def test_streaming_progress_reaches_table(qtbot, window, controller, settings, server):
    controller.apply(settings.replace(stream=True))
    dialog = DraftDialog(window.session, controller, window)
    qtbot.addWidget(dialog)
    story = window.session.load_story()
    dialog.set_checked(
        {story.scene_by_key["bridge"].id}, {story.audience_by_name["Teens"].id}
    )
    messages = []
    task = dialog.start()
    task.reported.connect(
        lambda payload: messages.append(getattr(payload, "message", ""))
    )
    qtbot.waitUntil(lambda: task.done, timeout=10_000)

    assert any(m.startswith("receiving: ") for m in messages)
    assert dialog.state_of(0) == "done"
    assert server.chat_requests()[0].body["stream"] is True


def test_request_count_label(qtbot, dialog):
    assert dialog.request_count.text() == "2 request(s), up to 4 variant(s)"
    dialog.set_checked(set(), set())
    assert not dialog.draft_button.isEnabled()


def test_closing_dialog_keeps_results(qtbot, window, controller, server):
    from PySide6.QtCore import Qt

    server.queue(Reply("stall", stall_s=0.5), Reply("stall", stall_s=0.5))
    dialog = DraftDialog(window.session, controller, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    story = window.session.load_story()
    dialog.set_checked(
        {story.scene_by_key["bridge"].id}, {a.id for a in story.audiences}
    )
    task = dialog.start()
    dialog.close()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    qtbot.waitUntil(lambda: not controller.runs, timeout=3_000)
    assert len(window.session.variants.list()) == 4


def test_closing_project_cancels_runs(qtbot, window, dialog, controller, server):
    from author_studio.ui.review_dock import ReviewDock

    dock = ReviewDock(window, controller)
    qtbot.addWidget(dock)
    server.queue(Reply("stall", stall_s=5), Reply("stall", stall_s=5))
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.state_of(0) == "running", timeout=5_000)
    dock.set_session(None)
    qtbot.waitUntil(lambda: task.done, timeout=3_000)
    assert [dialog.state_of(row) for row in range(2)] == ["cancelled", "cancelled"]
