"""Shared create, read, update and delete logic of the entity services.

Each public call runs in one write transaction and, after the commit, sends one
:class:`ChangeNotice` to the session's subscribers. A call that raises writes
nothing and sends nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from sqlmodel import Session, SQLModel, select

from author_studio.domain.errors import NotFoundError, ValidationError
from author_studio.services.changes import Action, ChangeCollector, Entity

if TYPE_CHECKING:
    from author_studio.services.session import ProjectSession

RecordT = TypeVar("RecordT")
RowT = TypeVar("RowT", bound=SQLModel)


class EntityService(Generic[RecordT, RowT]):
    """Base of the services for one entity kind.

    Subclasses set the row class, the converters and the label used in messages,
    and may override :meth:`check` for rules that compare records.
    """

    entity: ClassVar[Entity]
    label: ClassVar[str]
    row_type: ClassVar[type[SQLModel]]
    from_row: ClassVar[Callable[[Any], Any]]
    to_row: ClassVar[Callable[..., Any]]
    validate: ClassVar[Callable[[Any], None]]
    order_by: ClassVar[str] = "id"

    def __init__(self, session: ProjectSession) -> None:
        self._session = session

    def list(self) -> list[RecordT]:
        with self._session.file.read() as db:
            column = getattr(self.row_type, self.order_by)
            rows = db.exec(select(self.row_type).order_by(column)).all()
            return [type(self).from_row(row) for row in rows]

    def get(self, record_id: int) -> RecordT:
        with self._session.file.read() as db:
            return type(self).from_row(self._row(db, record_id))

    def create(self, record: RecordT) -> RecordT:
        type(self).validate(record)
        with self._session.write() as (db, changes):
            self.check(db, record, None)
            row = type(self).to_row(record)
            row.id = None
            db.add(row)
            db.flush()
            changes.add(self.entity, Action.CREATED, row.id)
            self.after_write(db, row, changes)
            return type(self).from_row(row)

    def update(self, record_id: int, **fields: Any) -> RecordT:
        """Change the named fields of one record; unknown field names are rejected."""
        with self._session.write() as (db, changes):
            row = self._row(db, record_id)
            current = type(self).from_row(row)
            editable = {f.name for f in dataclasses.fields(current)} - {"id"}
            unknown = sorted(set(fields) - editable)
            if unknown:
                raise ValidationError(
                    f"{self.label} has no editable field {unknown[0]!r}.",
                    field=unknown[0],
                )
            updated = dataclasses.replace(current, **fields)
            type(self).validate(updated)
            self.check(db, updated, record_id)
            type(self).to_row(updated, row)
            db.add(row)
            db.flush()
            changes.add(self.entity, self.update_action(fields), record_id)
            self.after_write(db, row, changes)
            return type(self).from_row(row)

    def delete(self, record_id: int) -> None:
        with self._session.write() as (db, changes):
            row = self._row(db, record_id)
            self.before_delete(db, row, changes)
            db.delete(row)
            changes.add(self.entity, Action.DELETED, record_id)

    def restore(self, records: Iterable[RecordT]) -> None:
        """Insert records again with their original ids (undo of a delete).

        The records must come from this service, so they are not validated again.
        """
        with self._session.write() as (db, changes):
            for record in records:
                db.add(type(self).to_row(record))
                changes.add(self.entity, Action.CREATED, record.id)  # type: ignore[attr-defined]

    def check(self, db: Session, record: RecordT, record_id: int | None) -> None:
        """Raise ConflictError or NotFoundError when ``record`` clashes with others."""

    def after_write(self, db: Session, row: Any, changes: ChangeCollector) -> None:
        """Adjust other rows after a create or update, inside the same transaction."""

    def before_delete(self, db: Session, row: Any, changes: ChangeCollector) -> None:
        """Record the rows that the delete cascades to, for the change notice."""

    def update_action(self, fields: dict[str, Any]) -> Action:
        return Action.UPDATED

    def _row(self, db: Session, record_id: int) -> Any:
        row = db.get(self.row_type, record_id)
        if row is None:
            raise NotFoundError(f"No {self.label.lower()} with id {record_id}.")
        return row
