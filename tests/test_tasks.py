"""Background tasks deliver their signals in the GUI thread."""

from __future__ import annotations

import threading
import time

from author_studio.ui.tasks import run_in_background, wait_for_all


def test_result_of_fast_job_is_not_lost(qtbot) -> None:
    task = run_in_background("instant", lambda control: 42)
    # The job has ended before anything is connected to the task's signals.
    time.sleep(0.2)
    results = []
    finished = []
    task.succeeded.connect(results.append)
    task.finished.connect(lambda: finished.append(True))
    qtbot.waitUntil(lambda: finished == [True], timeout=5000)
    assert results == [42]
    assert task.done


def test_signals_arrive_in_gui_thread(qtbot) -> None:
    threads = []

    def work(control):
        control.progress(1, 2, "half")
        return threading.current_thread()

    task = run_in_background("progress", work)
    task.progressed.connect(lambda *args: threads.append(threading.current_thread()))
    worker = []
    task.succeeded.connect(worker.append)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert threads == [threading.main_thread()]
    assert worker[0] is not threading.main_thread()


def test_cancelled_job_reports_cancelled(qtbot) -> None:
    started = threading.Event()

    def work(control):
        started.set()
        while True:
            control.raise_if_cancelled()
            time.sleep(0.01)

    task = run_in_background("endless", work)
    outcomes = []
    task.cancelled.connect(lambda: outcomes.append("cancelled"))
    task.succeeded.connect(lambda _: outcomes.append("succeeded"))
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert outcomes == ["cancelled"]
    wait_for_all()
