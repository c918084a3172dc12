"""The viewer paths dock: step through simulated viewers' paths on the canvas and
compare where two audiences go.

Simulations run off the GUI thread through :func:`~author_studio.ui.tasks.
run_in_background`. A sampled path (one viewer, one seed) is computed in place,
with a sampler built once per persona.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.story import Story
from author_studio.preview.compare import AudienceComparison, compare_audiences
from author_studio.preview.engine import scene_text
from author_studio.preview.sampler import (
    PathReason,
    PathSampler,
    ViewerPath,
    explain_top_path,
    persona_top_paths,
)
from author_studio.services.changes import ChangeNotice
from author_studio.services.session import ProjectSession
from author_studio.simulate.results import SimulationResult
from author_studio.ui.play_widgets import (
    ACCENT,
    DANGER,
    INK,
    MUTED,
    WARNING,
    NoticeRelay,
    heading_font,
)
from author_studio.ui.screenplay import ScreenplayView
from author_studio.ui.tasks import Task, run_in_background

logger = logging.getLogger(__name__)

DEFAULT_VIEWERS = 5000
_REASON_STYLE = {
    PathReason.CHOSEN: ("Chose", ACCENT),
    PathReason.TIMED_OUT: ("Timer ran out", WARNING),
    PathReason.DROPPED: ("Dropped off", DANGER),
    PathReason.ENDED: ("Ending", INK),
    PathReason.STUCK: ("Stuck", DANGER),
    PathReason.STEP_LIMIT: ("Step limit", MUTED),
}


class PathDock(QDockWidget):
    """Simulated viewer paths and audience comparison. ``window`` supplies
    ``canvas`` (which may be None)."""

    step_shown = Signal(int, int)
    # A journey of the path on screen, for the play dock's play_journey.
    watch_requested = Signal(object)

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__("Viewer paths", parent if parent is not None else window)
        self.setObjectName("pathDock")
        self._window = window
        self.session: ProjectSession | None = None
        self.story: Story | None = None
        self.paths: list[ViewerPath] = []
        self.current_path: ViewerPath | None = None
        self.step_index = 0
        self.comparison: AudienceComparison | None = None
        self.task: Task | None = None
        self._unsubscribe = None
        self._samplers: dict[int, PathSampler] = {}
        self._relay = NoticeRelay(self)
        self._relay.received.connect(self._on_changed)
        tabs = QTabWidget()
        tabs.addTab(self._build_paths_tab(), "Paths")
        tabs.addTab(self._build_compare_tab(), "Compare audiences")
        self.tabs = tabs
        self.setWidget(tabs)
        self._update_buttons()

    # Building.

    def _build_paths_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.persona_combo = QComboBox()
        self.persona_combo.setObjectName("personaCombo")
        self.viewers_spin = _spin(10, 1_000_000, DEFAULT_VIEWERS, "viewersSpin")
        self.seed_spin = _spin(0, 2_000_000_000, 1, "seedSpin")
        form.addRow("Persona", self.persona_combo)
        row = QHBoxLayout()
        row.addWidget(QLabel("Viewers"))
        row.addWidget(self.viewers_spin)
        row.addWidget(QLabel("Seed"))
        row.addWidget(self.seed_spin)
        form.addRow(row)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.run_button = QPushButton("Simulate top paths")
        self.run_button.setObjectName("runPathsButton")
        self.run_button.clicked.connect(self.run_top_paths)
        self.sample_button = QPushButton("Sample one viewer")
        self.sample_button.setObjectName("samplePathButton")
        self.sample_button.setToolTip("Walk one viewer of this persona with the seed")
        self.sample_button.clicked.connect(lambda: self.sample())
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.sample_button)
        layout.addLayout(buttons)

        self.status_label = QLabel("")
        self.status_label.setObjectName("pathStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet(f"color: {MUTED};")
        layout.addWidget(self.status_label)

        self.paths_list = QListWidget()
        self.paths_list.setObjectName("pathsList")
        self.paths_list.setWordWrap(True)
        self.paths_list.currentRowChanged.connect(self._on_path_picked)
        layout.addWidget(self.paths_list, 1)
        layout.addLayout(self._build_stepper())
        return page

    def _build_stepper(self) -> QVBoxLayout:
        layout = QVBoxLayout()
        row = QHBoxLayout()
        self.previous_button = QPushButton("◀ Previous")
        self.previous_button.setObjectName("previousStepButton")
        self.previous_button.clicked.connect(self.previous_step)
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("nextStepButton")
        self.next_button.clicked.connect(self.next_step)
        self.step_label = QLabel("")
        self.step_label.setObjectName("stepLabel")
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.previous_button)
        row.addWidget(self.step_label, 1)
        row.addWidget(self.next_button)
        layout.addLayout(row)
        self.watch_button = QPushButton("Watch in the play dock")
        self.watch_button.setObjectName("watchPathButton")
        self.watch_button.setToolTip(
            "Play this viewer's path in the play dock, with their audience's text"
        )
        self.watch_button.clicked.connect(self.watch)
        layout.addWidget(self.watch_button)

        self.scene_label = QLabel("")
        self.scene_label.setObjectName("pathSceneTitle")
        self.scene_label.setFont(heading_font(14))
        layout.addWidget(self.scene_label)
        self.reason_label = QLabel("")
        self.reason_label.setObjectName("reasonLabel")
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label)

        self.text_view = ScreenplayView(point_size=10)
        self.text_view.setObjectName("pathSceneText")
        self.text_view.setMinimumHeight(140)
        layout.addWidget(self.text_view, 2)
        return layout

    def _build_compare_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.audience_a = QComboBox()
        self.audience_a.setObjectName("audienceA")
        self.audience_b = QComboBox()
        self.audience_b.setObjectName("audienceB")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareButton")
        self.compare_button.clicked.connect(self.compare)
        row.addWidget(QLabel("A"))
        row.addWidget(self.audience_a, 1)
        row.addWidget(QLabel("B"))
        row.addWidget(self.audience_b, 1)
        row.addWidget(self.compare_button)
        layout.addLayout(row)

        heat_row = QHBoxLayout()
        heat_row.addWidget(QLabel("Heat on the canvas:"))
        self.heat_buttons = QButtonGroup(self)
        for key, text in (("both", "Both"), ("a", "A"), ("b", "B"), ("off", "Off")):
            button = QRadioButton(text)
            button.setObjectName(f"heat_{key}")
            button.toggled.connect(lambda checked, k=key: checked and self.show_heat(k))
            self.heat_buttons.addButton(button)
            heat_row.addWidget(button)
        heat_row.addStretch(1)
        layout.addLayout(heat_row)

        self.compare_table = QTableWidget(0, 4)
        self.compare_table.setObjectName("compareTable")
        self.compare_table.setHorizontalHeaderLabels(["Scene", "A", "B", "A − B"])
        self.compare_table.verticalHeader().setVisible(False)
        self.compare_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.compare_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.compare_table.itemSelectionChanged.connect(self._on_compare_row)
        layout.addWidget(self.compare_table, 1)
        self.compare_status = QLabel("")
        self.compare_status.setObjectName("compareStatus")
        self.compare_status.setWordWrap(True)
        self.compare_status.setStyleSheet(f"color: {MUTED};")
        layout.addWidget(self.compare_status)
        return page

    # Session.

    def set_session(self, session: ProjectSession | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        self.paths = []
        self.current_path = None
        self.comparison = None
        self.paths_list.clear()
        self.compare_table.setRowCount(0)
        if session is not None:
            self._unsubscribe = session.subscribe(self._relay.received.emit)
        self._reload()

    def _on_changed(self, notice: ChangeNotice) -> None:
        if not notice.is_only_layout():
            self._reload()

    def _reload(self) -> None:
        self.story = self.session.load_story() if self.session else None
        self._samplers.clear()
        self._fill_combos()
        self._update_buttons()

    def _fill_combos(self) -> None:
        story = self.story
        current = self.persona_combo.currentData()
        self.persona_combo.clear()
        for persona in sorted(story.personas if story else [], key=lambda p: p.name):
            audience = story.audience_by_id.get(persona.audience_id)
            label = f"{persona.name} ({audience.name})" if audience else persona.name
            self.persona_combo.addItem(label, persona.id)
        self.persona_combo.setCurrentIndex(max(self.persona_combo.findData(current), 0))
        for combo, fallback in ((self.audience_a, 0), (self.audience_b, 1)):
            current = combo.currentData()
            combo.clear()
            for audience in story.audiences if story else []:
                combo.addItem(audience.name, audience.id)
            index = combo.findData(current)
            combo.setCurrentIndex(
                index if index >= 0 else min(fallback, combo.count() - 1)
            )

    def _picked_persona(self):
        persona_id = self.persona_combo.currentData()
        if self.story is None or persona_id is None:
            return None
        return next((p for p in self.story.personas if p.id == persona_id), None)

    # Paths.

    def run_top_paths(self) -> Task | None:
        """Simulate the picked persona in the background and list its top paths."""
        persona = self._picked_persona()
        if persona is None or self.story is None or self._busy():
            return None
        story, viewers, seed = (
            self.story,
            self.viewers_spin.value(),
            self.seed_spin.value(),
        )
        self.status_label.setText(f"Simulating {viewers} viewers of {persona.name}…")
        self.task = run_in_background(
            "top paths",
            lambda control: persona_top_paths(story, persona, viewers, seed),
        )
        self.task.succeeded.connect(self._on_top_paths)
        self.task.failed.connect(self._on_failed)
        self.task.finished.connect(self._update_buttons)
        self._update_buttons()
        return self.task

    def show_simulation_result(self, result: SimulationResult) -> bool:
        """List the top paths of a run made elsewhere (the simulation dock).

        Its top paths mix the personas when the run had several, so only a run of
        one persona can be explained step by step. Returns False otherwise.
        """
        if self.story is None:
            return False
        if len(result.personas) != 1:
            self.status_label.setText(
                f"That run mixed {len(result.personas)} personas, so its top paths "
                "cannot be explained per persona; simulate one persona here."
            )
            return False
        name = result.personas[0].name
        persona = next((p for p in self.story.personas if p.name == name), None)
        if persona is None:
            self.status_label.setText(
                f"The persona {name!r} is no longer in the story."
            )
            return False
        index = self.persona_combo.findData(persona.id)
        self.persona_combo.setCurrentIndex(max(index, 0))
        paths = [
            path
            for top in result.top_paths
            if (path := explain_top_path(self.story, persona, top, result.viewers))
        ]
        self._on_top_paths((result, paths))
        return True

    def _on_top_paths(self, outcome) -> None:
        result, paths = outcome
        self.paths = paths
        self.paths_list.clear()
        for path in paths:
            share = path.count / path.viewers if path.viewers else 0.0
            self.paths_list.addItem(
                QListWidgetItem(f"{share:6.1%}   {path.describe(self.story)}")
            )
        summary = (
            f"{result.viewers} viewers, seed {result.seed}: the {len(paths)} most "
            "frequent paths"
        )
        left_out = len(result.top_paths) - len(paths)
        if left_out:
            summary += (
                f" ({left_out} left out: the run kept no choice sequence for them, "
                "or they no longer fit the story)"
            )
        self.status_label.setText(f"{summary}. Pick one to step through it.")
        if paths:
            self.paths_list.setCurrentRow(0)

    def sample(self, seed: int | None = None) -> ViewerPath | None:
        """Walk one viewer of the picked persona with ``seed`` (the seed box when
        None), add the path to the list and show it."""
        persona = self._picked_persona()
        if persona is None or self.story is None:
            return None
        seed = self.seed_spin.value() if seed is None else seed
        sampler = self._samplers.get(persona.id)
        if sampler is None:
            # NOTE: building a sampler compiles the story in the GUI thread. That
            # took 1.3 to 2.2 s at 10,000 scenes (benchmarks/play_benchmark.py).
            # Later samples of the same persona reuse it until the story changes.
            sampler = PathSampler(self.story, persona, seed)
            self._samplers[persona.id] = sampler
        sampler.reseed(seed)
        path = sampler.sample()
        self.paths.append(path)
        self.paths_list.addItem(
            QListWidgetItem(f"seed {seed}   {path.describe(self.story)}")
        )
        self.paths_list.setCurrentRow(len(self.paths) - 1)
        return path

    def _on_path_picked(self, row: int) -> None:
        if 0 <= row < len(self.paths):
            self.show_path(self.paths[row])

    def show_path(self, path: ViewerPath) -> None:
        self.current_path = path
        self.step_to(0)

    def step_to(self, index: int) -> None:
        path = self.current_path
        if path is None or self.story is None:
            return
        self.step_index = max(0, min(index, len(path.steps) - 1))
        step = path.steps[self.step_index]
        scene = self.story.scene_by_id.get(step.scene_id)
        self.step_label.setText(f"Step {self.step_index + 1} of {len(path.steps)}")
        title, colour = _REASON_STYLE[step.reason]
        self.reason_label.setText(f"<b>{title}.</b> {step.detail}")
        self.reason_label.setStyleSheet(
            f"color: {colour}; border-left: 4px solid {colour}; padding: 4px 8px;"
        )
        if scene is None:
            self.scene_label.setText("(scene deleted since the run)")
            self.text_view.set_script("")
        else:
            text = scene_text(self.story, scene, path.audience)
            self.scene_label.setText(f"{scene.title}  ·  {text.source_label}")
            self.text_view.set_script(text.text)
        self._update_buttons()
        canvas = getattr(self._window, "canvas", None)
        if canvas is not None:
            choices = {step.choice_id} if step.choice_id is not None else set()
            canvas.highlight({step.scene_id}, choices)
            canvas.center_on_scene(step.scene_id)
        self.step_shown.emit(step.scene_id, step.choice_id or -1)

    def watch(self) -> None:
        """Send the path on screen to the play dock as a journey."""
        if self.current_path is None or self.story is None:
            return
        persona = self.current_path.persona.name
        try:
            journey = self.current_path.to_journey(self.story, f"{persona}'s path")
        except ValueError as error:
            self.status_label.setText(str(error))
            return
        self.watch_requested.emit(journey)

    def next_step(self) -> None:
        self.step_to(self.step_index + 1)

    def previous_step(self) -> None:
        self.step_to(self.step_index - 1)

    # Comparison.

    def compare(self) -> Task | None:
        story = self.story
        if story is None or self._busy():
            return None
        a = story.audience_by_id.get(self.audience_a.currentData())
        b = story.audience_by_id.get(self.audience_b.currentData())
        if a is None or b is None or a.id == b.id:
            self.compare_status.setText("Pick two different audiences to compare.")
            return None
        viewers, seed = self.viewers_spin.value(), self.seed_spin.value()
        self.compare_status.setText(f"Simulating {a.name} and {b.name}…")
        self.task = run_in_background(
            "compare audiences",
            lambda control: compare_audiences(story, a, b, viewers, seed),
        )
        self.task.succeeded.connect(self._on_compared)
        self.task.failed.connect(self._on_failed)
        self.task.finished.connect(self._update_buttons)
        self._update_buttons()
        return self.task

    def _on_compared(self, comparison: AudienceComparison) -> None:
        self.comparison = comparison
        table = self.compare_table
        table.setRowCount(len(comparison.scenes))
        for row, scene in enumerate(comparison.scenes):
            cells = [
                f"{scene.title} ({scene.key})",
                f"{scene.share_a:.1%}",
                f"{scene.share_b:.1%}",
                f"{scene.difference:+.1%}",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, scene.scene_id)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 3 and abs(scene.difference) >= 0.005:
                    colour = ACCENT if scene.difference > 0 else WARNING
                    item.setForeground(QColor(colour))
                table.setItem(row, column, item)
        self.compare_table.setHorizontalHeaderLabels(
            ["Scene", comparison.audience_a.name, comparison.audience_b.name, "A − B"]
        )

        note = ""
        if comparison.neutral:
            note = (
                f" {', '.join(comparison.neutral)} had no personas, so a neutral "
                "persona stood in."
            )
        self.compare_status.setText(
            f"Visit share per scene, {comparison.viewers} viewers per persona, seed "
            f"{comparison.seed}; the largest differences first.{note}"
        )

        both, heat_a, heat_b = self.heat_buttons.buttons()[:3]
        heat_a.setText(comparison.audience_a.name)
        heat_b.setText(comparison.audience_b.name)
        both.setToolTip(
            f"Blue bar: {comparison.audience_a.name}; orange bar: "
            f"{comparison.audience_b.name}"
        )
        if heat_a.isChecked():
            self.show_heat("a")
        else:
            heat_a.setChecked(True)

    def show_heat(self, which: str) -> None:
        """Show audience ``"a"`` or ``"b"`` as heat on the canvas, ``"both"`` as a
        pair of bars on each card, or ``"off"``."""
        canvas = getattr(self._window, "canvas", None)
        if canvas is None:
            return
        if hasattr(canvas, "set_comparison"):
            canvas.set_comparison(None, None)
        if which == "off" or self.comparison is None:
            canvas.set_heat(None)
            return
        if which == "both" and hasattr(canvas, "set_comparison"):
            canvas.set_heat(None)
            canvas.set_comparison(self.comparison.shares_a, self.comparison.shares_b)
            return
        canvas.set_heat(
            self.comparison.shares_a if which == "a" else self.comparison.shares_b
        )

    def _on_compare_row(self) -> None:
        items = self.compare_table.selectedItems()
        canvas = getattr(self._window, "canvas", None)
        if items and canvas is not None:
            canvas.center_on_scene(items[0].data(Qt.ItemDataRole.UserRole))

    # Shared.

    def _busy(self) -> bool:
        return self.task is not None and not self.task.done

    def _on_failed(self, error: BaseException) -> None:
        message = f"The simulation failed: {error}"
        self.status_label.setText(message)
        self.compare_status.setText(message)

    def _update_buttons(self) -> None:
        busy = self._busy()
        has_persona = self.persona_combo.count() > 0
        self.run_button.setEnabled(has_persona and not busy)
        self.sample_button.setEnabled(has_persona)
        self.compare_button.setEnabled(self.audience_a.count() > 1 and not busy)
        path = self.current_path
        self.watch_button.setEnabled(path is not None)
        self.previous_button.setEnabled(path is not None and self.step_index > 0)
        self.next_button.setEnabled(
            path is not None and self.step_index < len(path.steps) - 1
        )
        if self.session is not None and not has_persona:
            self.status_label.setText(
                "The story has no personas yet; add one to an audience to simulate."
            )


def _spin(low: int, high: int, value: int, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setObjectName(name)
    return spin
