"""Review decisions as undo commands.

A decision runs once when applied. Undo puts every variant of the scene and
audience back into its status from before (writing ``reopened`` reviews, so the
audit log shows the undo) and removes an edited copy the decision made. Redo
makes the same decision again, so it is audited like the first time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from author_studio.domain.errors import DomainError
from author_studio.domain.model import Variant, VariantStatus
from author_studio.services.session import ProjectSession

logger = logging.getLogger(__name__)

Decision = Callable[[ProjectSession], Variant]


class ReviewDecisionCommand(QUndoCommand):
    """One approve, reject or edit-and-approve of one variant.

    ``decide`` makes the decision and returns the variant it approved or
    rejected (for edit-and-approve, the new edited copy). ``on_error`` gets the
    message when an undo or redo fails, for example because the variant was
    deleted in the meantime.
    """

    def __init__(
        self,
        session: ProjectSession,
        text: str,
        variant: Variant,
        decide: Decision,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(text)
        self._session = session
        self._variant = variant
        self._decide = decide
        self._on_error = on_error
        self._before: dict[int, VariantStatus] = {}
        self._created: list[int] = []
        self._first = True
        self.result: Variant | None = None

    def apply(self) -> Variant:
        """Make the decision for the first time; raises DomainError when the
        service rejects it, and then nothing is pushed or changed."""
        self._run()
        return self.result

    def _run(self) -> None:
        siblings = self._session.variants.for_scene(
            self._variant.scene_id, self._variant.audience_id
        )
        self._before = {v.id: v.status for v in siblings}
        self.result = self._decide(self._session)
        self._created = [self.result.id] if self.result.id not in self._before else []

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._guarded("Redo", self._run)

    def undo(self) -> None:
        def step() -> None:
            self._session.variants.restore(
                self._before,
                self._session.actor,
                f"undo of {self.text().lower()}",
                remove=self._created,
            )

        self._guarded("Undo", step)

    def _guarded(self, verb: str, step: Callable[[], None]) -> None:
        try:
            step()
        except DomainError as error:
            logger.warning("%s of %r failed: %s", verb, self.text(), error)
            if self._on_error is not None:
                self._on_error(f"{verb} of {self.text()} failed: {error}")
