"""The inspector form of a scene."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from author_studio.domain.model import Scene, SceneKind
from author_studio.ui.commands import SERVICE_ERRORS, SetStartCommand, execute
from author_studio.ui.inspector.fields import (
    CommitLineEdit,
    CommitTextEdit,
    format_seconds,
    format_tags,
    parse_duration,
    parse_tags,
    script_font,
)
from author_studio.ui.inspector.form import RecordForm

logger = logging.getLogger(__name__)


class SceneForm(RecordForm):
    service = "scenes"
    noun = "scene"

    def __init__(self, session_ref, stack) -> None:
        super().__init__(session_ref, stack)
        self.title_edit = self._line("Title", "title", "title")
        self.key_edit = self._line("Key", "key", "key")
        self.key_edit.setToolTip("The scene's id in exports and links; no spaces.")

        kind_row = QWidget()
        kind_layout = QHBoxLayout(kind_row)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        self.kind_combo = QComboBox()
        for kind in (SceneKind.SCENE, SceneKind.ENDING, SceneKind.START):
            self.kind_combo.addItem(kind.value.capitalize(), kind)
        self.kind_combo.activated.connect(self._kind_picked)
        self.start_button = QPushButton("Set as Start")
        self.start_button.setToolTip("Make this the scene the story starts with.")
        self.start_button.clicked.connect(self._set_start)
        kind_layout.addWidget(self.kind_combo, 1)
        kind_layout.addWidget(self.start_button)
        self.add_row("Kind", "kind", kind_row)
        self.kind_combo.setObjectName("scene_kind_combo")

        self.duration_edit = self._line("Duration", "duration_s", "duration")
        self.duration_edit.setPlaceholderText("seconds (90) or m:ss (1:30)")
        self.duration_edit.committed.disconnect()
        self.duration_edit.committed.connect(
            lambda text: self.submit(
                "duration_s",
                text,
                lambda t: parse_duration(t, "Duration"),
                label="duration",
            )
        )
        self.tags_edit = self._line("Tags", "tags", "tags")
        self.tags_edit.setPlaceholderText("comma-separated, e.g. night, harbour")
        self.tags_edit.committed.disconnect()
        self.tags_edit.committed.connect(
            lambda text: self.submit("tags", text, parse_tags, label="tags")
        )

        self.canon_check = QCheckBox("Locked as canon")
        self.canon_check.setToolTip(
            "The assistant must keep this scene's beats; lint reports variants "
            "that drop them."
        )
        self.canon_check.clicked.connect(
            lambda checked: self.submit("canon", bool(checked), label="canon lock")
        )
        self.add_row("Canon", "canon", self.canon_check)

        self.synopsis_edit = self._text("Synopsis", "synopsis", 3)
        self.script_edit = self._text("Script", "script", 14)
        self.script_edit.setFont(script_font())
        self.script_edit.setPlaceholderText(
            "INT. FERRY DECK - NIGHT\n\nMARA\nWe're not turning back."
        )
        self.notes_edit = self._text("Notes", "notes", 3)

    def _line(self, label: str, field: str, noun: str) -> CommitLineEdit:
        edit = CommitLineEdit()
        edit.committed.connect(lambda text: self.submit(field, text, label=noun))
        self.add_row(label, field, edit)
        return edit

    def _text(self, label: str, field: str, lines: int) -> CommitTextEdit:
        edit = CommitTextEdit()
        height = edit.fontMetrics().lineSpacing() * lines + 14
        edit.setMinimumHeight(height)
        if lines < 6:
            edit.setMaximumHeight(height)
        edit.committed.connect(
            lambda text: self.submit(field, text, label=label.lower())
        )
        self.add_row(label, field, edit)
        return edit

    def show_record(self, record: Scene, changed: set[str] | None) -> None:
        def wants(name: str) -> bool:
            return changed is None or name in changed

        if wants("title"):
            self.title_edit.set_stored(record.title)
        if wants("key"):
            self.key_edit.set_stored(record.key)
        if wants("duration_s"):
            self.duration_edit.set_stored(format_seconds(record.duration_s))
        if wants("tags"):
            self.tags_edit.set_stored(format_tags(record.tags))
        if wants("canon"):
            self.canon_check.setChecked(record.canon)
        if wants("synopsis"):
            self.synopsis_edit.set_stored(record.synopsis)
        if wants("script"):
            self.script_edit.set_stored(record.script)
        if wants("notes"):
            self.notes_edit.set_stored(record.notes)
        if wants("kind"):
            is_start = record.kind is SceneKind.START
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(record.kind))
            self.kind_combo.setEnabled(not is_start)
            self.start_button.setEnabled(not is_start)
            # Start is offered only as the current kind; Set as Start moves it.
            self.kind_combo.model().item(2).setEnabled(is_start)

    def commit_pending(self) -> None:
        """Commit the multi-line field being edited, before the form changes."""
        for edit in (self.synopsis_edit, self.script_edit, self.notes_edit):
            if edit.hasFocus():
                edit.commit()

    def _kind_picked(self, index: int) -> None:
        kind: Any = self.kind_combo.itemData(index)
        self.submit("kind", kind, label="kind")

    def _set_start(self) -> None:
        if self.record is None:
            return
        try:
            execute(
                self.stack,
                SetStartCommand(self.session_ref, self.record.id, self.record.title),
            )
        except SERVICE_ERRORS as error:
            self.errors["kind"].show_message(str(error))
