"""The project session: an open project file, its services and change notices.

One session object is passed to every panel and command; there is no global. After
each committed write the session calls its subscribers with one ChangeNotice, in
the thread that made the call. Qt code relays the notice to the GUI thread itself.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from author_studio.domain.errors import ValidationError
from author_studio.domain.model import ProjectInfo, Scene, SceneKind, VariantStatus
from author_studio.domain.story import Story
from author_studio.services.changes import Action, ChangeCollector, ChangeNotice, Entity
from author_studio.services.entities import (
    AudienceService,
    CanonService,
    PersonaService,
    VariableService,
)
from author_studio.services.journeys import JourneyService
from author_studio.services.scenes import ChoiceService, SceneService
from author_studio.services.variants import VariantService
from author_studio.store import convert
from author_studio.store.migrations import SCHEMA_VERSION
from author_studio.store.project_file import ProjectFile
from author_studio.store.tables import (
    AudienceRow,
    AuditEntryRow,
    CanonFactRow,
    ChoiceRow,
    PersonaRow,
    ProjectRow,
    SceneRow,
    VariableRow,
    VariantRow,
)

logger = logging.getLogger(__name__)

Subscriber = Callable[[ChangeNotice], None]
_PROJECT_FIELDS = {
    "title",
    "description",
    "author",
    "story_format",
    "story_format_version",
    "tag_colors",
}


@dataclass(frozen=True)
class ProjectCounts:
    scenes: int
    choices: int
    endings: int
    variables: int
    audiences: int
    personas: int
    variants: dict[str, int]


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "writer"


class ProjectSession:
    def __init__(self, file: ProjectFile, actor: str | None = None) -> None:
        self.file = file
        self.actor = actor or default_actor()
        self._subscribers: list[Subscriber] = []
        self._lock = threading.RLock()
        self._local = threading.local()
        self._shared_story: Story | None = None
        self.scenes = SceneService(self)
        self.choices = ChoiceService(self)
        self.variables = VariableService(self)
        self.audiences = AudienceService(self)
        self.personas = PersonaService(self)
        self.canon = CanonService(self)
        self.variants = VariantService(self)
        self.journeys = JourneyService(self)

    @classmethod
    def create(
        cls, path: Path | str, title: str, *, start_title: str = "Opening"
    ) -> ProjectSession:
        """Create a project file holding one start scene."""
        if not title.strip():
            raise ValidationError(
                "The project title is empty; type a title.", field="title"
            )
        session = cls(ProjectFile.create(path, title.strip()))
        session.scenes.create(
            Scene(key="start", title=start_title, kind=SceneKind.START, duration_s=60)
        )
        return session

    @classmethod
    def open(
        cls, path: Path | str, actor: str | None = None, *, read_only: bool = False
    ) -> ProjectSession:
        """Open a project; with ``read_only``, a read-only file is accepted and
        every edit fails."""
        return cls(ProjectFile.open(path, read_only=read_only), actor)

    @property
    def path(self) -> Path:
        return self.file.path

    def close(self) -> None:
        self.file.close()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Register ``subscriber`` for change notices; returns a function that
        removes it again."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, notice: ChangeNotice) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(notice)
            except Exception:
                logger.exception("A change subscriber failed on %s", notice)

    @contextlib.contextmanager
    def write(self) -> Iterator[tuple[Session, ChangeCollector]]:
        """Run one write transaction, then publish what it changed.

        Calls nest: an inner ``write`` joins the outer transaction, and the notice is
        sent once the outermost one commits.
        """
        with self._lock:
            outer = getattr(self._local, "active", None)
            if outer is not None:
                yield outer
                return
            self._shared_story = None
            changes = ChangeCollector()
            with self.file.transaction() as db:
                self._local.active = (db, changes)
                try:
                    yield db, changes
                finally:
                    self._local.active = None
        notice = changes.notice()
        if notice is not None:
            self.publish(notice)

    def info(self) -> ProjectInfo:
        return convert.project_from_row(self.file.project_row())

    def update_info(self, **fields: object) -> ProjectInfo:
        unknown = sorted(set(fields) - _PROJECT_FIELDS)
        if unknown:
            raise ValidationError(
                f"The project has no field {unknown[0]!r}.", field=unknown[0]
            )
        if "title" in fields and not str(fields["title"]).strip():
            raise ValidationError(
                "The project title is empty; type a title.", field="title"
            )
        with self.write() as (db, changes):
            row = db.get(ProjectRow, 1)
            for name, value in fields.items():
                setattr(row, name, value)
            db.add(row)
            changes.add(Entity.PROJECT, Action.UPDATED, 1)
        return self.info()

    def save_as(self, destination: Path | str, *, overwrite: bool = False) -> Path:
        return self.file.save_as(destination, overwrite=overwrite)

    @contextlib.contextmanager
    def sharing_story(self, story: Story) -> Iterator[None]:
        """Make :meth:`load_story` return ``story`` inside the block, until the
        next write.

        Opening a project hands the session to several panels that each read
        the whole story; at 10,000 scenes each read takes about a second. The
        caller promises that ``story`` was just read from this session, and
        the panels must not modify it.
        """
        self._shared_story = story
        try:
            yield
        finally:
            self._shared_story = None

    def load_story(self) -> Story:
        """Read the whole project in one consistent snapshot."""
        shared = self._shared_story
        if shared is not None:
            return shared
        with self.file.read() as db:

            def rows(row_type: Any) -> list[Any]:
                # Core rows have the same attribute names as the SQLModel rows the
                # converters expect, and cost a tenth as much to build.
                return list(db.connection().execute(select(row_type.__table__)))

            project = db.get(ProjectRow, 1)
            return Story(
                info=convert.project_from_row(project),
                scenes=[convert.scene_from_row(r) for r in rows(SceneRow)],
                choices=[convert.choice_from_row(r) for r in rows(ChoiceRow)],
                variables=[convert.variable_from_row(r) for r in rows(VariableRow)],
                audiences=[convert.audience_from_row(r) for r in rows(AudienceRow)],
                personas=[convert.persona_from_row(r) for r in rows(PersonaRow)],
                canon=[convert.canon_from_row(r) for r in rows(CanonFactRow)],
                variants=[convert.variant_from_row(r) for r in rows(VariantRow)],
            )

    def counts(self) -> ProjectCounts:
        with self.file.read() as db:

            def count(row_type: type, *where: object) -> int:
                return db.exec(
                    select(func.count()).select_from(row_type).where(*where)
                ).one()

            variants = {
                status.value: count(VariantRow, VariantRow.status == status.value)
                for status in VariantStatus
            }
            return ProjectCounts(
                scenes=count(SceneRow),
                choices=count(ChoiceRow),
                endings=count(SceneRow, SceneRow.kind == SceneKind.ENDING.value),
                variables=count(VariableRow),
                audiences=count(AudienceRow),
                personas=count(PersonaRow),
                variants=variants,
            )

    def audit_log(self, limit: int | None = None) -> list[AuditEntryRow]:
        with self.file.read() as db:
            query = select(AuditEntryRow).order_by(AuditEntryRow.id.desc())
            if limit:
                query = query.limit(limit)
            return list(db.exec(query).all())

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION
