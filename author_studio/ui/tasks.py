"""Run long work off the GUI thread and get its result back on the GUI thread.

Every background job (AI requests, simulation runs, imports) goes through
:func:`run_in_background`. The callable runs in Qt's global thread pool. Its result,
its exception and its progress reports arrive as signals of a :class:`Task` object
that lives in the GUI thread. Slots connected to them therefore run there, and
``qtbot.waitSignal`` on them is safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)

# Tasks stay referenced here until they finish, so a caller that drops its
# reference does not lose the signals still queued for it.
_LIVE_TASKS: set[Task] = set()


class TaskCancelledError(Exception):
    """Raised inside a task's callable when it sees that cancel was requested."""


class TaskControl:
    """What the callable gets: a cancel flag to poll and a progress reporter."""

    def __init__(self, task: Task) -> None:
        self._task = task
        self.cancel_event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def raise_if_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise TaskCancelledError

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._task.worker_progressed.emit(done, total, message)

    def report(self, payload: object) -> None:
        """Send an intermediate result (one finished request of a batch)."""
        self._task.worker_reported.emit(payload)


class Task(QObject):
    """Signals of one background job. Create it in the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progressed = Signal(int, int, str)
    reported = Signal(object)
    # Sent after exactly one of succeeded, failed or cancelled.
    finished = Signal()

    # The worker emits these. Qt picks the receivers of a signal when it is
    # emitted, so a job that ends before the caller has connected to the public
    # signals would lose its result. These are connected to the public signals
    # before the job starts. Their queued delivery re-emits the public signal in
    # the GUI thread, and by then the caller has connected.
    worker_succeeded = Signal(object)
    worker_failed = Signal(object)
    worker_cancelled = Signal()
    worker_progressed = Signal(int, int, str)
    worker_reported = Signal(object)
    worker_finished = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.control = TaskControl(self)
        self.done = False
        self.worker_succeeded.connect(self.succeeded)
        self.worker_failed.connect(self.failed)
        self.worker_cancelled.connect(self.cancelled)
        self.worker_progressed.connect(self.progressed)
        self.worker_reported.connect(self.reported)
        self.worker_finished.connect(self.finished)
        self.finished.connect(self._mark_done)

    def cancel(self) -> None:
        self.control.cancel_event.set()

    def _mark_done(self) -> None:
        self.done = True
        _LIVE_TASKS.discard(self)


class _Runnable(QRunnable):
    def __init__(self, task: Task, function: Callable[[TaskControl], Any]) -> None:
        super().__init__()
        self._task = task
        self._function = function
        self.setAutoDelete(True)

    def run(self) -> None:
        task = self._task
        try:
            result = self._function(task.control)
        except TaskCancelledError:
            task.worker_cancelled.emit()
        except Exception as error:
            logger.exception("Background task %r failed", task.name)
            task.worker_failed.emit(error)
        else:
            if task.control.cancelled:
                task.worker_cancelled.emit()
            else:
                task.worker_succeeded.emit(result)
        task.worker_finished.emit()


def run_in_background(
    name: str,
    function: Callable[[TaskControl], Any],
    parent: QObject | None = None,
    pool: QThreadPool | None = None,
) -> Task:
    """Start ``function(control)`` in a worker thread and return its Task.

    Connect to the task's signals right after this call: the signals are queued
    into the GUI thread, so none is delivered before control returns to the event
    loop.
    """
    task = Task(name, parent)
    _LIVE_TASKS.add(task)
    (pool or QThreadPool.globalInstance()).start(_Runnable(task, function))
    return task


def wait_for_all(timeout_ms: int = 10_000) -> bool:
    """Wait for every job of the global pool; for application shutdown and tests."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
