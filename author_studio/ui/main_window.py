"""The main window: the open project's title and its scenes."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
)

from author_studio.services.changes import ChangeNotice
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectFileError
from author_studio.ui.errors import show_error

logger = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.session: ProjectSession | None = None
        self._unsubscribe = None
        self.scene_list = QListWidget()
        self.scene_list.setObjectName("sceneList")
        self.setCentralWidget(self.scene_list)
        self._build_menus()
        self.resize(1200, 800)
        self._update_title()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._choose_project)
        file_menu.addAction(open_action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def _choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "Author Studio projects (*.authorstudio)"
        )
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> bool:
        """Open ``path``; on failure show the store's message and keep the current
        project."""
        try:
            session = ProjectSession.open(path)
        except ProjectFileError as error:
            show_error(self, "Cannot open project", error)
            return False
        self.close_project()
        self.session = session
        self._unsubscribe = session.subscribe(self._on_changed)
        self._reload()
        return True

    def close_project(self) -> None:
        if self.session is None:
            return
        if self._unsubscribe:
            self._unsubscribe()
        self.session.close()
        self.session = None
        self.scene_list.clear()
        self._update_title()

    def _on_changed(self, notice: ChangeNotice) -> None:
        self._reload()

    def _reload(self) -> None:
        self.scene_list.clear()
        if self.session is None:
            return
        for scene in self.session.scenes.list():
            item = QListWidgetItem(f"{scene.title}    [{scene.kind.value}]")
            item.setToolTip(scene.synopsis)
            self.scene_list.addItem(item)
        self._update_title()

    def _update_title(self) -> None:
        if self.session is None:
            self.setWindowTitle("Author Studio")
            return
        self.setWindowTitle(
            f"{self.session.info().title} — {self.session.path.name} — Author Studio"
        )

    def closeEvent(self, event) -> None:
        self.close_project()
        super().closeEvent(event)
