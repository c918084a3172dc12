"""Put the assistant into a main window: the Assistant menu and the review panel.

:func:`install_assist` needs a window with ``session``, ``menuBar()`` and
``add_panel(dock, area)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from author_studio.ui.assist_controller import AssistController, controller_for
from author_studio.ui.draft_dialog import DraftDialog
from author_studio.ui.errors import show_error
from author_studio.ui.review_dock import ReviewDock

logger = logging.getLogger(__name__)


@dataclass
class AssistParts:
    controller: AssistController
    review_dock: ReviewDock
    menu: QMenu
    draft_action: QAction
    draft_canon_action: QAction
    settings_action: QAction


def _selected_scenes(window: QMainWindow) -> set[int]:
    """Return the scene ids selected on the window's canvas, if it has one."""
    canvas = getattr(window, "canvas", None)
    graph = getattr(canvas, "graph", canvas)
    selected = getattr(graph, "selected_scene_ids", None)
    return set(selected()) if callable(selected) else set()


def open_draft_dialog(
    window: QMainWindow, controller: AssistController, canon_only: bool = False
) -> DraftDialog | None:
    """Open the draft dialog on the window's project, with the canvas's selected
    scene (or every canon scene) and every audience checked."""
    session = getattr(window, "session", None)
    if session is None:
        show_error(window, "No project open", "Open a project first, then draft.")
        return None
    dialog = DraftDialog(session, controller, window)
    story = dialog._story
    audiences = {a.id for a in story.audiences}
    if canon_only:
        dialog.set_checked(set(), audiences)
        dialog.select_canon_scenes()
    else:
        dialog.set_checked(_selected_scenes(window), audiences)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install_assist(window: QMainWindow) -> AssistParts:
    """Add the Assistant menu and the review panel (bottom dock area)."""
    controller = controller_for(window)
    dock = ReviewDock(window, controller)
    window.add_panel(dock, Qt.DockWidgetArea.BottomDockWidgetArea)

    menu = window.menuBar().addMenu("&Assistant")
    draft = QAction("&Draft variants…", window)
    draft.setShortcut(QKeySequence("Ctrl+Shift+D"))
    draft.triggered.connect(lambda: open_draft_dialog(window, controller))
    canon = QAction("Draft variants of all &canon scenes…", window)
    canon.triggered.connect(lambda: open_draft_dialog(window, controller, True))
    review = dock.toggleViewAction()
    review.setText("&Review panel")
    review.setShortcut(QKeySequence("Ctrl+Shift+R"))
    settings = QAction("Assistant &settings…", window)
    settings.triggered.connect(lambda: controller.open_settings(window))
    menu.addActions([draft, canon])
    menu.addSeparator()
    menu.addAction(review)
    menu.addSeparator()
    menu.addAction(settings)
    return AssistParts(controller, dock, menu, draft, canon, settings)
