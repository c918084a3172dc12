"""Every panel and dialog is reachable from the main window's menus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from author_studio.ui.main_window import MainWindow

SAMPLE = (
    Path(__file__).resolve().parents[2] / "sample_projects" / "night_ferry.authorstudio"
)


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    yield window
    window.close_project()


def texts(menu) -> list[str]:
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def test_file_menu_order(window) -> None:
    entries = texts(window.actions.file_menu)
    assert entries.index("&Import Story…") == entries.index("&Open…") + 1
    assert entries.index("&Export…") == entries.index("Save &As…") + 1


def test_export_needs_a_project(window, tmp_path) -> None:
    assert not window.export_action.isEnabled()
    copy = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, copy)
    assert window.open_project(copy)
    assert window.export_action.isEnabled()


def test_story_menu_entries(window) -> None:
    entries = texts(window.actions.story_menu)
    for entry in ("&Play from Start", "Play from &Here", "&Check Story"):
        assert entry in entries
    assert "Simulate &Viewers" in entries


def test_panels_menu_lists_every_dock(window) -> None:
    entries = texts(window.actions.panels_menu)
    for title in ("Problems", "Simulation", "Play", "Viewer paths", "Review"):
        assert any(title in entry for entry in entries), (title, entries)


def test_panels_get_the_project(window, tmp_path) -> None:
    copy = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, copy)
    assert window.open_project(copy)
    panels = window.panels
    assert panels.play.session is window.session
    assert panels.simulation.session is window.session
