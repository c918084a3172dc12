"""The main window's menus, toolbar and their shortcuts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from author_studio.ui.resources import icon

if TYPE_CHECKING:
    from author_studio.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


class WindowActions:
    """Builds and holds every action of the main window; ``project_actions`` are
    the ones enabled only while a project is open."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.project_actions: list[QAction] = []
        edit = window.edit
        canvas = window.canvas
        key = QKeySequence.StandardKey

        self.new = self._action("&New Project…", window.new_project, key.New, "new")
        self.open = self._action("&Open…", window.choose_project, key.Open, "open")
        self.save_as = self._action(
            "Save &As…", window.save_project_as, key.SaveAs, project=True
        )
        self.close = self._action(
            "&Close Project", window.close_project, key.Close, project=True
        )
        self.quit = self._action("&Quit", window.close, key.Quit)

        stack = window.undo_stack
        self.undo = stack.createUndoAction(window, "&Undo")
        self.undo.setShortcut(key.Undo)
        self.undo.setIcon(icon("undo"))
        self.redo = stack.createRedoAction(window, "&Redo")
        self.redo.setShortcut(key.Redo)
        self.redo.setIcon(icon("redo"))
        self.cut = self._action("Cu&t", edit.cut_selection, key.Cut, project=True)
        self.copy = self._action("&Copy", edit.copy_selection, key.Copy, project=True)
        self.paste = self._action("&Paste", edit.paste, key.Paste, project=True)
        self.duplicate = self._action(
            "D&uplicate", edit.duplicate_selection, "Ctrl+D", project=True
        )
        self.delete = self._action(
            "&Delete", edit.delete_selection, key.Delete, "delete", project=True
        )
        self.select_all = self._action(
            "Select &All", edit.select_all, key.SelectAll, project=True
        )
        self.find = self._action(
            "&Find Scene…", window.find_bar.start, key.Find, "find", project=True
        )

        self.add_scene = self._action(
            "&Add Scene",
            edit.add_scene_in_view,
            "Ctrl+Shift+N",
            "add-scene",
            project=True,
        )
        self.set_start = self._action(
            "Set as &Start", edit.set_start, None, project=True
        )
        self.auto_layout = self._action(
            "Auto-&layout",
            lambda: edit.auto_layout(False),
            "Ctrl+L",
            "layout",
            project=True,
        )
        self.layout_selection = self._action(
            "Auto-layout &Selection",
            lambda: edit.auto_layout(True),
            "Ctrl+Shift+L",
            project=True,
        )

        self.zoom_in = self._action("Zoom &In", canvas.zoom_in, key.ZoomIn, "zoom-in")
        self.zoom_in.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.zoom_out = self._action(
            "Zoom &Out", canvas.zoom_out, key.ZoomOut, "zoom-out"
        )
        self.fit = self._action("&Fit to View", canvas.fit_all, "Ctrl+0", "fit")
        self.fit_selection = self._action(
            "Fit &Selection", canvas.fit_selection, "Ctrl+Shift+0"
        )
        self.actual_size = self._action("&Actual Size", canvas.actual_size, "Ctrl+1")
        self.snap = self._action("S&nap to Grid", window.set_snap, None)
        self.snap.setCheckable(True)
        self.minimap = self._action("&Minimap", window.set_minimap_visible, None)
        self.minimap.setCheckable(True)
        self.minimap.setChecked(True)

    def _action(
        self,
        text: str,
        slot: Callable,
        shortcut: QKeySequence.StandardKey | str | None,
        icon_name: str | None = None,
        *,
        project: bool = False,
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(
                QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut
            )
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(lambda _checked=False, s=slot, a=action: _call(s, a))
        if project:
            self.project_actions.append(action)
        return action

    def build_menus(self, recent_menu: QMenu) -> None:
        bar = self.window.menuBar()
        file_menu = bar.addMenu("&File")
        self.file_menu = file_menu
        file_menu.addActions([self.new, self.open])
        file_menu.addMenu(recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_as, self.close])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addActions(
            [self.cut, self.copy, self.paste, self.duplicate, self.delete]
        )
        edit_menu.addSeparator()
        edit_menu.addActions([self.select_all, self.find])

        story_menu = bar.addMenu("&Story")
        story_menu.addActions([self.add_scene, self.set_start])
        story_menu.addSeparator()
        story_menu.addActions([self.auto_layout, self.layout_selection])
        self.story_menu = story_menu

        view_menu = bar.addMenu("&View")
        view_menu.addActions(
            [
                self.zoom_in,
                self.zoom_out,
                self.fit,
                self.fit_selection,
                self.actual_size,
            ]
        )
        view_menu.addSeparator()
        view_menu.addActions([self.snap, self.minimap])
        view_menu.addSeparator()
        self.panels_menu = view_menu.addMenu("&Panels")

    def build_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Main toolbar")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(toolbar.iconSize() * 0.9)
        toolbar.addActions([self.new, self.open])
        toolbar.addSeparator()
        toolbar.addActions([self.undo, self.redo])
        toolbar.addSeparator()
        toolbar.addActions([self.add_scene, self.delete])
        toolbar.addSeparator()
        toolbar.addActions([self.zoom_out, self.zoom_in, self.fit, self.auto_layout])
        toolbar.addSeparator()
        toolbar.addAction(self.find)
        return toolbar

    def set_project_open(self, is_open: bool) -> None:
        for action in self.project_actions:
            action.setEnabled(is_open)


def _call(slot: Callable, action: QAction) -> None:
    if action.isCheckable():
        slot(action.isChecked())
    else:
        slot()


__all__ = ["QIcon", "WindowActions"]
