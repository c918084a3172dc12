"""The find bar over the canvas: find a scene by title, key or text (Ctrl+F)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget
from typing_extensions import override

from author_studio.domain.model import Scene

logger = logging.getLogger(__name__)


def find_scenes(scenes: list[Scene], text: str) -> list[Scene]:
    """Return the scenes matching ``text`` without case: title or key matches
    first, then matches in the synopsis, script or notes, each group by title."""
    needle = text.strip().lower()
    if not needle:
        return []
    strong, weak = [], []
    for scene in scenes:
        if needle in scene.title.lower() or needle in scene.key.lower():
            strong.append(scene)
        elif any(
            needle in part.lower()
            for part in (scene.synopsis, scene.script, scene.notes)
        ):
            weak.append(scene)
    strong.sort(key=lambda s: (s.title.lower() != needle, s.title.lower(), s.id))
    weak.sort(key=lambda s: (s.title.lower(), s.id))
    return strong + weak


class _FindEdit(QLineEdit):
    escaped = Signal()
    back_pressed = Signal()

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.back_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    """Enter jumps to the next match, Shift+Enter to the previous one."""

    scene_found = Signal(int)

    def __init__(self, scenes_source) -> None:
        super().__init__()
        self.setObjectName("findBar")
        self._scenes_source = scenes_source
        self._matches: list[Scene] = []
        self._index = -1
        self.edit = _FindEdit()
        self.edit.setObjectName("findEdit")
        self.edit.setPlaceholderText("Find a scene by title, key or text")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._search)
        self.edit.returnPressed.connect(self.next_match)
        self.edit.escaped.connect(self.hide)
        self.edit.back_pressed.connect(self.previous_match)
        self.count = QLabel()
        self.count.setMinimumWidth(90)
        previous = QToolButton()
        previous.setText("▲")
        previous.setToolTip("Previous match (Shift+Enter)")
        previous.clicked.connect(self.previous_match)
        following = QToolButton()
        following.setText("▼")
        following.setToolTip("Next match (Enter)")
        following.clicked.connect(self.next_match)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(QLabel("Find:"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(close)
        self.hide()

    def start(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def find(self, text: str) -> None:
        """Search for ``text`` and jump to the first match."""
        self.show()
        self.edit.setText(text)
        self._index = -1
        self.next_match()

    def _search(self, text: str) -> None:
        self._matches = find_scenes(self._scenes_source(), text)
        self._index = -1
        self._show_count()

    def next_match(self) -> None:
        self._step(1)

    def previous_match(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self._matches:
            self._show_count()
            return
        self._index = (self._index + direction) % len(self._matches)
        self._show_count()
        self.scene_found.emit(self._matches[self._index].id)

    def _show_count(self) -> None:
        if not self.edit.text().strip():
            self.count.setText("")
        elif not self._matches:
            self.count.setText("no match")
        else:
            position = max(self._index, 0) + 1 if self._index >= 0 else 0
            self.count.setText(f"{position} of {len(self._matches)}")
