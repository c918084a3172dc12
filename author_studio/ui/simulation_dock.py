"""The Simulation panel: run simulated viewers and chart where they go."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from author_studio.services.changes import ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.simulate import (
    DEFAULT_STEP_LIMIT,
    SimulationCancelledError,
    SimulationResult,
    simulate,
)
from author_studio.ui.tasks import Task, TaskCancelledError, run_in_background

logger = logging.getLogger(__name__)

ALL_PERSONAS = "All personas"
SIMULATED_COLOUR = (52, 101, 164)
EXACT_COLOUR = (237, 151, 52)
KEPT_COLOUR = (115, 165, 80)


def _plot(title: str, left: str, bottom: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#333", size="10pt")
    plot.setLabel("left", left, color="#333")
    plot.setLabel("bottom", bottom, color="#333")
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setMenuEnabled(False)
    plot.setMinimumHeight(180)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setTextPen("#333")
        plot.getAxis(axis).setPen("#888")
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


def _table(headers: list[str], stretch: int = 0) -> QTableWidget:
    """Return a read-only table whose column ``stretch`` takes the spare width."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    return table


def _set_row(table: QTableWidget, row: int, cells: list[str]) -> None:
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if text[:1].isdigit():
            item.setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        table.setItem(row, column, item)


def _per_persona(result: SimulationResult, key: str) -> str:
    """Return the share of each persona's viewers who reached ending ``key``."""
    lines = [
        f"{run.name}: {run.endings.get(key, 0) / max(run.viewers, 1):.2%}"
        for run in result.personas
    ]
    return "\n".join(lines)


def _add_legend(plot: pg.PlotWidget, *, top: bool) -> None:
    """Add a legend in the top or bottom right corner, on white so that what lies
    under it stays readable."""
    plot.addLegend(
        offset=(-8, 8 if top else -8),
        brush=(255, 255, 255, 230),
        pen="#bbb",
        labelTextColor="#333",
    )


