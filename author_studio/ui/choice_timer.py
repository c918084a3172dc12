"""The countdown of a choice window, in scaled wall-clock time."""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

logger = logging.getLogger(__name__)

TICK_MS = 40


class ChoiceTimer(QObject):
    """Counts a choice window down at ``speed`` times real time.

    A speed of 0 stops the countdown (timer off). Elapsed time is measured with a
    monotonic clock between ticks, so a late tick does not slow the countdown.
    ``ticked`` is emitted on every tick and ``ran_out`` once when the window
    reaches 0.
    """

    ticked = Signal()
    ran_out = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window_s: float | None = None
        self.remaining_s: float | None = None
        self.speed = 1.0
        self.paused = False
        self.suspended = False
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def share_left(self) -> float:
        """The part of the window still left, from 1 down to 0."""
        if not self.window_s or self.remaining_s is None:
            return 0.0
        return max(0.0, self.remaining_s / self.window_s)

    def set_window(self, window_s: float | None) -> None:
        """Start counting down ``window_s`` seconds, or stop with None."""
        self.window_s = window_s
        self.remaining_s = window_s
        self._clock.restart()
        self._update()

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        self._update()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._update()

    def set_suspended(self, suspended: bool) -> None:
        """Hold the countdown while the view is hidden, apart from a pause."""
        self.suspended = suspended
        self._update()

    def _update(self) -> None:
        wanted = (
            self.remaining_s is not None
            and self.speed > 0
            and not self.paused
            and not self.suspended
        )
        if wanted and not self._timer.isActive():
            self._clock.restart()
            self._timer.start()
        elif not wanted:
            self._timer.stop()

    def _tick(self) -> None:
        if self.remaining_s is None:
            self._timer.stop()
            return
        self.remaining_s -= self._clock.restart() / 1000.0 * self.speed
        if self.remaining_s <= 0:
            self._timer.stop()
            self.remaining_s = 0.0
            self.ran_out.emit()
            return
        self.ticked.emit()
