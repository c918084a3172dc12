"""The inspector form of a choice."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCheckBox, QCompleter, QLabel

from author_studio.domain.errors import NotFoundError
from author_studio.domain.model import Choice
from author_studio.ui.commands import SetDefaultChoiceCommand
from author_studio.ui.inspector.fields import (
    CommitLineEdit,
    format_seconds,
    format_tags,
    parse_optional_duration,
    parse_tags,
    script_font,
)
from author_studio.ui.inspector.form import RecordForm

logger = logging.getLogger(__name__)

try:
    from author_studio.domain import expressions
except ImportError:  # the expression checker is an optional module of the domain
    expressions = None  # type: ignore[assignment]

_KEY_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")


class ChoiceForm(RecordForm):
    service = "choices"
    noun = "choice"

    def __init__(self, session_ref, stack) -> None:
        super().__init__(session_ref, stack)
        self.label_edit = self._line("Label", "label", "label")
        self.source_label = QLabel()
        self.source_label.setObjectName("choice_source")
        self.form.addRow("From", self.source_label)
        self.target_edit = self._line("To", "target_id", "target", self._parse_target)
        self.target_edit.setPlaceholderText("scene key or title (key)")
        self._targets = QStringListModel(self)
        completer = QCompleter(self._targets, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.target_edit.setCompleter(completer)

        self.condition_edit = self._line(
            "Condition", "condition", "condition", self._parse_condition
        )
        self.condition_edit.setPlaceholderText("always shown; e.g. trust >= 2")
        self.effects_edit = self._line(
            "Effects", "effects", "effects", self._parse_effects
        )
        self.effects_edit.setPlaceholderText("e.g. trust += 1; has_key = true")
        for edit in (self.condition_edit, self.effects_edit):
            edit.setFont(script_font())
        self.window_edit = self._line(
            "Choice window",
            "window_s",
            "choice window",
            lambda text: parse_optional_duration(text, "Choice window"),
        )
        self.window_edit.setPlaceholderText("seconds; empty waits for the viewer")
        self.default_check = QCheckBox("Default when time runs out")
        self.default_check.clicked.connect(self._default_clicked)
        self.add_row("Default", "is_default", self.default_check)
        self.tags_edit = self._line("Tags", "tags", "tags", parse_tags)

    def _line(self, label, field, noun, parse=lambda text: text) -> CommitLineEdit:
        edit = CommitLineEdit()
        edit.committed.connect(lambda text: self.submit(field, text, parse, label=noun))
        self.add_row(label, field, edit)
        return edit

    def title_of(self, record: Choice) -> str:
        return record.label

    def show_record(self, record: Choice, changed: set[str] | None) -> None:
        def wants(name: str) -> bool:
            return changed is None or name in changed

        session = self.session_ref()
        if wants("label"):
            self.label_edit.set_stored(record.label)
        if session is not None and (wants("source_id") or wants("target_id")):
            self.source_label.setText(self._describe(record.source_id))
            self.target_edit.set_stored(self._describe(record.target_id))
        if wants("condition"):
            self.condition_edit.set_stored(record.condition)
        if wants("effects"):
            self.effects_edit.set_stored(record.effects)
        if wants("window_s"):
            self.window_edit.set_stored(format_seconds(record.window_s))
        if wants("is_default"):
            self.default_check.setChecked(record.is_default)
        if wants("tags"):
            self.tags_edit.set_stored(format_tags(record.tags))

    def set_scene_names(self, names: list[str]) -> None:
        """Offer ``names`` ("Title (key)") as completions of the target field."""
        self._targets.setStringList(names)

    def _describe(self, scene_id: int) -> str:
        session = self.session_ref()
        try:
            scene = session.scenes.get(scene_id)  # type: ignore[union-attr]
        except NotFoundError:
            return f"(missing scene {scene_id})"
        return f"{scene.title} ({scene.key})"

    def _parse_target(self, text: str) -> int:
        session = self.session_ref()
        assert session is not None
        match = _KEY_IN_BRACKETS.search(text)
        key = match.group(1).strip() if match else text.strip()
        try:
            return session.scenes.by_key(key).id  # type: ignore[return-value]
        except NotFoundError:
            raise NotFoundError(
                f"No scene with key {key!r}; pick a scene from the list or type its "
                "key."
            ) from None

    def _parse_condition(self, text: str) -> str:
        session = self.session_ref()
        if expressions is not None and session is not None and text.strip():
            expressions.check_condition(text, session.variables.list())
        return text.strip()

    def _parse_effects(self, text: str) -> str:
        session = self.session_ref()
        if expressions is not None and session is not None and text.strip():
            expressions.check_effects(text, session.variables.list())
        return text.strip()

    def _default_clicked(self, checked: bool) -> None:
        if self.record is None:
            return
        text = (
            f"Make {self.record.label!r} the default"
            if checked
            else f"Clear default on {self.record.label!r}"
        )
        self.submit(
            "is_default",
            bool(checked),
            command=lambda value: SetDefaultChoiceCommand(
                self.session_ref, self.record.id, value, text
            ),
        )
