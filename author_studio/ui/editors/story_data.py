"""The story data dock: tabs listing the variables, audiences and personas, each
with a form for the selected one and buttons to add and delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.errors import NotFoundError
from author_studio.domain.model import Audience, Persona, Variable, VariableType
from author_studio.services.changes import ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.commands import (
    SERVICE_ERRORS,
    CreateRecordCommand,
    DeleteRecordCommand,
    SessionRef,
    execute,
)
from author_studio.ui.editors.entity_forms import (
    AudienceForm,
    PersonaForm,
    VariableForm,
)
from author_studio.ui.errors import show_error
from author_studio.ui.inspector.form import RecordForm

logger = logging.getLogger(__name__)


class _EntityTab(QWidget):
    def __init__(
        self,
        session_ref: SessionRef,
        stack: QUndoStack,
        service: str,
        noun: str,
        entity: Entity,
        form: RecordForm,
        make_new: Callable[[ProjectSession], Any],
    ) -> None:
        super().__init__()
        self._session_ref = session_ref
        self._stack = stack
        self.service = service
        self.noun = noun
        self.entity = entity
        self.form = form
        self._make_new = make_new
        self.list = QListWidget()
        self.list.setObjectName(f"{service}List")
        self.list.currentItemChanged.connect(self._picked)
        add = QPushButton(f"Add {noun}")
        add.clicked.connect(self.add)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(6, 6, 6, 0)
        top_layout.addWidget(self.list)
        top_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(form)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.form.setEnabled(False)

    def reload(self) -> None:
        session = self._session_ref()
        current = self.form.record.id if self.form.record is not None else None
        self.list.blockSignals(True)
        self.list.clear()
        records = getattr(session, self.service).list() if session else []
        for record in records:
            item = QListWidgetItem(record.name)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.list.addItem(item)
            if record.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._show(current if any(r.id == current for r in records) else None)

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        self._show(item.data(Qt.ItemDataRole.UserRole) if item else None)

    def _show(self, record_id: int | None) -> None:
        session = self._session_ref()
        record = None
        if session is not None and record_id is not None:
            try:
                record = getattr(session, self.service).get(record_id)
            except NotFoundError:
                record = None
        self.form.set_record(record)
        self.form.setEnabled(record is not None)
        self.delete_button.setEnabled(record is not None)

    def add(self) -> None:
        session = self._session_ref()
        if session is None:
            return
        try:
            record = self._make_new(session)
            command = CreateRecordCommand(
                self._session_ref,
                self.service,
                record,
                f"Add {self.noun} {record.name!r}",
            )
            execute(self._stack, command)
        except SERVICE_ERRORS as error:
            show_error(self, f"Cannot add the {self.noun}", error)
            return
        self.select(command.created.id)

    def select(self, record_id: int) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == record_id:
                self.list.setCurrentRow(row)
                return

    def delete_current(self) -> None:
        record = self.form.record
        session = self._session_ref()
        if record is None or session is None:
            return
        if self.entity is Entity.AUDIENCE:
            personas = [
                p for p in session.personas.list() if p.audience_id == record.id
            ]
            variants = session.counts().variants
            used = [
                v for v in session.load_story().variants if v.audience_id == record.id
            ]
            if personas or used:
                del variants
                show_error(
                    self,
                    "Cannot delete the audience",
                    f"{record.name!r} still has {len(personas)} personas and "
                    f"{len(used)} variants; move the personas to another audience "
                    "and review the variants before deleting it.",
                )
                return
        try:
            execute(
                self._stack,
                DeleteRecordCommand(
                    self._session_ref,
                    self.service,
                    record.id,
                    f"Delete {self.noun} {record.name!r}",
                ),
            )
        except SERVICE_ERRORS as error:
            show_error(self, f"Cannot delete the {self.noun}", error)


def _free_name(names: set[str], base: str) -> str:
    if base not in names:
        return base
    number = 2
    while f"{base}_{number}" in names:
        number += 1
    return f"{base}_{number}"


class StoryDataDock(QDockWidget):
    def __init__(self, session_ref: SessionRef, stack: QUndoStack) -> None:
        super().__init__("Story data")
        self.setObjectName("storyDataDock")
        self.tabs = QTabWidget()
        self.variables = _EntityTab(
            session_ref,
            stack,
            "variables",
            "variable",
            Entity.VARIABLE,
            VariableForm(session_ref, stack),
            lambda s: Variable(
                name=_free_name({v.name for v in s.variables.list()}, "new_variable"),
                type=VariableType.BOOL,
                initial=False,
            ),
        )
        self.audiences = _EntityTab(
            session_ref,
            stack,
            "audiences",
            "audience",
            Entity.AUDIENCE,
            AudienceForm(session_ref, stack),
            lambda s: Audience(
                name=_free_name({a.name for a in s.audiences.list()}, "New audience")
            ),
        )
        self.personas = _EntityTab(
            session_ref,
            stack,
            "personas",
            "persona",
            Entity.PERSONA,
            PersonaForm(session_ref, stack),
            self._new_persona,
        )
        self.tabs.addTab(self.variables, "Variables")
        self.tabs.addTab(self.audiences, "Audiences")
        self.tabs.addTab(self.personas, "Personas")
        self.setWidget(self.tabs)

    @staticmethod
    def _new_persona(session: ProjectSession) -> Persona:
        audiences = session.audiences.list()
        if not audiences:
            raise NotFoundError(
                "A persona belongs to an audience; add an audience first."
            )
        names = {p.name for p in session.personas.list()}
        return Persona(
            name=_free_name(names, "New persona"), audience_id=audiences[0].id
        )

    def show_tab(self, index: int) -> None:
        self.show()
        self.raise_()
        self.tabs.setCurrentIndex(index)

    def set_session(self, session: ProjectSession | None) -> None:
        for tab in (self.variables, self.audiences, self.personas):
            tab.form.set_record(None)
            tab.reload()

    def apply_notice(self, notice: ChangeNotice) -> None:
        for tab in (self.variables, self.audiences, self.personas):
            if notice.touches(tab.entity) or (
                tab is self.personas and notice.touches(Entity.AUDIENCE)
            ):
                tab.reload()