class SimulationDock(QDockWidget):
    """Runs a simulation of the open story with the chosen viewer count, seed and
    persona, off the GUI thread, and shows the ending distribution (simulated
    beside exact when the story allows it), the retention curve and the runtime
    histogram. "Show heat on canvas" tints scenes by visits per viewer."""

    result_ready = Signal(object)

    def __init__(self, window: Any) -> None:
        super().__init__("Simulation", window)
        self.setObjectName("SimulationDock")
        self.window_ = window
        self.session: ProjectSession | None = None
        self.result: SimulationResult | None = None
        self.task: Task | None = None
        self._titles: dict[str, str] = {}
        self._choice_targets: dict[int, str] = {}
        self._start_title = ""
        self._scene_ids: dict[str, int] = {}
        self._choices: dict[int, tuple[str, int]] = {}
        self._unvisited_rows: list[tuple[int, int | None]] = []
        self._build()
        self._set_running(False)

    # -- layout ------------------------------------------------------------------

    def _build(self) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_settings())
        layout.addLayout(self._build_controls())
        self.summary = QLabel("Run a simulation to see where viewers go.")
        self.summary.setObjectName("simulationSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_endings_tab(), "Endings")
        self.retention_plot = _plot("Viewers by minute", "share of viewers", "minutes")
        _add_legend(self.retention_plot, top=True)
        self.tabs.addTab(self.retention_plot, "Retention")
        self.runtime_plot = _plot(
            "Watch time (viewers who finished and who quit)", "viewers", "minutes"
        )
        self.tabs.addTab(self.runtime_plot, "Runtime")
        self.dropoff_table = _table(["Scene", "Quit here", "Visits per viewer"])
        self.dropoff_table.setObjectName("dropoffTable")
        self.tabs.addTab(self.dropoff_table, "Drop-off")
        self.paths_table = _table(["Share", "Outcome", "Path"], stretch=2)
        self.paths_table.setObjectName("pathsTable")
        self.paths_table.setWordWrap(True)
        self.tabs.addTab(self.paths_table, "Top paths")
        self.unvisited_table = _table(["Never visited", "Kind"])
        self.unvisited_table.setObjectName("unvisitedTable")
        self.unvisited_table.setToolTip("Double-click a row to show it on the canvas")
        self.unvisited_table.cellDoubleClicked.connect(self._jump_to_unvisited)
        self.tabs.addTab(self.unvisited_table, "Coverage")
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)

    def _build_settings(self) -> QFormLayout:
        form = QFormLayout()
        self.viewers = QSpinBox()
        # A run keeps about 30 bytes per viewer, so the panel stops at a million
        # per persona; the simulate command has no such cap.
        self.viewers.setRange(1, 1_000_000)
        self.viewers.setSingleStep(1000)
        self.viewers.setValue(10_000)
        self.viewers.setGroupSeparatorShown(True)
        self.viewers.setToolTip("Simulated viewers per persona")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip("The same seed gives the same result")
        self.persona = QComboBox()
        self.step_limit = QSpinBox()
        self.step_limit.setRange(1, 1_000_000)
        self.step_limit.setValue(DEFAULT_STEP_LIMIT)
        self.step_limit.setToolTip("The maximum number of choices one viewer takes")
        form.addRow("Viewers per persona", self.viewers)
        form.addRow("Seed", self.seed)
        form.addRow("Persona", self.persona)
        form.addRow("Step limit", self.step_limit)
        return form

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runSimulation")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.heat = QCheckBox("Show heat on canvas")
        self.heat.toggled.connect(self._apply_heat)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.heat)
        return row

    def _build_endings_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.endings_plot = _plot("Ending distribution", "", "% of viewers")
        # Endings are sorted by share, so the bottom right is the emptiest corner.
        _add_legend(self.endings_plot, top=False)
        # The first ending at the top, as in the table below.
        self.endings_plot.invertY(True)
        layout.addWidget(self.endings_plot, 1)
        self.table = _table(["Ending", "Simulated", "± 95%", "Exact"])
        self.table.setObjectName("endingsTable")
        self.table.setMinimumHeight(120)
        layout.addWidget(self.table)
        return page

    # -- session -----------------------------------------------------------------

    def set_session(self, session: ProjectSession | None) -> None:
        self.cancel()
        self.session = session
        self.result = None
        self._clear_results()
        self._fill_personas()
        self._set_running(False)

    def apply_notice(self, notice: ChangeNotice | None = None) -> None:
        """Refresh the persona list; results stay until the next run."""
        if notice is not None and not notice.touches(Entity.PERSONA):
            return
        self._fill_personas()

    def _fill_personas(self) -> None:
        current = self.persona.currentText()
        self.persona.clear()
        self.persona.addItem(ALL_PERSONAS)
        if self.session is not None:
            for persona in sorted(self.session.personas.list(), key=lambda p: p.name):
                self.persona.addItem(persona.name)
        index = self.persona.findText(current)
        self.persona.setCurrentIndex(max(index, 0))

    # -- running -----------------------------------------------------------------

    def run(self) -> None:
        """Start a run with the current settings in the background."""
        if self.session is None or (self.task is not None and not self.task.done):
            return
        story = self.session.load_story()
        self._titles = {scene.key: scene.title for scene in story.scenes}
        self._choice_targets = {
            choice.id: story.scene_by_id[choice.target_id].title
            for choice in story.choices
            if choice.target_id in story.scene_by_id
        }
        self._start_title = story.start.title if story.start else ""
        self._scene_ids = {scene.key: scene.id for scene in story.scenes}
        self._choices = {
            choice.id: (choice.label, choice.source_id) for choice in story.choices
        }
        viewers, seed = self.viewers.value(), self.seed.value()
        step_limit = self.step_limit.value()
        persona = self.persona.currentText()
        persona = None if persona == ALL_PERSONAS else persona

        def work(control) -> SimulationResult:
            try:
                return simulate(
                    story,
                    viewers,
                    seed,
                    step_limit=step_limit,
                    persona=persona,
                    progress=lambda done, total: control.progress(done, total),
                    cancel=lambda: control.cancelled,
                )
            except SimulationCancelledError:
                raise TaskCancelledError from None

        self.progress.setValue(0)
        self.summary.setText("Simulating…")
        self.task = run_in_background("Simulate viewers", work, self)
        self.task.progressed.connect(self._progressed)
        self.task.succeeded.connect(self._show)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.task.finished.connect(lambda: self._set_running(False))
        self._set_running(True)

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and self.session is not None)
        self.cancel_button.setEnabled(running)
        for widget in (self.viewers, self.seed, self.persona, self.step_limit):
            widget.setEnabled(not running)
        self.heat.setEnabled(self.result is not None)

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _failed(self, error: Exception) -> None:
        logger.error("Simulation failed: %s", error)
        self.summary.setText(f"The simulation failed: {error}")

    def _cancelled(self) -> None:
        self.progress.setValue(0)
        self.summary.setText("The simulation was cancelled; no results were kept.")

    # -- results -----------------------------------------------------------------

    def _show(self, result: SimulationResult) -> None:
        self.result = result
        self.progress.setValue(self.progress.maximum())
        self._show_summary(result)
        self._show_endings(result)
        self._show_retention(result)
        self._show_runtime(result)
        self._show_dropoff(result)
        self._show_paths(result)
        self._show_unvisited(result)
        self.heat.setEnabled(True)
        self._apply_heat(self.heat.isChecked())
        self.result_ready.emit(result)

    def _show_summary(self, result: SimulationResult) -> None:
        runtime = result.runtime_summary()
        stuck = sum(run.stuck for run in result.personas) / result.viewers
        lines = [
            f"{result.viewers:,} viewers, seed {result.seed}, "
            f"{result.elapsed_s:.2f} s. Dropped {result.dropped_share:.1%}"
            + (f", stuck {stuck:.1%}" if stuck else "")
            + ".",
            f"Coverage: {result.coverage:.0%} of scenes, "
            f"{result.choice_coverage:.0%} of choices. Runtime: mean "
            f"{runtime['mean'] / 60:.1f} min, median {runtime['p50'] / 60:.1f} min, "
            f"90% within {runtime['p90'] / 60:.1f} min.",
        ]
        if result.exact is None:
            lines += result.notes[:1]
        self.summary.setText("\n".join(lines))

    def _show_endings(self, result: SimulationResult) -> None:
        shares = result.ending_shares()
        exact = result.exact.endings if result.exact else {}
        # Most frequent ending first; ties by key so the order is stable.
        keys = sorted(set(shares) | set(exact), key=lambda k: (-shares.get(k, 0.0), k))
        self.table.setRowCount(len(keys))
        for row, key in enumerate(keys):
            share = shares.get(key, 0.0)
            margin = 1.96 * math.sqrt(share * (1 - share) / result.viewers)
            cells = [
                self._titles.get(key, key),
                f"{share:.2%}",
                f"{margin:.2%}",
                f"{exact[key]:.2%}" if key in exact else "—",
            ]
            _set_row(self.table, row, cells)
            self.table.item(row, 0).setToolTip(f"Scene key: {key}")
            self.table.item(row, 1).setToolTip(_per_persona(result, key))
        plot = self.endings_plot
        plot.clear()
        positions = np.arange(len(keys), dtype=float)
        height = 0.38 if exact else 0.7
        simulated = [100 * shares.get(k, 0.0) for k in keys]
        plot.addItem(
            pg.BarGraphItem(
                x0=0,
                y=positions - (height / 2 if exact else 0),
                height=height,
                width=simulated,
                brush=SIMULATED_COLOUR,
                pen=None,
                name="simulated",
            )
        )
        if exact:
            plot.addItem(
                pg.BarGraphItem(
                    x0=0,
                    y=positions + height / 2,
                    height=height,
                    width=[100 * exact.get(k, 0.0) for k in keys],
                    brush=EXACT_COLOUR,
                    pen=None,
                    name="exact",
                )
            )
        labels = [self._titles.get(key, key) for key in keys]
        plot.getAxis("left").setTicks([list(enumerate(labels))])
        top = max([*simulated, *(100 * v for v in exact.values()), 5.0])
        # Room on the right for the legend.
        plot.setXRange(0, top * 1.5)
        plot.setYRange(-0.6, max(len(keys) - 0.4, 0.6))

    def _show_retention(self, result: SimulationResult) -> None:
        minutes, watching, kept = result.retention()
        plot = self.retention_plot
        plot.clear()
        plot.plot(
            minutes, kept, pen=pg.mkPen(KEPT_COLOUR, width=2), name="have not quit"
        )
        plot.plot(
            minutes,
            watching,
            pen=pg.mkPen(SIMULATED_COLOUR, width=2),
            name="still watching",
        )
        plot.setYRange(0, 1.02)

    def _show_runtime(self, result: SimulationResult) -> None:
        counts, edges = result.runtime_histogram()
        plot = self.runtime_plot
        plot.clear()
        plot.plot(
            edges / 60.0,
            counts,
            stepMode="center",
            fillLevel=0,
            brush=(*SIMULATED_COLOUR, 160),
            pen=pg.mkPen(SIMULATED_COLOUR),
        )

    def _show_dropoff(self, result: SimulationResult) -> None:
        visits = dict(zip(result.scene_keys, result.scene_visits.tolist(), strict=True))
        quits = result.dropped_in()
        self.dropoff_table.setRowCount(len(quits))
        for row, (key, share) in enumerate(quits.items()):
            cells = [
                self._titles.get(key, key),
                f"{share:.2%}",
                f"{visits.get(key, 0) / result.viewers:.2f}",
            ]
            _set_row(self.dropoff_table, row, cells)

    def _show_paths(self, result: SimulationResult) -> None:
        self.paths_table.setRowCount(len(result.top_paths))
        for row, path in enumerate(result.top_paths):
            if path.choice_ids is None:
                walk = "(not recorded)"
            else:
                steps = [self._start_title]
                steps += [
                    self._choice_targets.get(c, f"choice {c}") for c in path.choice_ids
                ]
                walk = " → ".join(steps)
            outcome = {
                "ENDED": "finished",
                "DROPPED": "quit in",
                "STUCK": "stuck in",
                "STEP_LIMIT": "step limit in",
            }[path.outcome.name]
            last = self._titles.get(path.last_scene, path.last_scene)
            cells = [f"{path.count / result.viewers:.2%}", f"{outcome} {last}", walk]
            _set_row(self.paths_table, row, cells)
            self.paths_table.item(row, 2).setToolTip(walk)
        self.paths_table.resizeRowsToContents()

    def _show_unvisited(self, result: SimulationResult) -> None:
        rows: list[tuple[list[str], tuple[int, int | None]]] = []
        for key in result.unvisited_scenes:
            rows.append(
                ([self._titles.get(key, key), "scene"], (self._scene_ids[key], None))
            )
        for choice_id in result.untaken_choices:
            label, source = self._choices.get(choice_id, (f"choice {choice_id}", -1))
            rows.append(([label, "choice"], (source, choice_id)))
        self.unvisited_table.setRowCount(len(rows))
        self._unvisited_rows = [target for _, target in rows]
        for row, (cells, _) in enumerate(rows):
            _set_row(self.unvisited_table, row, cells)

    def _jump_to_unvisited(self, row: int, column: int) -> None:
        canvas = getattr(self.window_, "canvas", None)
        if canvas is None or not 0 <= row < len(self._unvisited_rows):
            return
        scene_id, choice_id = self._unvisited_rows[row]
        if scene_id < 0:
            return
        canvas.highlight({scene_id}, {choice_id} if choice_id is not None else set())
        canvas.center_on_scene(scene_id)

    def _clear_results(self) -> None:
        self.table.setRowCount(0)
        self.unvisited_table.setRowCount(0)
        self.dropoff_table.setRowCount(0)
        self.paths_table.setRowCount(0)
        for plot in (self.endings_plot, self.retention_plot, self.runtime_plot):
            plot.clear()
        self.summary.setText(
            "Run a simulation to see where viewers go."
            if self.session is not None
            else "No project open"
        )
        self.progress.setValue(0)
        if self.heat.isChecked():
            self.heat.setChecked(False)
        else:
            self._apply_heat(False)

    def _apply_heat(self, enabled: bool) -> None:
        canvas = getattr(self.window_, "canvas", None)
        if canvas is None:
            return
        if enabled and self.result is not None:
            canvas.set_heat(self.result.visit_shares())
        else:
            canvas.set_heat(None)
