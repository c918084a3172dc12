"""The Problems and Simulation panels, driven through a small stand-in window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow

from author_studio.domain.model import (
    Audience,
    Choice,
    Persona,
    Scene,
    SceneKind,
)
from author_studio.services.session import ProjectSession
from author_studio.ui.problems_dock import ProblemsDock
from author_studio.ui.simulation_dock import ALL_PERSONAS, SimulationDock
from author_studio.ui.tasks import wait_for_all


class FakeCanvas:
    """Records the canvas calls the panels make."""

    def __init__(self) -> None:
        self.centred: list[int] = []
        self.highlights: list[tuple[set[int], set[int]]] = []
        self.heat: list[dict[int, float] | None] = []

    def center_on_scene(self, scene_id: int) -> None:
        self.centred.append(scene_id)

    def highlight(self, scene_ids: set[int], choice_ids: set[int]) -> None:
        self.highlights.append((scene_ids, choice_ids))

    def set_heat(self, shares: dict[int, float] | None) -> None:
        self.heat.append(shares)


class FakeWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.canvas = FakeCanvas()


@pytest.fixture
def window(qtbot):
    window = FakeWindow()
    qtbot.addWidget(window)
    yield window
    wait_for_all()


@pytest.fixture
def session(tmp_path):
    session = ProjectSession.create(tmp_path / "ferry.authorstudio", "Ferry")
    start = session.scenes.start()
    deck = session.scenes.create(Scene(key="deck", title="Deck"))
    session.scenes.create(Scene(key="cabin", title="Cabin"))
    harbour = session.scenes.create(
        Scene(key="harbour", title="Harbour", kind=SceneKind.ENDING)
    )
    sea = session.scenes.create(
        Scene(key="sea", title="Open Sea", kind=SceneKind.ENDING)
    )
    session.choices.create(Choice(start.id, deck.id, "Go up"))
    session.choices.create(Choice(deck.id, harbour.id, "Stay"))
    session.choices.create(Choice(deck.id, sea.id, "Jump", tags=["risk"]))
    audience = session.audiences.create(Audience("Adults"))
    session.personas.create(Persona("Daredevil", audience.id, {"risk": 2.0}))
    session.personas.create(Persona("Careful", audience.id, {"risk": -2.0}))
    yield session
    session.close()


def test_problems_dock_lists_findings(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    codes = [
        dock.tree.topLevelItem(i).text(0) for i in range(dock.tree.topLevelItemCount())
    ]
    assert codes == ["dead-end", "unreachable-scene"]
    assert dock.tree.topLevelItem(0).text(1) == "Cabin"
    assert dock.summary.text() == "1 error(s), 1 warning(s), 0 note(s)"


def test_problems_dock_jumps_to_scene(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    cabin = session.scenes.by_key("cabin")
    item = dock.tree.topLevelItem(0)
    dock.tree.itemDoubleClicked.emit(item, 0)
    assert window.canvas.centred == [cabin.id]
    assert window.canvas.highlights == [({cabin.id}, set())]


def test_problems_dock_relints_after_edit(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    cabin = session.scenes.by_key("cabin")
    start = session.scenes.start()
    harbour = session.scenes.by_key("harbour")
    session.choices.create(Choice(start.id, cabin.id, "Hide"))
    session.choices.create(Choice(cabin.id, harbour.id, "Wait"))
    try:
        qtbot.waitUntil(lambda: not dock.findings, timeout=5000)
    except Exception:
        print(
            "STATE",
            dock._task.done,
            dock._pending,
            dock._timer.isActive(),
            dock.summary.text(),
            session._subscribers,
            dock.session is session,
        )
        raise
    assert dock.summary.text() == "No problems found"


def test_problems_dock_filter(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    dock.filter.setCurrentIndex(1)
    assert dock.tree.topLevelItemCount() == 1
    dock.set_session(None)
    assert dock.tree.topLevelItemCount() == 0
    assert dock.summary.text() == "No project open"


def run_simulation(qtbot, dock: SimulationDock) -> None:
    with qtbot.waitSignal(dock.result_ready, timeout=20_000):
        dock.run_button.click()
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=5000)


def test_simulation_dock_runs_and_shows_results(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    assert [dock.persona.itemText(i) for i in range(dock.persona.count())] == [
        ALL_PERSONAS,
        "Careful",
        "Daredevil",
    ]
    dock.viewers.setValue(3000)
    dock.seed.setValue(9)
    run_simulation(qtbot, dock)
    result = dock.result
    assert result.viewers == 6000
    assert result.seed == 9
    rows = {dock.table.item(r, 0).text(): r for r in range(dock.table.rowCount())}
    assert set(rows) == {"Harbour", "Open Sea"}
    row = rows["Open Sea"]
    assert dock.table.item(row, 1).text() == f"{result.ending_shares()['sea']:.2%}"
    assert dock.table.item(row, 3).text() == f"{result.exact.endings['sea']:.2%}"
    assert "6,000 viewers, seed 9" in dock.summary.text()
    assert dock.dropoff_table.rowCount() == len(result.dropped_in())
    assert dock.paths_table.rowCount() == len(result.top_paths)
    first = result.top_paths[0]
    expected_outcome = "finished" if first.outcome.name == "ENDED" else "quit in"
    assert dock.paths_table.item(0, 1).text().startswith(expected_outcome)
    assert dock.progress.value() == dock.progress.maximum()


def test_simulation_dock_single_persona(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    dock.viewers.setValue(500)
    dock.persona.setCurrentText("Daredevil")
    run_simulation(qtbot, dock)
    assert [run.name for run in dock.result.personas] == ["Daredevil"]


def test_simulation_dock_heat_toggle(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    assert not dock.heat.isEnabled()
    dock.viewers.setValue(500)
    run_simulation(qtbot, dock)
    dock.heat.setChecked(True)
    shares = window.canvas.heat[-1]
    start = session.scenes.start()
    cabin = session.scenes.by_key("cabin")
    assert shares[start.id] == 1.0
    assert shares[cabin.id] == 0.0
    dock.heat.setChecked(False)
    assert window.canvas.heat[-1] is None


def test_simulation_dock_cancel(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    dock.viewers.setValue(1_000_000)
    dock.run()
    assert dock.cancel_button.isEnabled()
    with qtbot.waitSignal(dock.task.cancelled, timeout=20_000):
        dock.cancel()
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=5000)
    assert dock.result is None
    assert "cancelled" in dock.summary.text()


def test_simulation_dock_top_path_names_scenes(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    dock.viewers.setValue(2000)
    dock.persona.setCurrentText("Careful")
    run_simulation(qtbot, dock)
    texts = [
        dock.paths_table.item(r, 2).text() for r in range(dock.paths_table.rowCount())
    ]
    assert "Opening → Deck → Harbour" in texts


def test_problems_dock_reports_paths(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    # Opening, Deck, then Harbour or Open Sea: 60 s each by default.
    assert dock.paths_label.text() == (
        "Paths: 2 from the start to an ending; 3.0 to 3.0 min; 1 to 1 choice points "
        "per path."
    )


def test_simulation_dock_persona_breakdown(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    dock.viewers.setValue(1000)
    run_simulation(qtbot, dock)
    tip = dock.table.item(0, 1).toolTip()
    assert "Careful: " in tip
    assert "Daredevil: " in tip


def test_simulation_dock_lists_unvisited(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    dock.viewers.setValue(200)
    run_simulation(qtbot, dock)
    rows = [
        (dock.unvisited_table.item(r, 0).text(), dock.unvisited_table.item(r, 1).text())
        for r in range(dock.unvisited_table.rowCount())
    ]
    assert rows == [("Cabin", "scene")]
    dock.unvisited_table.cellDoubleClicked.emit(0, 0)
    cabin = session.scenes.by_key("cabin")
    assert window.canvas.centred == [cabin.id]


def test_problems_dock_ignores_layout_moves(qtbot, window, session) -> None:
    dock = ProblemsDock(window)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.linted, timeout=5000):
        dock.set_session(session)
    session.scenes.move({session.scenes.start().id: (40.0, 80.0)})
    assert not dock._timer.isActive()
    session.scenes.update(session.scenes.start().id, title="Boarding")
    assert dock._timer.isActive()


def test_simulation_dock_follows_persona_edits(qtbot, window, session) -> None:
    dock = SimulationDock(window)
    qtbot.addWidget(dock)
    dock.set_session(session)
    # The main window forwards every change notice to its panels.
    session.subscribe(dock.apply_notice)
    audience = session.audiences.list()[0]
    session.personas.create(Persona("Night owl", audience.id))
    names = [dock.persona.itemText(i) for i in range(dock.persona.count())]
    assert "Night owl" in names
