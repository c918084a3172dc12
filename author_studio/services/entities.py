"""Services for variables, audiences, personas and canon facts."""

from __future__ import annotations

from sqlmodel import Session, select

from author_studio.domain import validation
from author_studio.domain.errors import ConflictError, NotFoundError
from author_studio.domain.model import Audience, CanonFact, Persona, Variable
from author_studio.services.base import EntityService
from author_studio.services.changes import Action, ChangeCollector, Entity
from author_studio.store import convert
from author_studio.store.tables import (
    AudienceRow,
    CanonFactRow,
    PersonaRow,
    SceneRow,
    VariableRow,
    VariantRow,
)


def _check_unique_name(
    db: Session, row_type: type, name: str, record_id: int | None, label: str
) -> None:
    clash = db.exec(
        select(row_type).where(row_type.name == name, row_type.id != record_id)
    ).first()
    if clash is not None:
        raise ConflictError(
            f"There is already {label} named {name!r}; choose another name."
        )


def _check_audience_exists(db: Session, audience_id: int, what: str) -> None:
    if db.get(AudienceRow, audience_id) is None:
        raise NotFoundError(
            f"The {what} names an unknown audience (id {audience_id}); pick one of the "
            "project's audiences or create it first."
        )


class VariableService(EntityService[Variable, VariableRow]):
    entity = Entity.VARIABLE
    label = "Variable"
    row_type = VariableRow
    from_row = staticmethod(convert.variable_from_row)
    to_row = staticmethod(convert.variable_to_row)
    validate = staticmethod(validation.validate_variable)
    order_by = "name"

    def check(self, db: Session, record: Variable, record_id: int | None) -> None:
        _check_unique_name(db, VariableRow, record.name, record_id, "a variable")


class AudienceService(EntityService[Audience, AudienceRow]):
    entity = Entity.AUDIENCE
    label = "Audience"
    row_type = AudienceRow
    from_row = staticmethod(convert.audience_from_row)
    to_row = staticmethod(convert.audience_to_row)
    validate = staticmethod(validation.validate_audience)

    def by_name(self, name: str) -> Audience:
        with self._session.file.read() as db:
            row = db.exec(select(AudienceRow).where(AudienceRow.name == name)).first()
            if row is None:
                names = ", ".join(db.exec(select(AudienceRow.name)).all()) or "none"
                raise NotFoundError(
                    f"Unknown audience {name!r}; the project's audiences are: {names}."
                )
            return convert.audience_from_row(row)

    def check(self, db: Session, record: Audience, record_id: int | None) -> None:
        _check_unique_name(db, AudienceRow, record.name, record_id, "an audience")

    def before_delete(
        self, db: Session, row: AudienceRow, changes: ChangeCollector
    ) -> None:
        personas = db.exec(
            select(PersonaRow.id).where(PersonaRow.audience_id == row.id)
        )
        variants = db.exec(
            select(VariantRow.id).where(VariantRow.audience_id == row.id)
        )
        changes.add(Entity.PERSONA, Action.DELETED, *personas)
        changes.add(Entity.VARIANT, Action.DELETED, *variants)


class PersonaService(EntityService[Persona, PersonaRow]):
    entity = Entity.PERSONA
    label = "Persona"
    row_type = PersonaRow
    from_row = staticmethod(convert.persona_from_row)
    to_row = staticmethod(convert.persona_to_row)
    validate = staticmethod(validation.validate_persona)

    def check(self, db: Session, record: Persona, record_id: int | None) -> None:
        _check_unique_name(db, PersonaRow, record.name, record_id, "a persona")
        _check_audience_exists(db, record.audience_id, f"persona {record.name!r}")


class CanonService(EntityService[CanonFact, CanonFactRow]):
    entity = Entity.CANON
    label = "Canon fact"
    row_type = CanonFactRow
    from_row = staticmethod(convert.canon_from_row)
    to_row = staticmethod(convert.canon_to_row)
    validate = staticmethod(validation.validate_canon_fact)

    def check(self, db: Session, record: CanonFact, record_id: int | None) -> None:
        if record.scene_id is not None and db.get(SceneRow, record.scene_id) is None:
            raise NotFoundError(
                f"The canon fact {record.term!r} names a missing scene "
                f"(id {record.scene_id}); pick an existing scene or none."
            )
