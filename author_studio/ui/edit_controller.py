"""Turns the canvas's requests and the Edit menu's actions into undo commands."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from author_studio.analysis.layout import layered_layout
from author_studio.domain.model import Choice, Scene
from author_studio.ui import clipboard
from author_studio.ui.canvas import style
from author_studio.ui.commands import (
    SERVICE_ERRORS,
    CreateChoiceCommand,
    CreateSceneCommand,
    DeleteChoicesCommand,
    DeleteScenesCommand,
    MoveScenesCommand,
    PasteScenesCommand,
    ServiceCommand,
    SetStartCommand,
    execute,
    macro,
    plural,
)
from author_studio.ui.errors import show_error

if TYPE_CHECKING:
    from author_studio.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

PASTE_OFFSET = 40.0


class EditController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._session_ref = lambda: window.session
        canvas = window.canvas
        canvas.create_requested.connect(self.add_scene_at)
        canvas.connect_requested.connect(self.connect_scenes)
        canvas.connect_to_new_requested.connect(self.connect_to_new_scene)
        canvas.move_requested.connect(self.move_scenes)

    @property
    def _graph(self):
        return self._window.canvas.graph

    def _run(self, command: ServiceCommand, title: str) -> bool:
        try:
            execute(self._window.undo_stack, command)
        except SERVICE_ERRORS as error:
            show_error(self._window, title, error)
            return False
        return True

    # -- canvas requests ---------------------------------------------------------

    def add_scene_at(self, x: float, y: float) -> int | None:
        if self._window.session is None:
            return None
        command = CreateSceneCommand(
            self._session_ref, Scene(key="", title="New scene", x=x, y=y)
        )
        if not self._run(command, "Cannot add the scene"):
            return None
        self._window.canvas.graph.select_scenes([command.scene_id])
        return command.scene_id

    def add_scene_in_view(self) -> int | None:
        centre = self._window.canvas.visible_scene_rect().center()
        x, y = self._window.canvas.snapped(
            centre.x() - style.CARD_WIDTH / 2, centre.y() - style.CARD_HEIGHT / 2
        )
        return self.add_scene_at(x, y)

    def connect_scenes(self, source_id: int, target_id: int) -> int | None:
        target = self._graph.cards[target_id].record
        label = "Stay" if source_id == target_id else f"Go to {target.title}"
        command = CreateChoiceCommand(
            self._session_ref,
            Choice(source_id=source_id, target_id=target_id, label=label),
        )
        if not self._run(command, "Cannot add the choice"):
            return None
        return command.choice_id

    def connect_to_new_scene(self, source_id: int, x: float, y: float) -> None:
        stack = self._window.undo_stack
        try:
            with macro(stack, "Add scene and choice") as steps:
                scene = steps.run(
                    CreateSceneCommand(
                        self._session_ref, Scene(key="", title="New scene", x=x, y=y)
                    )
                )
                steps.run(
                    CreateChoiceCommand(
                        self._session_ref,
                        Choice(
                            source_id=source_id,
                            target_id=scene.scene_id,  # type: ignore[attr-defined]
                            label="Go to New scene",
                        ),
                    )
                )
        except SERVICE_ERRORS as error:
            show_error(self._window, "Cannot add the scene", error)
            return
        self._graph.select_scenes([scene.scene_id])  # type: ignore[attr-defined]

    def move_scenes(self, before: dict, after: dict) -> None:
        if len(after) == 1:
            scene_id = next(iter(after))
            text = f"Move scene {self._graph.cards[scene_id].record.title!r}"
        else:
            text = f"Move {plural(len(after), 'scene')}"
        if not self._run(
            MoveScenesCommand(self._session_ref, before, after, text),
            "Cannot move the scenes",
        ):
            # Put the cards back where the project has them.
            for scene_id, (x, y) in before.items():
                card = self._graph.cards.get(scene_id)
                if card is not None:
                    card.setPos(x, y)

    # -- Edit menu ---------------------------------------------------------------

    def delete_selection(self) -> None:
        scene_ids = self._graph.selected_scene_ids()
        gone = set(scene_ids)
        choice_ids = [
            choice_id
            for choice_id in self._graph.selected_choice_ids()
            if not {
                self._graph.arrows[choice_id].record.source_id,
                self._graph.arrows[choice_id].record.target_id,
            }
            & gone
        ]
        if not scene_ids and not choice_ids:
            return
        parts = []
        if scene_ids:
            parts.append(plural(len(scene_ids), "scene"))
        if choice_ids:
            parts.append(plural(len(choice_ids), "choice"))
        text = "Delete " + " and ".join(parts)
        try:
            with macro(self._window.undo_stack, text) as steps:
                if choice_ids:
                    steps.run(DeleteChoicesCommand(self._session_ref, choice_ids, text))
                if scene_ids:
                    steps.run(DeleteScenesCommand(self._session_ref, scene_ids, text))
        except SERVICE_ERRORS as error:
            show_error(self._window, "Cannot delete", error)

    def select_all(self) -> None:
        for card in self._graph.cards.values():
            card.setSelected(True)

    def selection_content(self) -> clipboard.ClipboardContent | None:
        session = self._window.session
        scene_ids = set(self._graph.selected_scene_ids())
        if session is None or not scene_ids:
            return None
        scenes = [self._graph.cards[i].record for i in sorted(scene_ids)]
        choices = [
            arrow.record
            for arrow in self._graph.arrows.values()
            if arrow.record.source_id in scene_ids
            and arrow.record.target_id in scene_ids
        ]
        return clipboard.ClipboardContent(session.info().ifid, scenes, choices)

    def copy_selection(self) -> bool:
        content = self.selection_content()
        if content is None:
            return False
        QGuiApplication.clipboard().setMimeData(clipboard.to_mime(content))
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> None:
        session = self._window.session
        if session is None:
            return
        try:
            content = clipboard.from_mime(QGuiApplication.clipboard().mimeData())
        except clipboard.ClipboardFormatError as error:
            show_error(self._window, "Cannot paste", error)
            return
        if content is None or not content.scenes:
            return
        if content.project_ifid == session.info().ifid:
            offset = (PASTE_OFFSET, PASTE_OFFSET)
        else:
            centre = self._window.canvas.visible_scene_rect().center()
            left = min(s.x for s in content.scenes)
            top = min(s.y for s in content.scenes)
            offset = (
                centre.x() - left - style.CARD_WIDTH / 2,
                centre.y() - top - style.CARD_HEIGHT / 2,
            )
        self._paste(content, offset, "Paste")

    def duplicate_selection(self) -> None:
        content = self.selection_content()
        if content is not None:
            self._paste(content, (PASTE_OFFSET, PASTE_OFFSET), "Duplicate")

    def _paste(self, content, offset, verb: str) -> None:
        text = f"{verb} {plural(len(content.scenes), 'scene')}"
        command = PasteScenesCommand(
            self._session_ref, content.scenes, content.choices, offset, text
        )
        if self._run(command, f"Cannot {verb.lower()}"):
            self._graph.select_scenes(command.new_ids)

    def set_start(self) -> None:
        scene_ids = self._graph.selected_scene_ids()
        if len(scene_ids) != 1:
            return
        record = self._graph.cards[scene_ids[0]].record
        self._run(
            SetStartCommand(self._session_ref, record.id, record.title),
            "Cannot set the start scene",
        )

    def auto_layout(self, selection_only: bool = False) -> None:
        """Lay out the whole graph, or only the selected scenes, as one undo step."""
        graph = self._graph
        if selection_only:
            ids = set(graph.selected_scene_ids())
            if len(ids) < 2:
                return
        else:
            ids = set(graph.cards)
        if not ids:
            return
        start = next(
            (i for i in ids if graph.cards[i].record.kind.value == "start"), None
        )
        edges = [
            (a.record.source_id, a.record.target_id)
            for a in graph.arrows.values()
            if a.record.source_id in ids and a.record.target_id in ids
        ]
        origin = (0.0, 0.0)
        if selection_only:
            origin = (
                min(graph.cards[i].pos().x() for i in ids),
                min(graph.cards[i].pos().y() for i in ids),
            )
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            after = layered_layout(
                sorted(ids), edges, start, (style.CARD_WIDTH, style.CARD_HEIGHT), origin
            )
        finally:
            QApplication.restoreOverrideCursor()
        before = {i: (graph.cards[i].pos().x(), graph.cards[i].pos().y()) for i in ids}
        after = {i: xy for i, xy in after.items() if xy != before[i]}
        if not after:
            return
        # TODO: the layout runs in the GUI thread; at 10,000 scenes it takes
        # about 1 s of CPU time, during which the window does not repaint.
        text = f"Auto-layout {plural(len(ids), 'scene')}"
        before = {i: before[i] for i in after}
        if (
            self._run(
                MoveScenesCommand(self._session_ref, before, after, text),
                "Cannot lay out the graph",
            )
            and not selection_only
        ):
            self._window.canvas.fit_all()
