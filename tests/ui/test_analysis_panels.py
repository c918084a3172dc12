"""The Problems and Simulation panels inside the real main window."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from author_studio.ui.tasks import wait_for_all

SAMPLE = (
    Path(__file__).resolve().parents[2] / "sample_projects" / "night_ferry.authorstudio"
)


@pytest.fixture
def window(qtbot, tmp_path):
    from author_studio.ui.main_window import MainWindow
    from author_studio.ui.problems_dock import ProblemsDock
    from author_studio.ui.simulation_dock import SimulationDock

    if not SAMPLE.exists():
        pytest.skip(f"the sample project {SAMPLE} is not present")
    copy = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, copy)
    window = MainWindow()
    qtbot.addWidget(window)
    window.problems = ProblemsDock(window)
    window.simulation = SimulationDock(window)
    window.add_panel(window.problems, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.add_panel(window.simulation, Qt.DockWidgetArea.RightDockWidgetArea)
    with qtbot.waitSignal(window.problems.linted, timeout=10_000):
        assert window.open_project(copy)
    yield window
    wait_for_all()
    window.close_project()


def test_problems_jump_marks_card(qtbot, window) -> None:
    problems = window.problems
    assert problems.tree.topLevelItemCount() > 0
    item = problems.tree.topLevelItem(0)
    finding = problems.findings[0]
    problems.tree.itemDoubleClicked.emit(item, 0)
    assert window.canvas.graph.cards[finding.scene_id].marked


def test_heat_reaches_canvas_cards(qtbot, window) -> None:
    simulation = window.simulation
    simulation.viewers.setValue(500)
    with qtbot.waitSignal(simulation.result_ready, timeout=20_000):
        simulation.run_button.click()
    simulation.heat.setChecked(True)
    start = window.session.scenes.start()
    assert window.canvas.graph.cards[start.id].heat == 1.0
    simulation.heat.setChecked(False)
    assert window.canvas.graph.cards[start.id].heat is None


def test_closing_project_clears_panels(qtbot, window) -> None:
    window.close_project()
    assert window.problems.tree.topLevelItemCount() == 0
    assert not window.simulation.run_button.isEnabled()
