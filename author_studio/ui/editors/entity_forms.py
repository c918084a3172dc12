"""Forms of a variable, an audience and a persona, for the story data dock."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QComboBox

from author_studio.domain.errors import ValidationError
from author_studio.domain.model import (
    Audience,
    ContentRating,
    Pacing,
    Persona,
    Variable,
    VariableType,
)
from author_studio.ui.commands import UpdateFieldsCommand
from author_studio.ui.inspector.fields import (
    CommitLineEdit,
    CommitTextEdit,
    format_tags,
    format_weights,
    parse_float,
    parse_tags,
    parse_weights,
)
from author_studio.ui.inspector.form import RecordForm

logger = logging.getLogger(__name__)

_DEFAULT_INITIAL = {
    VariableType.BOOL: False,
    VariableType.INT: 0,
    VariableType.TEXT: "",
}


def parse_initial(text: str, type_: VariableType) -> bool | int | str:
    """Parse a variable's initial value as typed in the form."""
    if type_ is VariableType.BOOL:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0", ""):
            return False
        raise ValidationError(f"{text!r} is not true or false.", field="initial")
    if type_ is VariableType.INT:
        try:
            return int(text.strip() or "0")
        except ValueError:
            raise ValidationError(
                f"{text!r} is not a whole number.", field="initial"
            ) from None
    return text


def format_initial(value: bool | int | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _EntityForm(RecordForm):
    def line(self, label: str, field: str, parse=lambda text: text) -> CommitLineEdit:
        edit = CommitLineEdit()
        edit.committed.connect(
            lambda text: self.submit(field, text, parse, label=label.lower())
        )
        self.add_row(label, field, edit)
        return edit

    def text(self, label: str, field: str) -> CommitTextEdit:
        edit = CommitTextEdit()
        edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * 4 + 14)
        edit.committed.connect(
            lambda text: self.submit(field, text, label=label.lower())
        )
        self.add_row(label, field, edit)
        return edit

    def combo(self, label: str, field: str, values: list[Any]) -> QComboBox:
        combo = QComboBox()
        for value in values:
            combo.addItem(str(getattr(value, "value", value)), value)
        combo.activated.connect(
            lambda index: self.submit(field, combo.itemData(index), label=label.lower())
        )
        self.add_row(label, field, combo)
        return combo

    @staticmethod
    def pick(combo: QComboBox, value: Any) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))


class VariableForm(_EntityForm):
    service = "variables"
    noun = "variable"

    def __init__(self, session_ref, stack) -> None:
        super().__init__(session_ref, stack)
        self.name_edit = self.line("Name", "name")
        self.type_combo = QComboBox()
        for type_ in VariableType:
            self.type_combo.addItem(type_.value, type_)
        self.type_combo.activated.connect(self._type_picked)
        self.add_row("Type", "type", self.type_combo)
        self.initial_edit = self.line(
            "Initial value",
            "initial",
            lambda text: parse_initial(text, self.record.type),
        )
        self.description_edit = self.text("Description", "description")

    def title_of(self, record: Variable) -> str:
        return record.name

    def show_record(self, record: Variable, changed: set[str] | None) -> None:
        self.name_edit.set_stored(record.name)
        self.pick(self.type_combo, record.type)
        self.initial_edit.set_stored(format_initial(record.initial))
        self.description_edit.set_stored(record.description)

    def _type_picked(self, index: int) -> None:
        new_type = self.type_combo.itemData(index)
        record = self.record
        if record is None or new_type is record.type:
            return
        self.submit(
            "type",
            new_type,
            command=lambda value: UpdateFieldsCommand(
                self.session_ref,
                "variables",
                record.id,
                {"type": record.type, "initial": record.initial},
                {"type": value, "initial": _DEFAULT_INITIAL[value]},
                f"Change type of {record.name!r}",
            ),
        )


class AudienceForm(_EntityForm):
    service = "audiences"
    noun = "audience"

    def __init__(self, session_ref, stack) -> None:
        super().__init__(session_ref, stack)
        self.name_edit = self.line("Name", "name")
        self.pacing_combo = self.combo("Pacing", "pacing", list(Pacing))
        self.rating_combo = self.combo("Rating", "rating", list(ContentRating))
        self.tone_edit = self.line("Tone", "tone")
        self.interests_edit = self.line("Interests", "interests", parse_tags)
        self.language_edit = self.line("Language", "language")
        self.language_edit.setPlaceholderText("a language tag such as en or pt-BR")
        self.description_edit = self.text("Description", "description")

    def title_of(self, record: Audience) -> str:
        return record.name

    def show_record(self, record: Audience, changed: set[str] | None) -> None:
        self.name_edit.set_stored(record.name)
        self.pick(self.pacing_combo, record.pacing)
        self.pick(self.rating_combo, record.rating)
        self.tone_edit.set_stored(record.tone)
        self.interests_edit.set_stored(format_tags(record.interests))
        self.language_edit.set_stored(record.language)
        self.description_edit.set_stored(record.description)


class PersonaForm(_EntityForm):
    service = "personas"
    noun = "persona"

    def __init__(self, session_ref, stack) -> None:
        super().__init__(session_ref, stack)
        self.name_edit = self.line("Name", "name")
        self.audience_combo = QComboBox()
        self.audience_combo.activated.connect(
            lambda index: self.submit(
                "audience_id", self.audience_combo.itemData(index), label="audience"
            )
        )
        self.add_row("Audience", "audience_id", self.audience_combo)
        self.weights_edit = self.line("Tag weights", "tag_weights", parse_weights)
        self.weights_edit.setPlaceholderText("action=1.5, talk=-1")
        self.timeout_edit = self.line(
            "Timeout rate", "timeout_rate", lambda t: parse_float(t, "Timeout rate")
        )
        self.timeout_edit.setToolTip("Share of timed choices left to run out (0 to 1).")
        self.dropoff_edit = self.line(
            "Drop-off per minute",
            "dropoff_per_minute",
            lambda t: parse_float(t, "Drop-off per minute"),
        )
        self.mismatch_edit = self.line(
            "Pacing mismatch factor",
            "mismatch_factor",
            lambda t: parse_float(t, "Pacing mismatch factor"),
        )
        self.description_edit = self.text("Description", "description")

    def title_of(self, record: Persona) -> str:
        return record.name

    def show_record(self, record: Persona, changed: set[str] | None) -> None:
        session = self.session_ref()
        self.audience_combo.clear()
        if session is not None:
            for audience in session.audiences.list():
                self.audience_combo.addItem(audience.name, audience.id)
        self.pick(self.audience_combo, record.audience_id)
        self.name_edit.set_stored(record.name)
        self.weights_edit.set_stored(format_weights(record.tag_weights))
        self.timeout_edit.set_stored(f"{record.timeout_rate:g}")
        self.dropoff_edit.set_stored(f"{record.dropoff_per_minute:g}")
        self.mismatch_edit.set_stored(f"{record.mismatch_factor:g}")
        self.description_edit.set_stored(record.description)
