"""Undo commands: every edit the GUI makes is one of these on one QUndoStack.

Each command calls services and keeps the state before and after, never inverse
actions written by hand. The first run happens in :meth:`ServiceCommand.apply`,
before the command is pushed, so a rejected edit raises there and never reaches
the stack. Commands find the session through a callable, so the history stays
valid after Save As switches to the copied file (the ids are the same).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack
from sqlalchemy.exc import SQLAlchemyError

from author_studio.domain.errors import DomainError, NotFoundError
from author_studio.domain.model import Choice, Scene, SceneKind
from author_studio.services.scenes import SceneBundle
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectFileError

logger = logging.getLogger(__name__)

SessionRef = Callable[[], "ProjectSession | None"]
Positions = dict[int, tuple[float, float]]

# Errors a service call can raise on a valid command: a rule the data breaks
# now, or a file that went away or became read-only.
SERVICE_ERRORS = (DomainError, ProjectFileError, SQLAlchemyError, OSError)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class ServiceCommand(QUndoCommand):
    """Base of the commands. Subclasses implement ``do`` and ``undo_step``."""

    # Called with a message when an undo or redo fails; the main window shows it.
    error_handler: Callable[[str], None] | None = None

    def __init__(self, session_ref: SessionRef, text: str) -> None:
        super().__init__(text)
        self._session_ref = session_ref
        self._skip_redo = False

    @property
    def session(self) -> ProjectSession:
        session = self._session_ref()
        if session is None:
            raise ProjectFileError("", "No project is open.")
        return session

    def apply(self) -> None:
        """Run the command for the first time; raises when the edit is rejected."""
        self.do()
        self._skip_redo = True

    def do(self) -> None:
        raise NotImplementedError

    def undo_step(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._guarded(self.do, "Redo")

    def undo(self) -> None:
        self._guarded(self.undo_step, "Undo")

    def _guarded(self, step: Callable[[], None], verb: str) -> None:
        try:
            step()
        except SERVICE_ERRORS as error:
            logger.exception("%s of %r failed", verb, self.text())
            handler = ServiceCommand.error_handler
            if handler is not None:
                handler(f"{verb} {self.text()} failed: {error}")


def execute(stack: QUndoStack, command: ServiceCommand) -> ServiceCommand:
    """Apply ``command`` and push it; a rejected edit raises and pushes nothing."""
    command.apply()
    stack.push(command)
    return command


class MacroBuilder:
    """Commands applied one by one and pushed as one undo step."""

    def __init__(self) -> None:
        self.commands: list[ServiceCommand] = []

    def run(self, command: ServiceCommand) -> ServiceCommand:
        command.apply()
        self.commands.append(command)
        return command


@contextlib.contextmanager
def macro(stack: QUndoStack, text: str) -> Iterator[MacroBuilder]:
    """Group the commands run in the block into one undo step named ``text``.

    When a command raises, the ones already applied are undone and the error
    propagates, so a gesture changes all or nothing.
    """
    builder = MacroBuilder()
    try:
        yield builder
    except BaseException:
        for command in reversed(builder.commands):
            command.undo()
        raise
    if not builder.commands:
        return
    if len(builder.commands) == 1:
        builder.commands[0].setText(text)
        stack.push(builder.commands[0])
        return
    stack.beginMacro(text)
    for command in builder.commands:
        stack.push(command)
    stack.endMacro()


class CreateSceneCommand(ServiceCommand):
    def __init__(self, session_ref: SessionRef, scene: Scene) -> None:
        super().__init__(session_ref, f"Add scene {scene.title!r}")
        self._scene = scene
        self.scene_id: int | None = None
        self._bundle: SceneBundle | None = None

    def do(self) -> None:
        if self._bundle is None:
            created = self.session.scenes.create(self._scene)
            self.scene_id = created.id
        else:
            self.session.scenes.restore(self._bundle)

    def undo_step(self) -> None:
        assert self.scene_id is not None
        self._bundle = self.session.scenes.delete_many([self.scene_id])


class DeleteScenesCommand(ServiceCommand):
    def __init__(
        self, session_ref: SessionRef, scene_ids: list[int], text: str
    ) -> None:
        super().__init__(session_ref, text)
        self._scene_ids = list(scene_ids)
        self._bundle: SceneBundle | None = None

    def do(self) -> None:
        self._bundle = self.session.scenes.delete_many(self._scene_ids)

    def undo_step(self) -> None:
        assert self._bundle is not None
        self.session.scenes.restore(self._bundle)


class CreateChoiceCommand(ServiceCommand):
    def __init__(self, session_ref: SessionRef, choice: Choice) -> None:
        super().__init__(session_ref, f"Add choice {choice.label!r}")
        self._choice = choice
        self._created: Choice | None = None

    @property
    def choice_id(self) -> int | None:
        return self._created.id if self._created else None

    def do(self) -> None:
        if self._created is None:
            self._created = self.session.choices.create(self._choice)
        else:
            self.session.choices.restore([self._created])

    def undo_step(self) -> None:
        assert self._created is not None
        self.session.choices.delete(self._created.id)  # type: ignore[arg-type]


class DeleteChoicesCommand(ServiceCommand):
    def __init__(
        self, session_ref: SessionRef, choice_ids: list[int], text: str
    ) -> None:
        super().__init__(session_ref, text)
        self._choice_ids = list(choice_ids)
        self._records: list[Choice] = []

    def do(self) -> None:
        session = self.session
        with session.write():
            self._records = [session.choices.get(i) for i in self._choice_ids]
            for choice_id in self._choice_ids:
                session.choices.delete(choice_id)

    def undo_step(self) -> None:
        self.session.choices.restore(self._records)


class MoveScenesCommand(ServiceCommand):
    """Store new positions of scenes; used for drags and for auto-layout."""

    def __init__(
        self, session_ref: SessionRef, before: Positions, after: Positions, text: str
    ) -> None:
        super().__init__(session_ref, text)
        self._before = dict(before)
        self._after = dict(after)

    def do(self) -> None:
        self.session.scenes.move(self._after)

    def undo_step(self) -> None:
        self.session.scenes.move(self._before)


class UpdateFieldCommand(ServiceCommand):
    """Change one field of one record through ``session.<service>.update``."""

    def __init__(
        self,
        session_ref: SessionRef,
        service: str,
        record_id: int,
        field: str,
        before: Any,
        after: Any,
        text: str,
    ) -> None:
        super().__init__(session_ref, text)
        self._service = service
        self._record_id = record_id
        self._field = field
        self._before = before
        self._after = after

    def _update(self, value: Any) -> None:
        service = getattr(self.session, self._service)
        service.update(self._record_id, **{self._field: value})

    def do(self) -> None:
        self._update(self._after)

    def undo_step(self) -> None:
        self._update(self._before)


class UpdateFieldsCommand(ServiceCommand):
    """Change several fields of one record in one service call, for fields that
    must change together (a variable's type and its initial value)."""

    def __init__(
        self,
        session_ref: SessionRef,
        service: str,
        record_id: int,
        before: dict[str, Any],
        after: dict[str, Any],
        text: str,
    ) -> None:
        super().__init__(session_ref, text)
        self._service = service
        self._record_id = record_id
        self._before = dict(before)
        self._after = dict(after)

    def do(self) -> None:
        getattr(self.session, self._service).update(self._record_id, **self._after)

    def undo_step(self) -> None:
        getattr(self.session, self._service).update(self._record_id, **self._before)


class SetDefaultChoiceCommand(ServiceCommand):
    """Mark or unmark a default choice, restoring the siblings' flags on undo.

    The service clears the flag on the other choices of the same scene when one
    becomes the default, so the command records every sibling's flag.
    """

    def __init__(
        self, session_ref: SessionRef, choice_id: int, is_default: bool, text: str
    ) -> None:
        super().__init__(session_ref, text)
        self._choice_id = choice_id
        self._is_default = is_default
        self._before: dict[int, bool] = {}

    def do(self) -> None:
        session = self.session
        choice = session.choices.get(self._choice_id)
        siblings = session.choices.from_scene(choice.source_id)
        self._before = {c.id: c.is_default for c in siblings}  # type: ignore[misc]
        session.choices.update(self._choice_id, is_default=self._is_default)

    def undo_step(self) -> None:
        session = self.session
        with session.write():
            for choice_id, flag in self._before.items():
                if not flag:
                    session.choices.update(choice_id, is_default=False)
            for choice_id, flag in self._before.items():
                if flag:
                    session.choices.update(choice_id, is_default=True)


class SetStartCommand(ServiceCommand):
    def __init__(self, session_ref: SessionRef, scene_id: int, title: str) -> None:
        super().__init__(session_ref, f"Set {title!r} as start")
        self._scene_id = scene_id
        self._previous: int | None = None

    def do(self) -> None:
        start = self.session.scenes.start()
        self._previous = start.id if start else None
        self.session.scenes.set_start(self._scene_id)

    def undo_step(self) -> None:
        if self._previous is not None:
            self.session.scenes.set_start(self._previous)


class CreateRecordCommand(ServiceCommand):
    """Create a variable, audience or persona; undo deletes it, redo restores it
    with the same id."""

    def __init__(self, session_ref: SessionRef, service: str, record: Any, text: str):
        super().__init__(session_ref, text)
        self._service = service
        self._record = record
        self.created: Any = None

    def do(self) -> None:
        service = getattr(self.session, self._service)
        if self.created is None:
            self.created = service.create(self._record)
        else:
            service.restore([self.created])

    def undo_step(self) -> None:
        getattr(self.session, self._service).delete(self.created.id)


class DeleteRecordCommand(ServiceCommand):
    def __init__(
        self, session_ref: SessionRef, service: str, record_id: int, text: str
    ):
        super().__init__(session_ref, text)
        self._service = service
        self._record_id = record_id
        self._record: Any = None

    def do(self) -> None:
        service = getattr(self.session, self._service)
        self._record = service.get(self._record_id)
        service.delete(self._record_id)

    def undo_step(self) -> None:
        getattr(self.session, self._service).restore([self._record])


class PasteScenesCommand(ServiceCommand):
    """Add copies of scenes and of the choices between them.

    ``scenes`` and ``choices`` come from the clipboard: the scenes carry their old
    ids, which the choices' source and target refer to. The copies get new ids
    and free keys, and a copied start scene becomes a plain scene, because a
    project has one start.
    """

    def __init__(
        self,
        session_ref: SessionRef,
        scenes: list[Scene],
        choices: list[Choice],
        offset: tuple[float, float],
        text: str,
    ) -> None:
        super().__init__(session_ref, text)
        self._scenes = scenes
        self._choices = choices
        self._offset = offset
        self.new_ids: list[int] = []
        self._bundle: SceneBundle | None = None

    def do(self) -> None:
        session = self.session
        if self._bundle is not None:
            session.scenes.restore(self._bundle)
            return
        new_id: dict[int, int] = {}
        with session.write():
            for scene in self._scenes:
                copy = dataclasses.replace(
                    scene,
                    id=None,
                    key=_free_key(session, scene.key),
                    kind=SceneKind.SCENE
                    if scene.kind is SceneKind.START
                    else scene.kind,
                    x=scene.x + self._offset[0],
                    y=scene.y + self._offset[1],
                )
                new_id[scene.id] = session.scenes.create(copy).id  # type: ignore[index]
            for choice in self._choices:
                if choice.source_id in new_id and choice.target_id in new_id:
                    session.choices.create(
                        dataclasses.replace(
                            choice,
                            id=None,
                            source_id=new_id[choice.source_id],
                            target_id=new_id[choice.target_id],
                        )
                    )
        self.new_ids = list(new_id.values())

    def undo_step(self) -> None:
        self._bundle = self.session.scenes.delete_many(self.new_ids)


def _free_key(session: ProjectSession, key: str) -> str:
    """Return ``key`` if no scene uses it, else the key with the next free number."""
    try:
        session.scenes.by_key(key)
    except NotFoundError:
        return key
    number = 2
    while True:
        candidate = f"{key}_{number}"
        try:
            session.scenes.by_key(candidate)
        except NotFoundError:
            return candidate
        number += 1
