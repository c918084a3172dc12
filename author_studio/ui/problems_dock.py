"""The Problems panel: lint findings of the open story, refreshed after edits."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from author_studio.analysis import Finding, PathStats, Severity, lint, path_stats
from author_studio.domain.story import Story
from author_studio.services.changes import ChangeNotice
from author_studio.services.session import ProjectSession
from author_studio.ui.tasks import Task, run_in_background

logger = logging.getLogger(__name__)

# Edits arrive in bursts (a drag, a paste); lint runs once they pause this long.
RELINT_DELAY_MS = 400

_ICONS = {
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}
_FILTERS = [
    ("All problems", set(Severity)),
    ("Errors", {Severity.ERROR}),
    ("Errors and warnings", {Severity.ERROR, Severity.WARNING}),
]
FINDING_ROLE = Qt.ItemDataRole.UserRole


class _NoticeRelay(QObject):
    """Carries change notices from the thread that wrote to the GUI thread."""

    arrived = Signal(object)


class ProblemsDock(QDockWidget):
    """Lists lint findings with severity, code, scene and message.

    Double-clicking a finding centres the canvas on its scene and highlights
    the scenes and the choice involved. Lint runs off the GUI thread, at most
    once per pause in editing.
    """

    linted = Signal(list)

    def __init__(self, window: Any) -> None:
        super().__init__("Problems", window)
        self.setObjectName("ProblemsDock")
        self.window_ = window
        self.session: ProjectSession | None = None
        self.findings: list[Finding] = []
        self.story: Story | None = None
        self.paths: PathStats | None = None
        self._unsubscribe = None
        self._task: Task | None = None
        self._pending = False
        self._relay = _NoticeRelay(self)
        self._relay.arrived.connect(self.apply_notice)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELINT_DELAY_MS)
        self._timer.timeout.connect(self.relint)
        self._build()

    def _build(self) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        self.summary = QLabel("No project open")
        self.summary.setObjectName("problemsSummary")
        self.filter = QComboBox()
        for label, _ in _FILTERS:
            self.filter.addItem(label)
        self.filter.currentIndexChanged.connect(self._fill)
        header.addWidget(self.summary, 1)
        header.addWidget(self.filter)
        layout.addLayout(header)
        self.tree = QTreeWidget()
        self.tree.setObjectName("problemsList")
        self.tree.setHeaderLabels(["Code", "Scene", "Problem"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setColumnWidth(0, 190)
        self.tree.setColumnWidth(1, 130)
        self.tree.itemActivated.connect(self._jump)
        self.tree.itemDoubleClicked.connect(self._jump)
        layout.addWidget(self.tree)
        self.paths_label = QLabel("")
        self.paths_label.setObjectName("pathsSummary")
        self.paths_label.setWordWrap(True)
        layout.addWidget(self.paths_label)
        self.setWidget(body)

    # -- session -----------------------------------------------------------------

    def set_session(self, session: ProjectSession | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        self.findings = []
        self.story = None
        self.paths = None
        self.paths_label.setText("")
        self._fill()
        if session is None:
            self.summary.setText("No project open")
            return
        self._unsubscribe = session.subscribe(self._relay.arrived.emit)
        self.relint()

    def apply_notice(self, notice: ChangeNotice | None = None) -> None:
        """Schedule a re-lint; notices that arrive before it runs are merged.
        Moving cards on the canvas changes no finding, so it is ignored."""
        if notice is not None and notice.is_only_layout():
            return
        if self.session is not None:
            self._timer.start()

    def relint(self) -> None:
        """Lint the current story in the background now."""
        if self.session is None:
            return
        if self._task is not None and not self._task.done:
            self._pending = True
            return
        story = self.session.load_story()
        self.summary.setText("Checking…")
        self._task = run_in_background(
            "Lint", lambda control: (story, lint(story), path_stats(story)), self
        )
        self._task.succeeded.connect(self._show)
        self._task.failed.connect(self._failed)
        self._task.finished.connect(self._after_task)

    def _after_task(self) -> None:
        if self._pending:
            self._pending = False
            self.relint()

    def _failed(self, error: Exception) -> None:
        logger.error("Lint failed: %s", error)
        self.summary.setText(f"Lint failed: {error}")

    def _show(self, payload: tuple[Story, list[Finding], PathStats]) -> None:
        self.story, self.findings, self.paths = payload
        self._fill()
        self.paths_label.setText(_describe_paths(self.paths))
        self.linted.emit(self.findings)

    # -- list --------------------------------------------------------------------

    def _fill(self) -> None:
        self.tree.clear()
        shown = _FILTERS[self.filter.currentIndex()][1]
        style = self.style()
        for finding in self.findings:
            if finding.severity not in shown:
                continue
            scene = (
                self.story.scene_by_id.get(finding.scene_id)
                if self.story is not None and finding.scene_id is not None
                else None
            )
            item = QTreeWidgetItem(
                [finding.code, scene.title if scene else "", finding.message]
            )
            item.setIcon(0, style.standardIcon(_ICONS[finding.severity]))
            item.setToolTip(2, finding.message)
            item.setData(0, FINDING_ROLE, finding)
            self.tree.addTopLevelItem(item)
        if self.session is not None and self._task is not None:
            self.summary.setText(self._summary_text())

    def _summary_text(self) -> str:
        counts = {s: sum(f.severity is s for f in self.findings) for s in Severity}
        if not self.findings:
            return "No problems found"
        return (
            f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} "
            f"warning(s), {counts[Severity.INFO]} note(s)"
        )

    def _jump(self, item: QTreeWidgetItem, column: int = 0) -> None:
        finding: Finding = item.data(0, FINDING_ROLE)
        canvas = getattr(self.window_, "canvas", None)
        if finding is None or canvas is None or finding.scene_id is None:
            return
        scenes = set(finding.scene_ids) or {finding.scene_id}
        choices = {finding.choice_id} if finding.choice_id is not None else set()
        canvas.highlight(scenes, choices)
        canvas.center_on_scene(finding.scene_id)


def _describe_paths(stats: PathStats) -> str:
    """Return one line about the story's paths for the foot of the list."""
    if not stats.total_paths:
        return "No path leads from the start to an ending."
    qualifier = "" if stats.exact else "at least "
    bound = (
        f", counting each scene at most {stats.visit_bound} times per path"
        if stats.has_cycles
        else ""
    )
    reached = [e for e in stats.endings if e.paths]
    shortest = min(e.shortest_s for e in reached) / 60
    longest = max(e.longest_s for e in reached) / 60
    return (
        f"Paths: {qualifier}{stats.total_paths:,} from the start to an ending{bound}; "
        f"{shortest:.1f} to {longest:.1f} min; {stats.choice_points_min} to "
        f"{stats.choice_points_max} choice points per path."
    )
