"""One running batch of drafting requests, independent of the dialog that
started it.

The worker thread only fetches. Each fetched result is stored here, in the GUI
thread, as its report arrives, so change notices reach the panels in the GUI
thread and results keep being stored after the draft dialog is closed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from author_studio.assist.service import (
    AssistService,
    DraftJob,
    DraftOutcome,
    Fetched,
    JobState,
    JobUpdate,
    final_update,
)
from author_studio.ui.tasks import Task, TaskControl, run_in_background

logger = logging.getLogger(__name__)


class DraftRun(QObject):
    """Fetch ``jobs`` in the background and store each result on arrival.

    ``updated`` carries every :class:`JobUpdate` (progress, then the final state
    once stored); ``finished`` carries the list of stored outcomes.
    """

    updated = Signal(object)
    finished = Signal(list)

    def __init__(
        self,
        service: AssistService,
        jobs: list[DraftJob],
        fresh: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.jobs = jobs
        self.outcomes: list[DraftOutcome] = []

        def run(control: TaskControl) -> int:
            service.fetch_batch(
                jobs,
                fresh=fresh,
                cancel_event=control.cancel_event,
                on_update=control.report,
                on_fetched=lambda index, fetched: control.report((index, fetched)),
            )
            return len(jobs)

        self.task: Task = run_in_background("Draft variants", run, self)
        self.task.reported.connect(self._on_report)
        self.task.failed.connect(self._on_failed)
        self.task.finished.connect(self._on_finished)

    @property
    def done(self) -> bool:
        return self.task.done

    def cancel(self) -> None:
        self.task.cancel()

    def _on_report(self, payload: object) -> None:
        if isinstance(payload, JobUpdate):
            self.updated.emit(payload)
            return
        index, fetched = payload
        assert isinstance(fetched, Fetched)
        try:
            outcome = self.service.store(fetched)
        except Exception as error:
            # The project may have been closed while requests were running.
            logger.exception("Storing the drafts of job %d failed", index)
            outcome = DraftOutcome(
                fetched.job, JobState.FAILED, error=f"Storing failed: {error}"
            )
        self.outcomes.append(outcome)
        self.updated.emit(final_update(index, outcome))

    def _on_failed(self, error: object) -> None:
        logger.error("The drafting batch failed: %s", error)

    def _on_finished(self) -> None:
        self.finished.emit(list(self.outcomes))
