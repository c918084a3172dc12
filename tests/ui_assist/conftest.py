"""Fixtures of the assistant's GUI tests: a small main window double and the
loopback server and project of the assistant tests."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMainWindow

from author_studio.ui.assist_controller import AssistController
from author_studio.ui.assist_settings import SettingsStore
from author_studio.ui.tasks import wait_for_all
from tests.assist.conftest import (  # noqa: F401 - fixtures, used by name
    TEST_KEY,
    project,
    server,
    settings,
)


class FakeWindow(QMainWindow):
    """The parts of the main window the assistant panels use."""

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.undo_stack = QUndoStack(self)
        self.panels = []

    def add_panel(self, dock, area) -> None:
        self.addDockWidget(area, dock)
        self.panels.append(dock)


@pytest.fixture
def controller(tmp_path, request):
    """A controller on the loopback server, with settings in a temporary file."""
    store = SettingsStore(
        QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat), {}
    )
    controller = AssistController(store)
    controller.apply(request.getfixturevalue("settings"))
    yield controller
    controller.close()


@pytest.fixture
def window(qtbot, request):
    main = FakeWindow(request.getfixturevalue("project"))
    qtbot.addWidget(main)
    yield main
    wait_for_all(10_000)
