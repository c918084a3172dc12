"""The journey service: named played paths stored in the project file.

The ``steps`` JSON column contains a list whose first entry describes how the run
began (``{"kind": "start", "scene_key": ..., "audience": ...}``) and whose other
entries are the steps themselves. The start entry keeps the names that the
``start_scene_id`` and ``audience_id`` columns lose when that scene or audience is
deleted (both columns are ``ON DELETE SET NULL``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from author_studio.domain.errors import ConflictError, NotFoundError, ValidationError
from author_studio.domain.journey import Journey, step_from_json, step_to_json
from author_studio.services.base import EntityService
from author_studio.services.changes import Action, Entity
from author_studio.store.tables import AudienceRow, JourneyRow, SceneRow

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120


def journey_from_row(row: JourneyRow) -> Journey:
    stored = list(row.steps or [])
    start: dict[str, Any] = {}
    if stored and isinstance(stored[0], dict) and stored[0].get("kind") == "start":
        start = stored.pop(0)
    return Journey(
        id=row.id,
        name=row.name,
        audience_id=row.audience_id,
        start_scene_id=row.start_scene_id,
        start_state=dict(row.start_state or {}),
        steps=[step_from_json(raw) for raw in stored],
        start_scene_key=str(start.get("scene_key") or ""),
        audience_name=str(start.get("audience") or ""),
        created_at=datetime.fromisoformat(row.created_at),
    )


def journey_to_row(journey: Journey, row: JourneyRow | None = None) -> JourneyRow:
    created = (journey.created_at or datetime.now().astimezone()).isoformat(
        timespec="seconds"
    )
    row = row or JourneyRow(name=journey.name, created_at=created)
    row.name = journey.name
    row.audience_id = journey.audience_id
    row.start_scene_id = journey.start_scene_id
    row.start_state = dict(journey.start_state)
    start = {
        "kind": "start",
        "scene_key": journey.start_scene_key,
        "audience": journey.audience_name or None,
    }
    row.steps = [start, *(step_to_json(step) for step in journey.steps)]
    row.created_at = created
    if journey.id is not None:
        row.id = journey.id
    return row


def validate_journey(journey: Journey) -> None:
    name = journey.name.strip()
    if not name:
        raise ValidationError(
            "The journey name is empty; type a name to save it under.", field="name"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"The journey name has {len(name)} characters; the maximum is "
            f"{MAX_NAME_LENGTH}.",
            field="name",
        )
    journey.name = name


class JourneyService(EntityService[Journey, JourneyRow]):
    entity = Entity.JOURNEY
    label = "Journey"
    row_type = JourneyRow
    from_row = staticmethod(journey_from_row)
    to_row = staticmethod(journey_to_row)
    validate = staticmethod(validate_journey)
    order_by = "name"

    def by_name(self, name: str) -> Journey:
        with self._session.file.read() as db:
            row = db.exec(select(JourneyRow).where(JourneyRow.name == name)).first()
            if row is None:
                names = db.exec(select(JourneyRow.name).order_by(JourneyRow.name))
                listed = ", ".join(names) or "none saved yet"
                raise NotFoundError(
                    f"No journey named {name!r}; the project's journeys are: {listed}."
                )
            return journey_from_row(row)

    def save(self, journey: Journey, *, replace: bool = False) -> Journey:
        """Store ``journey`` under its name; with ``replace``, a journey of the same
        name is overwritten instead of raising ConflictError."""
        validate_journey(journey)
        with self._session.write() as (db, changes):
            row = db.exec(
                select(JourneyRow).where(JourneyRow.name == journey.name)
            ).first()
            if row is None:
                return self.create(journey)
            if not replace:
                raise ConflictError(
                    f"There is already a journey named {journey.name!r}; choose "
                    "another name or replace it."
                )
            journey.id = row.id
            journey.created_at = None
            self.check(db, journey, row.id)
            journey_to_row(journey, row)
            db.add(row)
            db.flush()
            changes.add(Entity.JOURNEY, Action.UPDATED, row.id)
            logger.info(
                "Replaced journey %r (%d steps)", journey.name, len(journey.steps)
            )
            return journey_from_row(row)

    def check(self, db: Session, record: Journey, record_id: int | None) -> None:
        clash = db.exec(
            select(JourneyRow).where(
                JourneyRow.name == record.name, JourneyRow.id != record_id
            )
        ).first()
        if clash is not None:
            raise ConflictError(
                f"There is already a journey named {record.name!r}; choose another "
                "name or replace it."
            )
        if (
            record.audience_id is not None
            and db.get(AudienceRow, record.audience_id) is None
        ):
            raise NotFoundError(
                f"The journey {record.name!r} names an unknown audience "
                f"(id {record.audience_id})."
            )
        if (
            record.start_scene_id is not None
            and db.get(SceneRow, record.start_scene_id) is None
        ):
            raise NotFoundError(
                f"The journey {record.name!r} starts at a missing scene "
                f"(id {record.start_scene_id})."
            )
