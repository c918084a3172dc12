"""Services for scenes and choices, the nodes and edges of the plot graph."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from author_studio.domain import expressions, validation
from author_studio.domain.errors import ConflictError, NotFoundError, ValidationError
from author_studio.domain.model import Choice, Scene, SceneKind, Variable
from author_studio.services.base import EntityService
from author_studio.services.changes import Action, ChangeCollector, Entity
from author_studio.store import convert
from author_studio.store.tables import (
    CanonFactRow,
    ChoiceRow,
    ReviewRow,
    SceneRow,
    VariableRow,
    VariantRow,
)

logger = logging.getLogger(__name__)

_LAYOUT_FIELDS = {"x", "y"}


@dataclass
class SceneBundle:
    """Scenes with every row that depends on them, as stored before a delete.

    :meth:`SceneService.restore` puts a bundle back with the same ids, which is
    what undo of a delete needs.
    """

    scenes: list[SceneRow] = field(default_factory=list)
    choices: list[ChoiceRow] = field(default_factory=list)
    variants: list[VariantRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    canon: list[CanonFactRow] = field(default_factory=list)


def bulk_insert(db: Session, row_type: Any, values: list[dict[str, Any]]) -> list[int]:
    """Insert many rows with one executemany and return their new ids in order.

    Building SQLModel instances costs about 0.3 ms a row (pydantic resolves every
    default factory), so batches go through SQLAlchemy Core instead.
    """
    if not values:
        return []
    table = row_type.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.connection().execute(statement, values).scalars())


def _copy_row(row: Any) -> Any:
    return type(row).model_validate(row.model_dump())


class SceneService(EntityService[Scene, SceneRow]):
    entity = Entity.SCENE
    label = "Scene"
    row_type = SceneRow
    from_row = staticmethod(convert.scene_from_row)
    to_row = staticmethod(convert.scene_to_row)
    validate = staticmethod(validation.validate_scene)

    def create(self, record: Scene) -> Scene:
        if not record.key:
            record = dataclasses.replace(record, key=self.free_key(record.title))
        return super().create(record)

    def create_many(self, scenes: Iterable[Scene]) -> list[Scene]:
        """Create many scenes in one transaction, as an import or a paste does.

        Keys must be set and unique; the whole batch is rejected if one scene is
        invalid or its key is taken.
        """
        records = list(scenes)
        for record in records:
            validation.validate_scene(record)
        keys = [record.key for record in records]
        duplicates = sorted(key for key, n in Counter(keys).items() if n > 1)
        if duplicates:
            raise ConflictError(
                f"The key {duplicates[0]!r} is used by more than one new scene; "
                "give each scene its own key."
            )
        with self._session.write() as (db, changes):
            # Reading the whole column avoids SQLite's limit on bound parameters.
            taken = set(db.exec(select(SceneRow.key))) & set(keys)
            if taken:
                raise ConflictError(
                    f"The key {sorted(taken)[0]!r} is already used; choose another key."
                )
            if any(r.kind is SceneKind.START for r in records):
                start = db.exec(
                    select(SceneRow).where(SceneRow.kind == "start")
                ).first()
                if (
                    start is not None
                    or sum(r.kind is SceneKind.START for r in records) > 1
                ):
                    raise ConflictError(
                        "A project has one start scene; make the new scenes plain "
                        "scenes and use Set as Start."
                    )
            ids = bulk_insert(db, SceneRow, [convert.scene_values(r) for r in records])
            changes.add(Entity.SCENE, Action.CREATED, *ids)
            return [
                dataclasses.replace(r, id=i) for r, i in zip(records, ids, strict=True)
            ]

    def by_key(self, key: str) -> Scene:
        with self._session.file.read() as db:
            row = db.exec(select(SceneRow).where(SceneRow.key == key)).first()
            if row is None:
                raise NotFoundError(f"No scene with key {key!r}.")
            return convert.scene_from_row(row)

    def positions(self) -> dict[int, tuple[float, float]]:
        """Return the canvas position (x, y) of every scene, by scene id."""
        table = SceneRow.__table__
        with self._session.file.read() as db:
            rows = db.connection().execute(select(table.c.id, table.c.x, table.c.y))
            return {scene_id: (x, y) for scene_id, x, y in rows}

    def start(self) -> Scene | None:
        with self._session.file.read() as db:
            row = db.exec(select(SceneRow).where(SceneRow.kind == "start")).first()
            return convert.scene_from_row(row) if row else None

    def free_key(self, title: str) -> str:
        """Return a key made from ``title`` that no scene uses yet."""
        base = validation.make_scene_key(title)
        with self._session.file.read() as db:
            taken = set(
                db.exec(select(SceneRow.key).where(col(SceneRow.key).startswith(base)))
            )
        if base not in taken:
            return base
        number = 2
        while f"{base}_{number}" in taken:
            number += 1
        return f"{base}_{number}"

    def check(self, db: Session, record: Scene, record_id: int | None) -> None:
        clash = db.exec(
            select(SceneRow).where(SceneRow.key == record.key, SceneRow.id != record_id)
        ).first()
        if clash is not None:
            raise ConflictError(
                f"The key {record.key!r} is already used by scene {clash.title!r}; "
                "choose another key."
            )
        current = db.get(SceneRow, record_id) if record_id is not None else None
        if record.kind is SceneKind.START:
            start = db.exec(
                select(SceneRow).where(
                    SceneRow.kind == "start", SceneRow.id != record_id
                )
            ).first()
            if start is not None:
                raise ConflictError(
                    f"{start.title!r} is already the start scene; use Set as Start to "
                    "move the start to this scene."
                )
        elif current is not None and current.kind == "start":
            raise ConflictError(
                f"{current.title!r} is the start scene; use Set as Start on another "
                "scene instead of changing this scene's kind."
            )

    def update_action(self, fields: dict[str, Any]) -> Action:
        return Action.MOVED if set(fields) <= _LAYOUT_FIELDS else Action.UPDATED

    def set_start(self, scene_id: int) -> None:
        """Make ``scene_id`` the start scene; the old start becomes a plain scene."""
        with self._session.write() as (db, changes):
            row = self._row(db, scene_id)
            if row.kind == "start":
                return
            old = db.exec(select(SceneRow).where(SceneRow.kind == "start")).first()
            if old is not None:
                old.kind = SceneKind.SCENE.value
                db.add(old)
                db.flush()
                changes.add(Entity.SCENE, Action.UPDATED, old.id)
            row.kind = SceneKind.START.value
            db.add(row)
            changes.add(Entity.SCENE, Action.UPDATED, scene_id)

    def move(self, positions: Mapping[int, tuple[float, float]]) -> None:
        """Store canvas positions of many scenes in one transaction.

        Raises NotFoundError, and stores nothing, when an id names no scene.
        """
        values = [
            {"row_id": scene_id, "new_x": float(x), "new_y": float(y)}
            for scene_id, (x, y) in positions.items()
        ]
        if not values:
            return
        table = SceneRow.__table__
        # One executemany through Core: loading each row through the ORM took
        # about 1 ms a scene, 10 s for an auto-layout of 10,000 scenes.
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(x=bindparam("new_x"), y=bindparam("new_y"))
        )
        with self._session.write() as (db, changes):
            result = db.connection().execute(statement, values)
            if result.rowcount != len(values):
                self._raise_missing(db, positions)
            changes.add(Entity.SCENE, Action.MOVED, *positions)

    def _raise_missing(self, db: Session, scene_ids: Iterable[int]) -> None:
        wanted = set(scene_ids)
        found = set(db.exec(select(SceneRow.id).where(col(SceneRow.id).in_(wanted))))
        missing = sorted(wanted - found)
        raise NotFoundError(
            f"No scene with id {missing[0]}; reload the project and move the "
            "scenes again."
        )

    def delete(self, record_id: int) -> None:
        self.delete_many([record_id])

    def delete_many(self, scene_ids: Iterable[int]) -> SceneBundle:
        """Delete scenes with their choices, variants and canon facts.

        Returns what was deleted so that undo can restore it. The start scene is
        rejected with a message naming the fix.
        """
        ids = list(dict.fromkeys(scene_ids))
        with self._session.write() as (db, changes):
            bundle = self._bundle(db, ids)
            for row in bundle.scenes:
                if row.kind == "start":
                    raise ConflictError(
                        f"{row.title!r} is the start scene and cannot be deleted; make "
                        "another scene the start scene first (Set as Start), then "
                        "delete this one."
                    )
            for row in bundle.scenes:
                db.delete(db.get(SceneRow, row.id))
            changes.add(Entity.SCENE, Action.DELETED, *ids)
            changes.add(Entity.CHOICE, Action.DELETED, *(c.id for c in bundle.choices))
            changes.add(
                Entity.VARIANT, Action.DELETED, *(v.id for v in bundle.variants)
            )
            changes.add(Entity.CANON, Action.DELETED, *(c.id for c in bundle.canon))
        return bundle

    def restore(self, bundle: SceneBundle) -> None:
        """Insert a bundle from :meth:`delete_many` again, with its original ids."""
        with self._session.write() as (db, changes):
            for group in (
                bundle.scenes,
                bundle.choices,
                bundle.variants,
                bundle.reviews,
                bundle.canon,
            ):
                for row in group:
                    db.add(_copy_row(row))
                db.flush()
            changes.add(Entity.SCENE, Action.CREATED, *(s.id for s in bundle.scenes))
            changes.add(Entity.CHOICE, Action.CREATED, *(c.id for c in bundle.choices))
            changes.add(
                Entity.VARIANT, Action.CREATED, *(v.id for v in bundle.variants)
            )
            changes.add(Entity.CANON, Action.CREATED, *(c.id for c in bundle.canon))

    def _bundle(self, db: Session, ids: list[int]) -> SceneBundle:
        scenes = [self._row(db, scene_id) for scene_id in ids]
        choices = db.exec(
            select(ChoiceRow).where(
                or_(
                    col(ChoiceRow.source_id).in_(ids), col(ChoiceRow.target_id).in_(ids)
                )
            )
        ).all()
        variants = db.exec(
            select(VariantRow).where(col(VariantRow.scene_id).in_(ids))
        ).all()
        variant_ids = [v.id for v in variants]
        reviews = db.exec(
            select(ReviewRow).where(col(ReviewRow.variant_id).in_(variant_ids))
        ).all()
        canon = db.exec(
            select(CanonFactRow).where(col(CanonFactRow.scene_id).in_(ids))
        ).all()
        return SceneBundle(
            scenes=[_copy_row(r) for r in scenes],
            choices=[_copy_row(r) for r in choices],
            variants=[_copy_row(r) for r in variants],
            reviews=[_copy_row(r) for r in reviews],
            canon=[_copy_row(r) for r in canon],
        )


class ChoiceService(EntityService[Choice, ChoiceRow]):
    entity = Entity.CHOICE
    label = "Choice"
    row_type = ChoiceRow
    from_row = staticmethod(convert.choice_from_row)
    to_row = staticmethod(convert.choice_to_row)
    validate = staticmethod(validation.validate_choice)

    def from_scene(self, scene_id: int) -> list[Choice]:
        with self._session.file.read() as db:
            rows = db.exec(
                select(ChoiceRow)
                .where(ChoiceRow.source_id == scene_id)
                .order_by(col(ChoiceRow.position), col(ChoiceRow.id))
            ).all()
            return [convert.choice_from_row(row) for row in rows]

    def create(self, record: Choice) -> Choice:
        if record.position == 0:
            with self._session.file.read() as db:
                last = db.exec(
                    select(func.max(ChoiceRow.position)).where(
                        ChoiceRow.source_id == record.source_id
                    )
                ).one()
            record = dataclasses.replace(record, position=(last or 0) + 1)
        return super().create(record)

    def check(self, db: Session, record: Choice, record_id: int | None) -> None:
        for end, scene_id in (
            ("source", record.source_id),
            ("target", record.target_id),
        ):
            if db.get(SceneRow, scene_id) is None:
                raise NotFoundError(
                    f"The choice {record.label!r} points to a missing {end} scene "
                    f"(id {scene_id}); pick an existing scene."
                )
        self.check_expressions(db, record)

    def after_write(
        self, db: Session, row: ChoiceRow, changes: ChangeCollector
    ) -> None:
        # One default per choice point: marking a choice as the default clears the
        # flag on its siblings in the same transaction.
        if not row.is_default:
            return
        siblings = db.exec(
            select(ChoiceRow).where(
                ChoiceRow.source_id == row.source_id,
                ChoiceRow.id != row.id,
                col(ChoiceRow.is_default).is_(True),
            )
        ).all()
        for sibling in siblings:
            sibling.is_default = False
            db.add(sibling)
            changes.add(Entity.CHOICE, Action.UPDATED, sibling.id)

    def create_many(self, choices: Iterable[Choice]) -> list[Choice]:
        """Create many choices in one transaction; all or none are stored."""
        records = list(choices)
        for record in records:
            validation.validate_choice(record)
        with self._session.write() as (db, changes):
            scene_ids = {r.source_id for r in records} | {r.target_id for r in records}
            found = set(db.exec(select(SceneRow.id))) & scene_ids
            variables = [
                convert.variable_from_row(row) for row in db.exec(select(VariableRow))
            ]
            for record in records:
                self.check_expressions(db, record, variables)
                for end, scene_id in (
                    ("source", record.source_id),
                    ("target", record.target_id),
                ):
                    if scene_id not in found:
                        raise NotFoundError(
                            f"The choice {record.label!r} points to a missing {end} "
                            f"scene (id {scene_id}); pick an existing scene."
                        )
            defaults = Counter(r.source_id for r in records if r.is_default)
            repeated = sorted(source for source, n in defaults.items() if n > 1)
            if repeated:
                raise ConflictError(
                    f"Scene id {repeated[0]} gets more than one default choice; mark "
                    "one choice per scene as the default."
                )
            self._clear_defaults(db, set(defaults), changes)
            ids = bulk_insert(
                db, ChoiceRow, [convert.choice_values(r) for r in records]
            )
            changes.add(Entity.CHOICE, Action.CREATED, *ids)
            return [
                dataclasses.replace(r, id=i) for r, i in zip(records, ids, strict=True)
            ]

    def _clear_defaults(
        self, db: Session, sources: set[int], changes: ChangeCollector
    ) -> None:
        """Unset the default flag of stored choices of ``sources`` (one query)."""
        if not sources:
            return
        current = db.exec(
            select(ChoiceRow).where(col(ChoiceRow.is_default).is_(True))
        ).all()
        for row in current:
            if row.source_id in sources:
                row.is_default = False
                db.add(row)
                changes.add(Entity.CHOICE, Action.UPDATED, row.id)

    def check_expressions(
        self, db: Session, record: Choice, variables: list[Variable] | None = None
    ) -> None:
        """Parse and type-check the condition and effects against the project's
        variables, which are read from ``db`` unless given.

        Raises ValidationError naming the field, with the column and the problem.
        """
        if not (record.condition.strip() or record.effects.strip()):
            return
        if variables is None:
            variables = [
                convert.variable_from_row(row) for row in db.exec(select(VariableRow))
            ]
        try:
            expressions.check_condition(record.condition, variables)
        except expressions.ExpressionError as error:
            raise ValidationError(
                f"Invalid condition at column {error.column}: {error.problem}.",
                field="condition",
            ) from error
        try:
            expressions.check_effects(record.effects, variables)
        except expressions.ExpressionError as error:
            raise ValidationError(
                f"Invalid effects at column {error.column}: {error.problem}.",
                field="effects",
            ) from error

    def restore(self, choices: Iterable[Choice]) -> None:
        """Insert choices again with their original ids (undo of a delete)."""
        with self._session.write() as (db, changes):
            for choice in choices:
                db.add(convert.choice_to_row(choice))
                changes.add(Entity.CHOICE, Action.CREATED, choice.id)
