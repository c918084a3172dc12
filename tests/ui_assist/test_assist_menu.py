"""The Assistant menu and review panel added to a main window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from author_studio.ui.assist_controller import controller_for
from author_studio.ui.assist_menu import install_assist
from author_studio.ui.assist_settings import AssistSettingsDialog
from author_studio.ui.draft_dialog import DraftDialog
from author_studio.ui.review_dock import ReviewDock


def test_menu_and_dock_installed(qtbot, window):
    parts = install_assist(window)
    texts = [a.text() for a in parts.menu.actions() if a.text()]
    assert texts == [
        "&Draft variants…",
        "Draft variants of all &canon scenes…",
        "&Review panel",
        "Assistant &settings…",
    ]
    assert isinstance(window.panels[0], ReviewDock)
    assert (
        window.dockWidgetArea(parts.review_dock)
        == Qt.DockWidgetArea.BottomDockWidgetArea
    )
    assert controller_for(window) is parts.controller


def test_canon_action_checks_canon_scenes(qtbot, window):
    parts = install_assist(window)
    parts.draft_canon_action.trigger()
    dialog = window.findChild(DraftDialog)
    qtbot.addWidget(dialog)
    jobs = dialog.jobs()
    assert [job.label for job in jobs] == ["bridge for Teens", "bridge for Family"]
    assert "not a language model" in dialog.provider_label.text()


def test_settings_action_opens_dialog(qtbot, window):
    parts = install_assist(window)
    parts.settings_action.trigger()
    dialog = window.findChild(AssistSettingsDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.windowTitle() == "Assistant settings"
