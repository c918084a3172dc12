"""Variants, their review decisions and the project's audit log."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from author_studio.domain import validation
from author_studio.domain.errors import ConflictError, NotFoundError, ValidationError
from author_studio.domain.model import (
    Review,
    ReviewDecision,
    Variant,
    VariantOrigin,
    VariantStatus,
)
from author_studio.services.base import EntityService
from author_studio.services.changes import Action, ChangeCollector, Entity
from author_studio.store import convert
from author_studio.store.tables import (
    AudienceRow,
    AuditEntryRow,
    ReviewRow,
    SceneRow,
    VariantRow,
)

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def write_audit(
    db: Session, actor: str, action: str, subject: str, note: str = ""
) -> None:
    """Append one line to the audit log inside the caller's transaction."""
    db.add(
        AuditEntryRow(at=_now(), actor=actor, action=action, subject=subject, note=note)
    )


class VariantService(EntityService[Variant, VariantRow]):
    entity = Entity.VARIANT
    label = "Variant"
    row_type = VariantRow
    from_row = staticmethod(convert.variant_from_row)
    to_row = staticmethod(convert.variant_to_row)
    validate = staticmethod(validation.validate_variant)

    def for_scene(self, scene_id: int, audience_id: int | None = None) -> list[Variant]:
        with self._session.file.read() as db:
            query = select(VariantRow).where(VariantRow.scene_id == scene_id)
            if audience_id is not None:
                query = query.where(VariantRow.audience_id == audience_id)
            rows = db.exec(query.order_by(col(VariantRow.id))).all()
            return [convert.variant_from_row(row) for row in rows]

    def reviews(self, variant_id: int) -> list[Review]:
        with self._session.file.read() as db:
            rows = db.exec(
                select(ReviewRow)
                .where(ReviewRow.variant_id == variant_id)
                .order_by(col(ReviewRow.id))
            ).all()
            return [convert.review_from_row(row) for row in rows]

    def check(self, db: Session, record: Variant, record_id: int | None) -> None:
        scene = db.get(SceneRow, record.scene_id)
        if scene is None:
            raise NotFoundError(
                f"The variant names a missing scene (id {record.scene_id})."
            )
        audience = db.get(AudienceRow, record.audience_id)
        if audience is None:
            raise NotFoundError(
                f"The variant of {scene.title!r} names an unknown audience "
                f"(id {record.audience_id}); pick one of the project's audiences."
            )
        if record.status is VariantStatus.APPROVED:
            other = self._approved(db, record.scene_id, record.audience_id, record_id)
            if other is not None:
                raise ConflictError(
                    f"{scene.title!r} already has an approved variant for "
                    f"{audience.name!r} (variant {other.id}); approve through review, "
                    "which supersedes it, or reject that one first."
                )

    def approve(self, variant_id: int, reviewer: str, note: str = "") -> Variant:
        """Approve a variant; the scene's earlier approved variant for the same
        audience becomes superseded in the same transaction."""
        with self._session.write() as (db, changes):
            row = self._row(db, variant_id)
            previous = self._approved(db, row.scene_id, row.audience_id, variant_id)
            if previous is not None:
                self._decide(
                    db,
                    changes,
                    previous,
                    ReviewDecision.SUPERSEDED,
                    reviewer,
                    f"superseded by variant {variant_id}",
                )
            self._decide(db, changes, row, ReviewDecision.APPROVED, reviewer, note)
            return convert.variant_from_row(row)

    def reject(self, variant_id: int, reviewer: str, reason: str) -> Variant:
        if not reason.strip():
            raise ValidationError(
                "A rejection needs a reason, so the writer knows what to change.",
                field="note",
            )
        with self._session.write() as (db, changes):
            row = self._row(db, variant_id)
            self._decide(db, changes, row, ReviewDecision.REJECTED, reviewer, reason)
            return convert.variant_from_row(row)

    def edit_and_approve(
        self,
        variant_id: int,
        script: str,
        duration_s: float,
        reviewer: str,
        note: str = "",
    ) -> Variant:
        """Store an edited copy of a variant as human-edited and approve it.

        The copy keeps a link to the draft through ``parent_id``; the draft itself
        becomes superseded, so its text stays on record.
        """
        with self._session.write() as (db, changes):
            draft = self._row(db, variant_id)
            edited = dataclasses.replace(
                convert.variant_from_row(draft),
                id=None,
                script=script,
                duration_s=duration_s,
                origin=VariantOrigin.HUMAN_EDITED,
                status=VariantStatus.PROPOSED,
                parent_id=variant_id,
                created_at=None,
            )
            validation.validate_variant(edited)
            new_row = convert.variant_to_row(edited)
            db.add(new_row)
            db.flush()
            changes.add(Entity.VARIANT, Action.CREATED, new_row.id)
            previous = self._approved(db, draft.scene_id, draft.audience_id, new_row.id)
            for old in {previous.id if previous else None, draft.id} - {None}:
                old_row = db.get(VariantRow, old)
                self._decide(
                    db,
                    changes,
                    old_row,
                    ReviewDecision.SUPERSEDED,
                    reviewer,
                    f"edited into variant {new_row.id}",
                )
            self._decide(db, changes, new_row, ReviewDecision.APPROVED, reviewer, note)
            return convert.variant_from_row(new_row)

    def restore(
        self,
        statuses: Mapping[int, VariantStatus],
        reviewer: str,
        note: str,
        remove: Iterable[int] = (),
    ) -> None:
        """Put variants back into earlier statuses, for undoing a decision.

        Each variant whose status changes gets a ``reopened`` review and an audit
        line carrying ``note``; the variants in ``remove`` (edited copies made by
        the decision) are deleted first. Approvals are restored last, so the
        one-approved-variant rule holds at every step.
        """
        with self._session.write() as (db, changes):
            for variant_id in remove:
                row = self._row(db, variant_id)
                write_audit(
                    db,
                    reviewer,
                    "removed",
                    f"variant {variant_id} ({row.origin})",
                    note,
                )
                db.delete(row)
                db.flush()
                changes.add(Entity.VARIANT, Action.DELETED, variant_id)
            ordered = sorted(
                statuses.items(), key=lambda item: item[1] is VariantStatus.APPROVED
            )
            for variant_id, status in ordered:
                row = self._row(db, variant_id)
                if row.status == status.value:
                    continue
                row.status = status.value
                db.add(row)
                db.flush()
                review = ReviewRow(
                    variant_id=row.id,
                    decision=ReviewDecision.REOPENED.value,
                    reviewer=reviewer,
                    decided_at=_now(),
                    note=f"{note} (now {status.value})",
                )
                db.add(review)
                db.flush()
                scene = db.get(SceneRow, row.scene_id)
                audience = db.get(AudienceRow, row.audience_id)
                subject = f"variant {row.id} of {scene.key} for {audience.name}"
                write_audit(
                    db,
                    reviewer,
                    ReviewDecision.REOPENED.value,
                    subject,
                    f"{note} (now {status.value})",
                )
                changes.add(Entity.VARIANT, Action.UPDATED, row.id)
                changes.add(Entity.REVIEW, Action.CREATED, review.id)

    def _approved(
        self, db: Session, scene_id: int, audience_id: int, exclude: int | None
    ) -> VariantRow | None:
        return db.exec(
            select(VariantRow).where(
                VariantRow.scene_id == scene_id,
                VariantRow.audience_id == audience_id,
                VariantRow.status == VariantStatus.APPROVED.value,
                VariantRow.id != exclude,
            )
        ).first()

    def _decide(
        self,
        db: Session,
        changes: ChangeCollector,
        row: VariantRow,
        decision: ReviewDecision,
        reviewer: str,
        note: str,
    ) -> None:
        row.status = {
            ReviewDecision.APPROVED: VariantStatus.APPROVED,
            ReviewDecision.REJECTED: VariantStatus.REJECTED,
            ReviewDecision.SUPERSEDED: VariantStatus.SUPERSEDED,
        }[decision].value
        db.add(row)
        db.flush()
        review = ReviewRow(
            variant_id=row.id,
            decision=decision.value,
            reviewer=reviewer,
            decided_at=_now(),
            note=note,
        )
        db.add(review)
        db.flush()
        scene = db.get(SceneRow, row.scene_id)
        audience = db.get(AudienceRow, row.audience_id)
        subject = f"variant {row.id} of {scene.key} for {audience.name}"
        write_audit(db, reviewer, decision.value, subject, note)
        changes.add(Entity.VARIANT, Action.UPDATED, row.id)
        changes.add(Entity.REVIEW, Action.CREATED, review.id)
        logger.info("%s %s %s", reviewer, decision.value, subject)
