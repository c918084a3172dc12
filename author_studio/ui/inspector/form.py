"""The base of the inspector's forms: rows of fields that commit through undo
commands and show a rejected value's message under the field."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from author_studio.ui.commands import (
    SERVICE_ERRORS,
    ServiceCommand,
    SessionRef,
    UpdateFieldCommand,
    execute,
)
from author_studio.ui.inspector.fields import ErrorLabel

logger = logging.getLogger(__name__)


class RecordForm(QWidget):
    """A form over one record of ``session.<service>``.

    Subclasses build rows with :meth:`add_row` and fill them in :meth:`show_record`.
    """

    service = ""
    noun = "record"

    def __init__(self, session_ref: SessionRef, stack: QUndoStack) -> None:
        super().__init__()
        self.session_ref = session_ref
        self.stack = stack
        self.record: Any = None
        self.errors: dict[str, ErrorLabel] = {}
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        self.form.setVerticalSpacing(6)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 10, 10, 10)
        outer.addLayout(self.form)
        # Extra height goes below the last field, not between the rows.
        outer.addStretch(1)

    def add_row(self, label: str, field: str, editor: QWidget) -> QWidget:
        """Add ``editor`` with an error label under it; returns the editor."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        error = ErrorLabel()
        layout.addWidget(error)
        self.errors[field] = error
        caption = QLabel(label)
        caption.setBuddy(editor)
        self.form.addRow(caption, box)
        editor.setObjectName(f"{self.noun}_{field}")
        return editor

    def title_of(self, record: Any) -> str:
        return str(getattr(record, "title", getattr(record, "name", "")))

    def submit(
        self,
        field: str,
        text: Any,
        parse: Callable[[Any], Any] = lambda value: value,
        command: Callable[[Any], ServiceCommand] | None = None,
        label: str | None = None,
    ) -> bool:
        """Parse ``text`` and write it as ``field`` through an undo command.

        Returns True when the value was written (or was already stored). On a
        rejected value the message appears under the field and nothing is written.
        """
        if self.record is None:
            return False
        error_label = self.errors[field]
        try:
            value = parse(text)
            if value == getattr(self.record, field, object()):
                error_label.clear_message()
                return True
            if command is not None:
                undo_command = command(value)
            else:
                undo_command = UpdateFieldCommand(
                    self.session_ref,
                    self.service,
                    self.record.id,
                    field,
                    getattr(self.record, field),
                    value,
                    f"Change {label or field} of {self.title_of(self.record)!r}",
                )
            execute(self.stack, undo_command)
        except (*SERVICE_ERRORS, ValueError) as error:
            logger.info(
                "Rejected %s of %s %s: %s", field, self.noun, self.record.id, error
            )
            error_label.show_message(str(error))
            return False
        error_label.clear_message()
        return True

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear_message()

    def show_record(self, record: Any, changed: set[str] | None) -> None:
        """Fill the fields from ``record``; ``changed`` names the fields that
        differ from the record shown before, or is None to fill every field."""
        raise NotImplementedError

    def set_record(self, record: Any) -> None:
        """Show ``record``; a different record clears the messages of the last one.

        For a new version of the same record only the changed fields are filled,
        so a field the writer is typing in keeps its text.
        """
        previous = self.record
        self.record = record
        if record is None:
            self.clear_errors()
            return
        if previous is None or previous.id != record.id:
            self.clear_errors()
            self.show_record(record, None)
            return
        changed = {
            name
            for name in vars(record)
            if getattr(record, name) != getattr(previous, name, None)
        }
        for name in changed:
            if name in self.errors:
                self.errors[name].clear_message()
        self.show_record(record, changed)
