"""The "Draft variants" dialog: pick scenes and audiences, preview, run, watch.

The requests run as a :class:`~author_studio.ui.draft_run.DraftRun` owned by the
assistant controller, so closing the dialog does not lose results.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from author_studio.assist.service import DraftJob, DraftOutcome, JobState, JobUpdate
from author_studio.domain.errors import DomainError
from author_studio.services.session import ProjectSession
from author_studio.ui.assist_controller import AssistController
from author_studio.ui.draft_run import DraftRun
from author_studio.ui.errors import show_error
from author_studio.ui.tasks import Task

logger = logging.getLogger(__name__)

_STATE_COLOURS = {
    JobState.QUEUED: "#666666",
    JobState.RUNNING: "#1f5fbf",
    JobState.DONE: "#0b6b0b",
    JobState.FAILED: "#a01010",
    JobState.CANCELLED: "#8a6d00",
}


class DraftDialog(QDialog):
    """Draft variants of the chosen scenes for the chosen audiences.

    ``batch_finished`` carries the list of stored :class:`DraftOutcome`.
    """

    batch_finished = Signal(list)

    def __init__(
        self,
        session: ProjectSession,
        controller: AssistController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draftDialog")
        self.setWindowTitle("Draft variants")
        self.session = session
        self.controller = controller
        self.run: DraftRun | None = None
        self.outcomes: list[DraftOutcome] = []

        layout = QVBoxLayout(self)
        self.provider_label = QLabel()
        self.provider_label.setObjectName("providerLabel")
        self.provider_label.setWordWrap(True)
        settings_button = QPushButton("Settings…")
        settings_button.clicked.connect(lambda: controller.open_settings(self))
        top = QHBoxLayout()
        top.addWidget(self.provider_label, 1)
        top.addWidget(settings_button)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_scene_list())
        splitter.addWidget(self._build_audience_list())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 2)
        layout.addLayout(self._build_options())
        layout.addLayout(self._build_buttons())

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("progressTable")
        self.table.setHorizontalHeaderLabels(["Scene", "Audience", "State", "Details"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 2)
        self.status = QLabel("")
        self.status.setObjectName("draftStatus")
        layout.addWidget(self.status)

        controller.settings_changed.connect(self._show_provider)
        self._show_provider()
        self.reload()
        self.scene_list.itemChanged.connect(self._count_requests)
        self.audience_list.itemChanged.connect(self._count_requests)
        self.count.valueChanged.connect(self._count_requests)
        self._count_requests()
        self.resize(780, 640)

    # Building

    def _build_scene_list(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Scenes"))
        self.scene_list = QListWidget()
        self.scene_list.setObjectName("sceneChoices")
        column.addWidget(self.scene_list)
        row = QHBoxLayout()
        canon = QPushButton("Select canon scenes")
        canon.setObjectName("selectCanon")
        canon.clicked.connect(self.select_canon_scenes)
        clear = QPushButton("Clear")
        clear.clicked.connect(lambda: self._check_all(self.scene_list, False))
        row.addWidget(canon)
        row.addWidget(clear)
        row.addStretch(1)
        column.addLayout(row)
        return box

    def _build_audience_list(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Audiences"))
        self.audience_list = QListWidget()
        self.audience_list.setObjectName("audienceChoices")
        column.addWidget(self.audience_list)
        return box

    def _build_options(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Variants per scene and audience"))
        self.count = QSpinBox()
        self.count.setObjectName("count")
        self.count.setRange(1, 10)
        self.count.setValue(2)
        row.addWidget(self.count)
        self.fresh = QCheckBox("Fresh drafts (skip the cache)")
        self.fresh.setObjectName("fresh")
        self.fresh.setToolTip(
            "Without this, a request identical to an earlier one reuses its drafts "
            "and costs nothing."
        )
        row.addWidget(self.fresh)
        row.addStretch(1)
        outer = QVBoxLayout()
        outer.addLayout(row)
        self.instruction = QPlainTextEdit()
        self.instruction.setObjectName("instruction")
        self.instruction.setPlaceholderText(
            "Extra instruction for the assistant (optional), e.g. "
            "“keep Mara's last line word for word”"
        )
        self.instruction.setFixedHeight(52)
        outer.addWidget(self.instruction)
        wrapper = QHBoxLayout()
        wrapper.addLayout(outer)
        return wrapper

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.request_count = QLabel("")
        self.request_count.setObjectName("requestCount")
        self.preview_button = QPushButton("Preview prompt")
        self.preview_button.setObjectName("previewPrompt")
        self.preview_button.clicked.connect(self.show_preview)
        self.draft_button = QPushButton("Draft")
        self.draft_button.setObjectName("startDraft")
        self.draft_button.setDefault(True)
        self.draft_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel requests")
        self.cancel_button.setObjectName("cancelDraft")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        row.addWidget(self.preview_button)
        row.addStretch(1)
        row.addWidget(self.request_count)
        row.addWidget(self.draft_button)
        row.addWidget(self.cancel_button)
        row.addWidget(close)
        return row

    # Choices

    def reload(self) -> None:
        """Refill the scene and audience lists from the project."""
        story = self.session.load_story()
        self._story = story
        self.scene_list.clear()
        for scene in sorted(story.scenes, key=lambda s: s.id or 0):
            marker = "  ★ canon" if scene.canon else ""
            empty = "  (no script)" if not scene.script.strip() else ""
            item = QListWidgetItem(f"{scene.key} — {scene.title}{marker}{empty}")
            item.setData(Qt.ItemDataRole.UserRole, scene.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            if not scene.script.strip():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.scene_list.addItem(item)
        self.audience_list.clear()
        for audience in story.audiences:
            text = f"{audience.name} — {audience.pacing.value}, {audience.rating.value}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, audience.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.audience_list.addItem(item)
        if not story.audiences:
            self.status.setText("The project has no audiences yet; add one first.")

    def _check_all(self, widget: QListWidget, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for row in range(widget.count()):
            widget.item(row).setCheckState(state)

    def _checked(self, widget: QListWidget) -> list[int]:
        return [
            widget.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(widget.count())
            if widget.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, scene_ids: set[int], audience_ids: set[int]) -> None:
        """Check exactly these scenes and audiences."""
        for widget, wanted in (
            (self.scene_list, scene_ids),
            (self.audience_list, audience_ids),
        ):
            for row in range(widget.count()):
                item = widget.item(row)
                checked = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(
                    Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                )

    def select_canon_scenes(self) -> None:
        canon = {s.id for s in self._story.scenes if s.canon and s.script.strip()}
        for row in range(self.scene_list.count()):
            item = self.scene_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in canon:
                item.setCheckState(Qt.CheckState.Checked)

    def jobs(self) -> list[DraftJob]:
        instruction = self.instruction.toPlainText().strip()
        jobs = []
        for scene_id in self._checked(self.scene_list):
            scene = self._story.scene_by_id[scene_id]
            for audience_id in self._checked(self.audience_list):
                audience = self._story.audience_by_id[audience_id]
                jobs.append(
                    DraftJob(
                        scene_id,
                        audience_id,
                        self.count.value(),
                        instruction,
                        f"{scene.key} for {audience.name}",
                    )
                )
        return jobs

    def _count_requests(self) -> None:
        scenes = len(self._checked(self.scene_list))
        audiences = len(self._checked(self.audience_list))
        requests = scenes * audiences
        self.request_count.setText(
            f"{requests} request(s), up to {requests * self.count.value()} variant(s)"
        )
        self.draft_button.setEnabled(
            requests > 0 and (self.task is None or self.task.done)
        )

    def _show_provider(self) -> None:
        self.provider_label.setText(self.controller.describe_provider())
        not_model = not self.controller.provider().is_language_model
        self.provider_label.setStyleSheet(
            "background:#fff4d6;padding:4px;" if not_model else "padding:4px;"
        )

    # Preview

    def show_preview(self) -> QDialog | None:
        """Show exactly what the first chosen request sends."""
        jobs = self.jobs()
        if not jobs:
            self.status.setText("Check at least one scene and one audience.")
            return None
        job = jobs[0]
        try:
            preview = self.controller.service(self.session).preview(
                job.scene_id, job.audience_id, job.count, job.instruction
            )
        except DomainError as error:
            show_error(self, "Cannot build the prompt", error)
            return None
        dialog = QDialog(self)
        dialog.setObjectName("promptPreview")
        more = f" (and {len(jobs) - 1} more request(s))" if len(jobs) > 1 else ""
        dialog.setWindowTitle(f"Prompt for {job.label}{more}")
        text = QPlainTextEdit(preview.as_text())
        text.setObjectName("previewText")
        text.setReadOnly(True)
        text.setFont(QFont("monospace"))
        column = QVBoxLayout(dialog)
        column.addWidget(text)
        dialog.resize(760, 620)
        dialog.open()
        return dialog

    # Running

    @property
    def task(self) -> Task | None:
        """The background task of the current run, or None before the first."""
        return self.run.task if self.run is not None else None

    def start(self) -> Task | None:
        """Queue every chosen job; returns the background task."""
        if self.run is not None and not self.run.done:
            return self.run.task
        jobs = self.jobs()
        if not jobs:
            self.status.setText("Check at least one scene and one audience.")
            return None
        self.outcomes = []
        self._fill_table(jobs)
        self.run = self.controller.start_run(
            self.controller.service(self.session), jobs, self.fresh.isChecked()
        )
        self.run.updated.connect(self._on_update)
        self.run.finished.connect(self._on_finished)
        self.draft_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Running {len(jobs)} request(s)…")
        return self.run.task

    def cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()
            self.status.setText("Cancelling…")

    def _fill_table(self, jobs: list[DraftJob]) -> None:
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            scene = self._story.scene_by_id[job.scene_id]
            audience = self._story.audience_by_id[job.audience_id]
            self.table.setItem(row, 0, QTableWidgetItem(scene.key))
            self.table.setItem(row, 1, QTableWidgetItem(audience.name))
            self._set_state(row, JobState.QUEUED, "")

    def _set_state(self, row: int, state: JobState, message: str) -> None:
        item = QTableWidgetItem(state.value)
        item.setForeground(QColor(_STATE_COLOURS[state]))
        self.table.setItem(row, 2, item)
        details = QTableWidgetItem(message)
        details.setToolTip(message)
        self.table.setItem(row, 3, details)

    def state_of(self, row: int) -> str:
        return self.table.item(row, 2).text()

    def _on_update(self, update: JobUpdate) -> None:
        self._set_state(update.index, update.state, update.message)

    def _on_finished(self, outcomes: list[DraftOutcome]) -> None:
        self.outcomes = outcomes
        self._count_requests()
        self.cancel_button.setEnabled(False)
        counts = {state: 0 for state in JobState}
        for outcome in self.outcomes:
            counts[outcome.state] += 1
        stored = sum(len(o.variant_ids) for o in self.outcomes)
        self.status.setText(
            f"{counts[JobState.DONE]} done, {counts[JobState.FAILED]} failed, "
            f"{counts[JobState.CANCELLED]} cancelled; {stored} proposed variant(s) "
            "waiting for review."
        )
        self.batch_finished.emit(list(self.outcomes))

    def closeEvent(self, event) -> None:
        # A running batch goes on: its results are stored and reach the review
        # panel. Cancel requests stops it.
        if self.run is not None and not self.run.done:
            logger.info(
                "Draft dialog closed; %d request(s) keep running", len(self.run.jobs)
            )
        super().closeEvent(event)
