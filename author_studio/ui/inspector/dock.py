"""The inspector dock: the fields of the selected scene or choice."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QScrollArea, QStackedWidget

from author_studio.domain.errors import NotFoundError
from author_studio.services.changes import Action, ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.commands import SessionRef
from author_studio.ui.inspector.choice_form import ChoiceForm
from author_studio.ui.inspector.scene_form import SceneForm

logger = logging.getLogger(__name__)


class InspectorDock(QDockWidget):
    """Shows one scene or one choice; edits go through ``stack`` as commands."""

    def __init__(self, session_ref: SessionRef, stack: QUndoStack) -> None:
        super().__init__("Inspector")
        self.setObjectName("inspectorDock")
        self._session_ref = session_ref
        self.scene_form = SceneForm(session_ref, stack)
        self.choice_form = ChoiceForm(session_ref, stack)
        self._empty = QLabel(
            "Select a scene or a choice to edit it.\n\n"
            "Double-click the canvas to add a scene; drag from a card's round "
            "handle to another card to add a choice."
        )
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._empty.setContentsMargins(14, 14, 14, 14)
        self._empty.setStyleSheet("color: #6f685e;")
        self._pages = QStackedWidget()
        for page in (self._empty, self.scene_form, self.choice_form):
            self._pages.addWidget(page)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._pages)
        self.setWidget(scroll)
        self.setMinimumWidth(300)

    def set_session(self, session: ProjectSession | None) -> None:
        self.show_nothing()

    def show_nothing(self) -> None:
        self.scene_form.set_record(None)
        self.choice_form.set_record(None)
        self._pages.setCurrentWidget(self._empty)

    def show_scene(self, scene_id: int) -> None:
        self.scene_form.commit_pending()
        session = self._session_ref()
        if session is None or scene_id < 0:
            self.show_nothing()
            return
        try:
            scene = session.scenes.get(scene_id)
        except NotFoundError:
            self.show_nothing()
            return
        self.choice_form.set_record(None)
        self.scene_form.set_record(scene)
        self._pages.setCurrentWidget(self.scene_form)

    def show_choice(self, choice_id: int) -> None:
        self.scene_form.commit_pending()
        session = self._session_ref()
        if session is None or choice_id < 0:
            if self._pages.currentWidget() is self.choice_form:
                self.show_nothing()
            return
        try:
            choice = session.choices.get(choice_id)
        except NotFoundError:
            self.show_nothing()
            return
        self.scene_form.set_record(None)
        self.choice_form.set_record(choice)
        self._pages.setCurrentWidget(self.choice_form)

    def apply_notice(self, notice: ChangeNotice) -> None:
        """Reload the record on show when ``notice`` names it."""
        scene = self.scene_form.record
        choice = self.choice_form.record
        if scene is not None and scene.id in notice.ids(Entity.SCENE):
            if scene.id in notice.ids(Entity.SCENE, Action.DELETED):
                self.show_nothing()
            elif scene.id in notice.ids(Entity.SCENE) - notice.ids(
                Entity.SCENE, Action.MOVED
            ):
                self.scene_form.set_record(self._session_ref().scenes.get(scene.id))
        if choice is not None:
            if choice.id in notice.ids(Entity.CHOICE, Action.DELETED):
                self.show_nothing()
            elif choice.id in notice.ids(Entity.CHOICE) or notice.touches(Entity.SCENE):
                self.choice_form.set_record(self._session_ref().choices.get(choice.id))
