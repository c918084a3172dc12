"""The review flow in the GUI: draft, proposed, approve, supersede, reject,
edit, audit log."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from author_studio.assist.openai_provider import OpenAIProvider
from author_studio.assist.service import AssistService, DraftJob
from author_studio.domain.model import VariantOrigin, VariantStatus
from author_studio.review.queue import ReviewFilter
from author_studio.ui.draft_dialog import DraftDialog
from author_studio.ui.review_dock import ReviewDock


@pytest.fixture
def dock(qtbot, window, controller):
    dock = ReviewDock(window, controller)
    window.add_panel(dock, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.resize(1300, 700)
    window.show()
    qtbot.waitExposed(window)
    return dock


def _draft(qtbot, window, controller, audience="Teens"):
    dialog = DraftDialog(window.session, controller, window)
    qtbot.addWidget(dialog)
    story = window.session.load_story()
    dialog.set_checked(
        {story.scene_by_key["bridge"].id}, {story.audience_by_name[audience].id}
    )
    task = dialog.start()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    return [i for o in dialog.outcomes for i in o.variant_ids]


def _status(window, variant_id):
    return window.session.variants.get(variant_id).status


def test_review_flow_end_to_end(qtbot, window, controller, dock, server):
    first, second = _draft(qtbot, window, controller)
    assert dock.queue_table.rowCount() == 2
    assert dock.detail.title.text().startswith(f"Variant {first} ")
    assert "openai / test-model" in dock.detail.provenance.text()

    dock.queue_table.setFocus()
    qtbot.keyClick(dock.queue_table, Qt.Key.Key_A)
    assert _status(window, first) is VariantStatus.APPROVED
    assert dock.queue_table.rowCount() == 1
    assert dock.current_variant().id == second

    qtbot.keyClick(dock.queue_table, Qt.Key.Key_A)
    assert _status(window, second) is VariantStatus.APPROVED
    assert _status(window, first) is VariantStatus.SUPERSEDED

    third, fourth = _draft(qtbot, window, controller, "Family")
    dock.select_variant(third)
    qtbot.keyClick(dock.queue_table, Qt.Key.Key_R)
    assert dock.detail.reason.hasFocus()
    qtbot.keyClicks(dock.detail.reason, "Reads like the teen cut")
    qtbot.keyClick(dock.detail.reason, Qt.Key.Key_Return)
    assert _status(window, third) is VariantStatus.REJECTED
    reviews = window.session.variants.reviews(third)
    assert reviews[-1].note == "Reads like the teen cut"

    audit = [
        dock.audit_table.item(row, 2).text()
        for row in range(dock.audit_table.rowCount())
    ]
    assert audit[:4] == ["rejected", "drafted", "approved", "superseded"]
    notes = dock.audit_table.item(0, 4).text()
    assert notes == "Reads like the teen cut"
    assert fourth in [v.id for v in dock._queue]


def test_reject_needs_reason(qtbot, window, controller, dock, server):
    first, _second = _draft(qtbot, window, controller)
    dock.detail.reject_button.click()
    assert _status(window, first) is VariantStatus.PROPOSED
    assert "needs a reason" in dock.detail.reason.placeholderText()


def test_edit_then_approve(qtbot, window, controller, dock, server):
    first, _second = _draft(qtbot, window, controller)
    qtbot.keyClick(dock.queue_table, Qt.Key.Key_E)
    assert dock.detail.editing
    dock.detail.editor.setPlainText("MARA: The Lantern Guild. Go.")
    dock.detail.duration.setValue(30)
    dock.detail.save_edit.click()

    variants = window.session.variants.list()
    edited = [v for v in variants if v.origin is VariantOrigin.HUMAN_EDITED]
    assert len(edited) == 1
    assert edited[0].parent_id == first
    assert edited[0].status is VariantStatus.APPROVED
    assert edited[0].duration_s == 30
    assert _status(window, first) is VariantStatus.SUPERSEDED


def test_letters_typed_in_reason_do_not_decide(qtbot, window, controller, dock, server):
    first, _second = _draft(qtbot, window, controller)
    dock.detail.reason.setFocus()
    qtbot.keyClicks(dock.detail.reason, "a jarring edit")
    assert _status(window, first) is VariantStatus.PROPOSED
    assert dock.detail.reason.text() == "a jarring edit"


def test_j_and_k_move_through_queue(qtbot, window, controller, dock, server):
    first, second = _draft(qtbot, window, controller)
    dock.select_variant(first)
    qtbot.keyClick(dock.queue_table, Qt.Key.Key_J)
    assert dock.current_variant().id == second
    qtbot.keyClick(dock.queue_table, Qt.Key.Key_K)
    assert dock.current_variant().id == first


def test_filters_and_checks(qtbot, window, controller, dock, server):
    _draft(qtbot, window, controller)
    story = window.session.load_story()
    family = story.audience_by_name["Family"].id
    dock.set_filter(ReviewFilter(audience_id=family))
    assert dock.queue_table.rowCount() == 0
    dock.set_filter(ReviewFilter(status=None, origin=VariantOrigin.HUMAN))
    assert dock.queue_table.rowCount() == 0
    assert dock.origin_filter.currentText() == "human"
    dock.set_filter(ReviewFilter(status=None, origin=VariantOrigin.AI))
    assert dock.queue_table.rowCount() == 2
    assert dock.status_filter.currentText() == "Any status"
    names = [
        dock.detail.check_list.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(dock.detail.check_list.count())
    ]
    assert names == ["canon", "base", "duplicates", "rating", "duration"]


def test_diff_marks_insertions(qtbot, window, controller, dock, server):
    _draft(qtbot, window, controller)
    html = dock.detail.diff_view.toHtml()
    assert "Take 1 for Teens" in html
    assert "#d4f7d4" in html


def test_usage_shown(qtbot, window, controller, dock, server):
    _draft(qtbot, window, controller)
    dock.reload()
    text = dock.usage_label.text()
    assert text.startswith("Assistant: 1 request(s), 0 from cache")
    assert "cost unknown (no price for test-model)" in text


def test_worker_thread_writes_reach_dock(
    qtbot, window, controller, dock, server, settings
):
    story = window.session.load_story()
    service = AssistService(window.session, OpenAIProvider(settings), settings)
    job = DraftJob(
        story.scene_by_key["bridge"].id, story.audience_by_name["Teens"].id, 1
    )
    import threading

    worker = threading.Thread(target=service.draft, args=(job,))
    worker.start()
    worker.join(10)
    qtbot.waitUntil(lambda: dock.queue_table.rowCount() == 1, timeout=3_000)


def test_undo_and_redo_approval(qtbot, window, controller, dock, server):
    first, second = _draft(qtbot, window, controller)
    dock.select_variant(first)
    dock.approve_current()
    dock.select_variant(second)
    dock.approve_current()
    assert _status(window, first) is VariantStatus.SUPERSEDED
    assert window.undo_stack.undoText() == f"Approve variant {second}"

    window.undo_stack.undo()
    assert _status(window, second) is VariantStatus.PROPOSED
    assert _status(window, first) is VariantStatus.APPROVED
    assert window.session.variants.reviews(second)[-1].decision.value == "reopened"

    window.undo_stack.redo()
    assert _status(window, second) is VariantStatus.APPROVED
    assert _status(window, first) is VariantStatus.SUPERSEDED
    actions = [e.action for e in window.session.audit_log()]
    assert actions[:3] == ["approved", "superseded", "reopened"]


def test_undo_edit_removes_copy(qtbot, window, controller, dock, server):
    first, _second = _draft(qtbot, window, controller)
    dock.select_variant(first)
    dock.edit_and_approve_current("MARA: The Lantern Guild. Go.", 30)
    assert len(window.session.variants.list()) == 3

    window.undo_stack.undo()
    assert len(window.session.variants.list()) == 2
    assert _status(window, first) is VariantStatus.PROPOSED

    window.undo_stack.redo()
    edited = [
        v
        for v in window.session.variants.list()
        if v.origin is VariantOrigin.HUMAN_EDITED
    ]
    assert len(edited) == 1
    assert edited[0].status is VariantStatus.APPROVED
    assert edited[0].parent_id == first


def test_undo_reject(qtbot, window, controller, dock, server):
    first, _second = _draft(qtbot, window, controller)
    dock.select_variant(first)
    dock.reject_current("Too flat")
    window.undo_stack.undo()
    assert _status(window, first) is VariantStatus.PROPOSED
    window.undo_stack.redo()
    assert _status(window, first) is VariantStatus.REJECTED
    assert window.session.variants.reviews(first)[-1].note == "Too flat"


def test_show_scene_filters_queue(qtbot, window, controller, dock, server):
    _draft(qtbot, window, controller)
    start = window.session.scenes.by_key("start").id
    dock.show_scene(start)
    assert dock.queue_table.rowCount() == 0
    assert "Nothing to review" in dock.detail.title.text()
    dock.show_scene(-1)
    assert dock.queue_table.rowCount() == 2


def test_double_click_centres_canvas(qtbot, window, controller, dock, server):
    centred = []

    class Canvas:
        def center_on_scene(self, scene_id):
            centred.append(scene_id)

    window.canvas = Canvas()
    _draft(qtbot, window, controller)
    item = dock.queue_table.item(0, 1)
    dock.queue_table.itemDoubleClicked.emit(item)
    assert centred == [window.session.scenes.by_key("bridge").id]
