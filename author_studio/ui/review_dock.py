"""The review panel: the queue of variants, one shown beside its base script,
the decisions, the audit log and the project's assistant usage.

Keyboard, while the panel has focus: J and K move to the next and previous
variant, A approves, R puts the cursor in the reason field (Enter rejects), E
starts editing. Letters typed into a text field go to the field.

Decisions go through :class:`~author_studio.services.variants.VariantService`,
which writes the review rows and the audit log.

Each decision is one step on the window's undo stack. Undoing it writes
``reopened`` reviews rather than erasing the decision, so the audit log keeps
both.
"""

from __future__ import annotations

import enum
import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from author_studio.assist.settings import AssistSettings
from author_studio.assist.usage import project_usage
from author_studio.domain.errors import DomainError
from author_studio.domain.model import Variant, VariantOrigin, VariantStatus
from author_studio.review.checks import check_variant, worst_level
from author_studio.review.queue import ReviewFilter, review_queue
from author_studio.services.changes import ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.errors import show_error
from author_studio.ui.review_commands import ReviewDecisionCommand
from author_studio.ui.review_detail import LEVEL_COLOURS, LEVEL_MARKS, VariantDetail

logger = logging.getLogger(__name__)

_REFRESH_ON = (
    Entity.VARIANT,
    Entity.REVIEW,
    Entity.SCENE,
    Entity.AUDIENCE,
    Entity.CANON,
)


class _NoticeRelay(QObject):
    """Carry change notices into the GUI thread, whichever thread wrote."""

    arrived = Signal(object)


