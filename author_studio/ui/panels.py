"""Add the analysis, simulation and assistant panels to a main window.

The main window assembles only its own core parts (canvas, inspector, outline,
story data). Everything else arrives here, so a panel can be added or dropped
without touching the window class.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea

from author_studio.ui.assist_menu import AssistParts, install_assist
from author_studio.ui.export_dialog import ExportDialog
from author_studio.ui.import_dialog import ImportDialog
from author_studio.ui.path_dock import PathDock
from author_studio.ui.play_dock import PlayDock
from author_studio.ui.problems_dock import ProblemsDock
from author_studio.ui.simulation_dock import SimulationDock

if TYPE_CHECKING:
    from author_studio.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


@dataclass
class Panels:
    problems: ProblemsDock
    simulation: SimulationDock
    play: PlayDock
    paths: PathDock
    assist: AssistParts


def _story_action(window: MainWindow, text: str, shortcut: str, slot) -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    window.actions.story_menu.addAction(action)
    window.actions.project_actions.append(action)
    return action


def _scrollable(dock: QDockWidget) -> None:
    """Put a dense panel's contents in a scroll area, so the dock can be made
    smaller than the contents' minimum size without squeezing the canvas."""
    contents = dock.widget()
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(contents)
    dock.setWidget(area)


def _default_sizes(window: MainWindow, bottom: ProblemsDock) -> None:
    window.resizeDocks([bottom], [220], Qt.Orientation.Vertical)
    window.resizeDocks(
        [window.outline, window.inspector], [240, 520], Qt.Orientation.Horizontal
    )


def _install_interop(window: MainWindow) -> None:
    """Add File > Import Story and File > Export to the window."""

    def import_story() -> None:
        dialog = ImportDialog(window)
        dialog.imported.connect(window.open_project)
        dialog.open()

    def export_story() -> None:
        if window.session is not None:
            ExportDialog(window.session, window).open()

    actions = window.actions
    import_action = QAction("&Import Story…", window)
    import_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
    import_action.triggered.connect(import_story)
    export_action = QAction("&Export…", window)
    export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
    export_action.triggered.connect(export_story)
    actions.project_actions.append(export_action)
    menu_actions = actions.file_menu.actions()
    after_open = menu_actions[menu_actions.index(actions.open) + 1]
    actions.file_menu.insertAction(after_open, import_action)
    after_save_as = menu_actions[menu_actions.index(actions.save_as) + 1]
    actions.file_menu.insertAction(after_save_as, export_action)
    window.import_action = import_action
    window.export_action = export_action


def install_panels(window: MainWindow) -> Panels:
    """Create the panels, dock them and add their menu entries."""
    _install_interop(window)
    problems = ProblemsDock(window)
    window.add_panel(problems, Qt.DockWidgetArea.BottomDockWidgetArea)
    simulation = SimulationDock(window)
    window.add_panel(simulation, Qt.DockWidgetArea.RightDockWidgetArea)
    window.tabifyDockWidget(window.inspector, simulation)
    window.inspector.raise_()

    def check_story() -> None:
        problems.show()
        problems.raise_()
        problems.relint()

    def simulate() -> None:
        simulation.show()
        simulation.raise_()
        simulation.run()

    play = PlayDock(window)
    paths = PathDock(window)
    window.add_panel(play, Qt.DockWidgetArea.RightDockWidgetArea)
    window.add_panel(paths, Qt.DockWidgetArea.RightDockWidgetArea)
    _scrollable(play)
    _scrollable(paths)
    window.tabifyDockWidget(window.inspector, play)
    window.tabifyDockWidget(play, paths)
    window.inspector.raise_()
    simulation.result_ready.connect(paths.show_simulation_result)
    paths.watch_requested.connect(play.play_journey)

    def play_from_here() -> None:
        selected = window.canvas.graph.selected_scene_ids()
        play.play_from_scene(next(iter(selected)) if selected else None)

    window.actions.story_menu.addSeparator()
    _story_action(window, "&Play from Start", "F5", lambda: play.play_from_scene(None))
    play_here = _story_action(window, "Play from &Here", "Shift+F5", play_from_here)
    window.canvas.addAction(play_here)
    _story_action(window, "&Check Story", "F7", check_story)
    _story_action(window, "Simulate &Viewers", "F8", simulate)

    assist = install_assist(window)
    window.canvas.scene_selected.connect(assist.review_dock.show_scene)

    # Bottom panels share one tab strip, so the canvas keeps most of the height.
    _scrollable(simulation)
    _scrollable(assist.review_dock)
    window.tabifyDockWidget(problems, assist.review_dock)
    problems.raise_()
    if not QSettings().contains("window/state"):
        # Dock sizes apply only once the window is laid out, so they wait for the
        # event loop.
        QTimer.singleShot(0, lambda: _default_sizes(window, problems))
    return Panels(
        problems=problems,
        simulation=simulation,
        play=play,
        paths=paths,
        assist=assist,
    )
