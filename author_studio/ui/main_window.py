"""The main window: it assembles the canvas, the docks and the menus and wires
them to the open project. The parts do the work; this module only connects them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.errors import DomainError
from author_studio.services.changes import ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectFileError
from author_studio.store.project_file import PROJECT_SUFFIX
from author_studio.ui.actions import WindowActions
from author_studio.ui.canvas import PlotCanvas
from author_studio.ui.commands import ServiceCommand
from author_studio.ui.edit_controller import EditController
from author_studio.ui.editors import StoryDataDock
from author_studio.ui.errors import show_error
from author_studio.ui.find_bar import FindBar
from author_studio.ui.inspector import InspectorDock
from author_studio.ui.outline import OutlineDock
from author_studio.ui.panels import install_panels

logger = logging.getLogger(__name__)

MAX_RECENT = 10
FILE_FILTER = f"Author Studio projects (*{PROJECT_SUFFIX})"


class MainWindow(QMainWindow):
    """The writers' room window.

    Public parts other panels use: ``session`` (None while no project is open),
    ``canvas`` (:class:`PlotCanvas`), ``undo_stack`` (the one QUndoStack) and
    :meth:`add_panel`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session: ProjectSession | None = None
        self._unsubscribe = None
        self._panels: list[QDockWidget] = []
        self.undo_stack = QUndoStack(self)
        ServiceCommand.error_handler = lambda message: show_error(
            self, "Undo failed", message
        )

        self.canvas = PlotCanvas()
        self.find_bar = FindBar(self._scene_records)
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.canvas)
        self.setCentralWidget(centre)
        self.edit = EditController(self)

        session_ref = lambda: self.session  # noqa: E731
        self.inspector = InspectorDock(session_ref, self.undo_stack)
        self.outline = OutlineDock()
        self.story_data = StoryDataDock(session_ref, self.undo_stack)
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(
            Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea
        )

        self.actions = WindowActions(self)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.actions.build_menus(self.recent_menu)
        self.addToolBar(self.actions.build_toolbar())
        self.add_panel(self.outline, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.add_panel(self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_panel(self.story_data, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector, self.story_data)
        self.inspector.raise_()
        self.resizeDocks(
            [self.outline, self.inspector], [290, 340], Qt.Orientation.Horizontal
        )
        for text, tab in (("&Variables…", 0), ("&Audiences…", 1), ("&Personas…", 2)):
            action = QAction(text, self)
            action.triggered.connect(
                lambda _c=False, t=tab: self.story_data.show_tab(t)
            )
            self.actions.story_menu.addAction(action)
            self.actions.project_actions.append(action)

        self._build_context_menu()
        self._wire()
        self.panels = install_panels(self)
        self.resize(1440, 900)
        self._restore_settings()
        self._update_title()
        self.actions.set_project_open(False)

    # -- assembly ------------------------------------------------------------------

    def add_panel(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        """Add a dock that has ``set_session(session | None)``; it gets the open
        project now and on every open and close, and a toggle in View > Panels.
        A dock with ``apply_notice(notice)`` also gets every change notice."""
        if not dock.objectName():
            dock.setObjectName(type(dock).__name__)
        self.addDockWidget(area, dock)
        self.restoreDockWidget(dock)
        self.actions.panels_menu.addAction(dock.toggleViewAction())
        self._panels.append(dock)
        if hasattr(dock, "set_session") and self.session is not None:
            dock.set_session(self.session)

    def _build_context_menu(self) -> None:
        actions = self.actions
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        separator = QAction(self)
        separator.setSeparator(True)
        second = QAction(self)
        second.setSeparator(True)
        self.canvas.addActions(
            [
                actions.add_scene,
                actions.set_start,
                actions.duplicate,
                actions.copy,
                actions.paste,
                actions.delete,
                separator,
                actions.layout_selection,
                actions.auto_layout,
                second,
                actions.fit,
                actions.fit_selection,
            ]
        )

    def _wire(self) -> None:
        canvas = self.canvas
        canvas.scene_selected.connect(self._scene_selected)
        canvas.choice_selected.connect(self.inspector.show_choice)
        self.outline.scene_activated.connect(canvas.select_scene)
        self.find_bar.scene_found.connect(self._show_found)

    def _scene_selected(self, scene_id: int) -> None:
        self.inspector.show_scene(scene_id)
        if scene_id >= 0:
            self.outline.select_scene(scene_id)

    def _show_found(self, scene_id: int) -> None:
        self.canvas.select_scene(scene_id)
        self.canvas.highlight({scene_id}, set())

    def _scene_records(self):
        return [card.record for card in self.canvas.graph.cards.values()]

    # -- projects --------------------------------------------------------------------

    def open_project(self, path: Path) -> bool:
        """Open ``path``; on failure show the store's message and keep the current
        project."""
        try:
            session = ProjectSession.open(path)
        except ProjectFileError as error:
            show_error(self, "Cannot open project", error)
            return False
        self._switch_to(session)
        return True

    def _switch_to(self, session: ProjectSession, keep_history: bool = False) -> None:
        self.close_project(keep_history=keep_history)
        self.session = session
        self._unsubscribe = session.subscribe(self._on_changed)
        story = session.load_story()
        # The canvas and every panel read the same snapshot instead of each
        # reading the whole project again.
        with session.sharing_story(story):
            self.canvas.graph.load(session, story)
            self.canvas.show_overview()
            self.outline.set_session(session, story)
            for panel in self._panels:
                if panel is not self.outline and hasattr(panel, "set_session"):
                    panel.set_session(session)
        self._remember_recent(session.path)
        self.actions.set_project_open(True)
        self._update_title()
        logger.info("Showing project %s", session.path)

    def close_project(self, keep_history: bool = False) -> None:
        if self.session is None:
            return
        self.inspector.scene_form.commit_pending()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if not keep_history:
            self.undo_stack.clear()
        session = self.session
        self.session = None
        self.canvas.graph.load(None)
        for panel in self._panels:
            if hasattr(panel, "set_session"):
                panel.set_session(None)
        session.close()
        self.actions.set_project_open(False)
        self._update_title()

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", self._last_folder(), FILE_FILTER
        )
        if path:
            self.open_project(Path(path))

    def new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New project", self._last_folder(), FILE_FILTER
        )
        if not path:
            return
        title, accepted = QInputDialog.getText(
            self, "New project", "Story title:", text=Path(path).stem.replace("_", " ")
        )
        if accepted:
            self.create_project(Path(path), title)

    def create_project(self, path: Path, title: str) -> bool:
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_suffix(PROJECT_SUFFIX)
        try:
            session = ProjectSession.create(path, title)
        except (ProjectFileError, DomainError) as error:
            show_error(self, "Cannot create project", error)
            return False
        self._switch_to(session)
        return True

    def save_project_as(self) -> None:
        if self.session is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project as", self._last_folder(), FILE_FILTER
        )
        if path:
            self.save_as(Path(path))

    def save_as(self, path: Path) -> bool:
        """Copy the project to ``path`` and continue working on the copy; the undo
        history carries over, because the copy has the same ids."""
        if self.session is None:
            return False
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_suffix(PROJECT_SUFFIX)
        try:
            copy = self.session.save_as(path, overwrite=path.exists())
            session = ProjectSession.open(copy)
        except (ProjectFileError, OSError) as error:
            show_error(self, "Cannot save the project", error)
            return False
        self._switch_to(session, keep_history=True)
        return True

    def _on_changed(self, notice: ChangeNotice) -> None:
        self.canvas.graph.apply_notice(notice)
        self.inspector.apply_notice(notice)
        for panel in self._panels:
            if panel is not self.inspector and hasattr(panel, "apply_notice"):
                panel.apply_notice(notice)
        if notice.touches(Entity.PROJECT):
            self._update_title()

    def _update_title(self) -> None:
        if self.session is None:
            self.setWindowTitle("Author Studio")
            self.setWindowFilePath("")
            return
        self.setWindowFilePath(str(self.session.path))
        self.setWindowTitle(
            f"{self.session.info().title} — {self.session.path.name} — Author Studio"
        )

    # -- settings ----------------------------------------------------------------------

    def set_snap(self, enabled: bool) -> None:
        self.canvas.snap_to_grid = enabled
        QSettings().setValue("canvas/snap_to_grid", enabled)

    def set_minimap_visible(self, visible: bool) -> None:
        self.canvas.minimap.setVisible(visible)
        QSettings().setValue("canvas/minimap", visible)

    def recent_files(self) -> list[str]:
        value = QSettings().value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(item) for item in value or []]

    def _remember_recent(self, path: Path) -> None:
        entry = str(path.resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        QSettings().setValue("recent_files", files[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(
                lambda _c=False, p=path: self.open_project(Path(p))
            )
        if not files:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent Projects")
            clear.triggered.connect(lambda: QSettings().setValue("recent_files", []))

    def _last_folder(self) -> str:
        files = self.recent_files()
        return str(Path(files[0]).parent) if files else ""

    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        snap = settings.value("canvas/snap_to_grid", False, type=bool)
        self.actions.snap.setChecked(bool(snap))
        self.canvas.snap_to_grid = bool(snap)
        minimap = settings.value("canvas/minimap", True, type=bool)
        self.actions.minimap.setChecked(bool(minimap))
        self.canvas.minimap.setVisible(bool(minimap))

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        self.close_project()
        self.panels.assist.controller.close()
        super().closeEvent(event)