class ReviewDock(QDockWidget):
    """Review variants; construct with the main window (it needs ``session``)."""

    decided = Signal(int, str)

    def __init__(self, window: QObject | None = None, controller=None) -> None:
        super().__init__("Review")
        self.setObjectName("reviewDock")
        self.window_ref = window
        self.controller = controller
        self.session: ProjectSession | None = None
        self._story = None
        self._queue: list[Variant] = []
        self._unsubscribe = None
        self._relay = _NoticeRelay(self)
        self._relay.arrived.connect(self._on_notice)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_review_tab(), "Review")
        self.tabs.addTab(self._build_audit_tab(), "Audit log")
        self.setWidget(self.tabs)
        self._install_shortcuts()
        if controller is not None:
            controller.settings_changed.connect(self._refresh_usage)
        if window is not None and getattr(window, "session", None) is not None:
            self.set_session(window.session)

    # Building

    def _build_review_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        filters = QHBoxLayout()
        self.scene_filter = QComboBox()
        self.scene_filter.setObjectName("sceneFilter")
        self.audience_filter = QComboBox()
        self.audience_filter.setObjectName("audienceFilter")
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for status in VariantStatus:
            self.status_filter.addItem(status.value.capitalize(), status)
        self.status_filter.addItem("Any status", None)
        self.origin_filter = QComboBox()
        self.origin_filter.setObjectName("originFilter")
        self.origin_filter.addItem("Any origin", None)
        for origin in VariantOrigin:
            self.origin_filter.addItem(origin.value.replace("_", "-"), origin)
        for label, combo in (
            ("Scene", self.scene_filter),
            ("Audience", self.audience_filter),
            ("Status", self.status_filter),
            ("Origin", self.origin_filter),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo, 1)
            combo.currentIndexChanged.connect(self.refresh)
        layout.addLayout(filters)

        self.queue_table = QTableWidget(0, 6)
        self.queue_table.setObjectName("reviewQueue")
        self.queue_table.setHorizontalHeaderLabels(
            ["Id", "Scene", "Audience", "By", "Status", "Checks"]
        )
        self.queue_table.verticalHeader().setVisible(False)
        self.queue_table.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.queue_table.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
        )
        self.queue_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.queue_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.queue_table.setMinimumWidth(360)
        self.queue_table.itemSelectionChanged.connect(self._selection_changed)
        self.queue_table.itemDoubleClicked.connect(self._show_on_canvas)

        self.detail = VariantDetail()
        self.detail.approve_requested.connect(self.approve_current)
        self.detail.reject_requested.connect(self.reject_current)
        self.detail.edit_approve_requested.connect(self.edit_and_approve_current)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.queue_table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([440, 960])
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.queue_label = QLabel("")
        self.queue_label.setObjectName("queueLabel")
        self.usage_label = QLabel("")
        self.usage_label.setObjectName("usageLabel")
        self.usage_label.setStyleSheet("color:#555;")
        bottom.addWidget(self.queue_label)
        bottom.addStretch(1)
        bottom.addWidget(self.usage_label)
        layout.addLayout(bottom)
        return page

    def _build_audit_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.audit_table = QTableWidget(0, 5)
        self.audit_table.setObjectName("auditLog")
        self.audit_table.setHorizontalHeaderLabels(
            ["When", "Who", "Action", "What", "Note"]
        )
        self.audit_table.verticalHeader().setVisible(False)
        self.audit_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.audit_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.audit_table)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self._refresh_audit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(refresh)
        layout.addLayout(row)
        return page

    def _install_shortcuts(self) -> None:
        keys = {
            "J": self.select_next,
            "K": self.select_previous,
            "A": self.approve_current,
            "R": self.detail.reason.setFocus,
            "E": self.detail.begin_edit,
        }
        self.shortcuts = {}
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self.tabs)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts[key] = shortcut

    # Session

    def set_session(self, session: ProjectSession | None) -> None:
        if session is not self.session and self.controller is not None:
            # Drafts still running belong to the project being closed.
            self.controller.cancel_runs()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        if session is not None:
            self._unsubscribe = session.subscribe(self._relay.arrived.emit)
        self.reload()

    def _on_notice(self, notice: ChangeNotice) -> None:
        # The panel subscribes itself (through the relay) rather than offering
        # apply_notice, so a main window that forwards notices does not make
        # it reload twice.
        if self.session is not None and notice.touches(*_REFRESH_ON):
            self.reload()

    def reload(self) -> None:
        """Re-read the project and refill filters, queue, audit log and usage."""
        if self.session is None:
            self._story = None
            self._queue = []
            self.queue_table.setRowCount(0)
            self.detail.set_variant(None, None)
            self.audit_table.setRowCount(0)
            self.usage_label.setText("")
            self.queue_label.setText("No project open.")
            return
        self._story = self.session.load_story()
        self._fill_filter(
            self.scene_filter,
            "All scenes",
            [(f"{s.key} — {s.title}", s.id) for s in self._story.scenes],
        )
        self._fill_filter(
            self.audience_filter,
            "All audiences",
            [(a.name, a.id) for a in self._story.audiences],
        )
        self.refresh()
        self._refresh_audit()
        self._refresh_usage()

    def _fill_filter(self, combo: QComboBox, everything: str, entries) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for text, value in entries:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    # Queue

    def review_filter(self) -> ReviewFilter:
        # Qt hands enum data back as plain strings.
        status = self.status_filter.currentData()
        origin = self.origin_filter.currentData()
        return ReviewFilter(
            scene_id=self.scene_filter.currentData(),
            audience_id=self.audience_filter.currentData(),
            status=VariantStatus(status) if status else None,
            origin=VariantOrigin(origin) if origin else None,
        )

    def set_filter(self, review_filter: ReviewFilter) -> None:
        for combo, value in (
            (self.scene_filter, review_filter.scene_id),
            (self.audience_filter, review_filter.audience_id),
            (self.status_filter, review_filter.status),
            (self.origin_filter, review_filter.origin),
        ):
            data = value.value if isinstance(value, enum.Enum) else value
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(data)))
            combo.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Refill the queue with the current filter, keeping the selected variant
        when it is still listed, otherwise the same row."""
        if self._story is None:
            return
        previous = self.current_variant()
        previous_row = self.queue_table.currentRow()
        self._queue = review_queue(self._story, self.review_filter())
        table = self.queue_table
        table.blockSignals(True)
        table.setRowCount(len(self._queue))
        for row, variant in enumerate(self._queue):
            self._fill_row(row, variant)
        table.blockSignals(False)
        self.queue_label.setText(f"{len(self._queue)} variant(s) in the queue")

        ids = [v.id for v in self._queue]
        if previous is not None and previous.id in ids:
            self.select_row(ids.index(previous.id))
        elif self._queue:
            self.select_row(min(max(previous_row, 0), len(self._queue) - 1))
        else:
            table.clearSelection()
            self.detail.set_variant(None, None)
            self.detail.title.setText(
                "Nothing to review with this filter. Draft variants from "
                "Assistant > Draft variants…, or change the filter."
            )

    def _fill_row(self, row: int, variant: Variant) -> None:
        story = self._story
        scene = story.scene_by_id[variant.scene_id]
        audience = story.audience_by_id[variant.audience_id]
        source = variant.provenance
        if source is None:
            by = variant.origin.value.replace("_", "-")
        elif source.provider == "offline":
            by = "offline rules"
        else:
            by = f"{source.provider}/{source.model}"
        level = worst_level(check_variant(variant, story))
        values = [str(variant.id), scene.key, audience.name, by, variant.status.value]
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(
                f"{scene.title}: {variant.summary}" if column == 1 else text
            )
            item.setData(Qt.ItemDataRole.UserRole, variant.id)
            self.queue_table.setItem(row, column, item)
        marker = QTableWidgetItem(f"{LEVEL_MARKS[level]} {level.value}")
        marker.setForeground(QColor(LEVEL_COLOURS[level]))
        self.queue_table.setItem(row, 5, marker)

    def current_variant(self) -> Variant | None:
        row = self.queue_table.currentRow()
        if 0 <= row < len(self._queue):
            return self._queue[row]
        return None

    def select_row(self, row: int) -> None:
        if 0 <= row < len(self._queue):
            self.queue_table.selectRow(row)
            self.queue_table.setCurrentCell(row, 0)
            self._selection_changed()

    def select_variant(self, variant_id: int) -> bool:
        ids = [v.id for v in self._queue]
        if variant_id not in ids:
            return False
        self.select_row(ids.index(variant_id))
        return True

    def select_next(self) -> None:
        self.select_row(min(self.queue_table.currentRow() + 1, len(self._queue) - 1))

    def select_previous(self) -> None:
        self.select_row(max(self.queue_table.currentRow() - 1, 0))

    def show_scene(self, scene_id: int) -> None:
        """Filter the queue to one scene; -1 (no selection) shows all scenes.

        Connect the canvas's ``scene_selected`` signal here to follow it.
        """
        index = self.scene_filter.findData(scene_id if scene_id >= 0 else None)
        if index >= 0:
            self.scene_filter.setCurrentIndex(index)

    def _show_on_canvas(self) -> None:
        variant = self.current_variant()
        canvas = getattr(self.window_ref, "canvas", None)
        if variant is not None and hasattr(canvas, "center_on_scene"):
            canvas.center_on_scene(variant.scene_id)

    def _selection_changed(self) -> None:
        self.detail.set_variant(self.current_variant(), self._story)

    # Decisions

    def _decide(self, action: str, decide) -> bool:
        """Make a decision on the current variant, as an undo step when the
        window has an undo stack."""
        variant = self.current_variant()
        if variant is None or self.session is None:
            return False
        label = f"{action.capitalize()} variant {variant.id}"
        command = ReviewDecisionCommand(
            self.session,
            label,
            variant,
            decide,
            on_error=lambda message: show_error(self, "Undo failed", message),
        )
        try:
            command.apply()
        except DomainError as error:
            show_error(self, f"Cannot {action} variant {variant.id}", error)
            return False
        stack = getattr(self.window_ref, "undo_stack", None)
        if stack is not None:
            stack.push(command)
        self.decided.emit(variant.id, action)
        return True

    def approve_current(self) -> bool:
        variant = self.current_variant()
        if variant is None or variant.status is not VariantStatus.PROPOSED:
            return False
        variant_id = variant.id
        return self._decide(
            "approve",
            lambda session: session.variants.approve(variant_id, session.actor),
        )

    def reject_current(self, reason: str | None = None) -> bool:
        text = self.detail.reason.text() if reason is None else reason
        if not text.strip():
            self.detail.reason.setFocus()
            self.detail.reason.setPlaceholderText(
                "A rejection needs a reason, so the writer knows what to change"
            )
            return False
        variant = self.current_variant()
        if variant is None:
            return False
        variant_id = variant.id
        return self._decide(
            "reject",
            lambda session: session.variants.reject(variant_id, session.actor, text),
        )

    def edit_and_approve_current(self, script: str, duration_s: float) -> bool:
        variant = self.current_variant()
        if variant is None:
            return False
        variant_id = variant.id
        return self._decide(
            "edit and approve",
            lambda session: session.variants.edit_and_approve(
                variant_id, script, duration_s, session.actor
            ),
        )

    # Audit and usage

    def _refresh_audit(self) -> None:
        if self.session is None:
            return
        entries = self.session.audit_log(limit=500)
        self.audit_table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, text in enumerate(
                [
                    entry.at.replace("T", " "),
                    entry.actor,
                    entry.action,
                    entry.subject,
                    entry.note,
                ]
            ):
                self.audit_table.setItem(row, column, QTableWidgetItem(text))

    def _refresh_usage(self) -> None:
        if self.session is None:
            return
        settings = self.controller.settings if self.controller else AssistSettings()
        usage = project_usage(self.session, settings)
        if not usage.lines:
            self.usage_label.setText("No assistant requests in this project yet.")
            return
        cost = usage.total_cost_usd
        cached = sum(line.cached for line in usage.lines)
        if cost is None:
            unknown = sorted(
                f"{line.model}" for line in usage.lines if line.cost_usd is None
            )
            cost_text = f"cost unknown (no price for {', '.join(unknown)})"
        else:
            cost_text = f"estimated ${cost:.4f}"
        self.usage_label.setText(
            f"Assistant: {usage.requests} request(s), {cached} from cache, "
            f"{usage.tokens:,} tokens, {cost_text}"
        )

    def closeEvent(self, event) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().closeEvent(event)
