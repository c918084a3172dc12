"""The part of the review panel that shows one variant beside its base script."""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.model import Scene, Variant, VariantStatus
from author_studio.domain.story import Story
from author_studio.review.checks import CheckResult, Level, check_variant
from author_studio.review.diff import diff_html, diff_stats, word_diff

logger = logging.getLogger(__name__)

LEVEL_MARKS = {Level.OK: "✔", Level.WARNING: "⚠", Level.PROBLEM: "✖"}
LEVEL_COLOURS = {
    Level.OK: "#0b6b0b",
    Level.WARNING: "#8a6d00",
    Level.PROBLEM: "#a01010",
}


def provenance_text(variant: Variant) -> str:
    """Return one line saying who or what wrote the variant and at what cost."""
    when = variant.created_at.strftime("%Y-%m-%d %H:%M") if variant.created_at else ""
    origin = variant.origin.value.replace("_", "-")
    source = variant.provenance
    if source is None:
        return f"Written by a person ({origin}) · {when}"
    if source.provider == "offline":
        return f"Offline rule-based draft (not a language model) · {when}"
    tokens = source.prompt_tokens + source.completion_tokens
    return (
        f"{source.provider} / {source.model} · {tokens} tokens "
        f"({source.prompt_tokens} prompt + {source.completion_tokens} completion) · "
        f"{source.latency_ms / 1000:.1f} s · {when} · prompt {source.prompt_hash[:10]}"
    )


class VariantDetail(QWidget):
    """Base script, variant with word diff, checks and the decision controls.

    The widget only emits decision requests; the dock carries them out.
    """

    approve_requested = Signal()
    reject_requested = Signal(str)
    edit_approve_requested = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.variant: Variant | None = None
        self.checks: list[CheckResult] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.title = QLabel("Select a variant to review.")
        self.title.setObjectName("variantTitle")
        bold = self.title.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.1)
        self.title.setFont(bold)
        self.provenance = QLabel("")
        self.provenance.setObjectName("provenance")
        self.provenance.setStyleSheet("color:#555;")
        self.summary = QLabel("")
        self.summary.setObjectName("variantSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.provenance)
        layout.addWidget(self.summary)

        texts = QSplitter(Qt.Orientation.Horizontal)
        texts.addWidget(self._column("Base script", self._base_view()))
        texts.addWidget(self._column_with_toggle())
        layout.addWidget(texts, 3)

        self.check_list = QListWidget()
        self.check_list.setObjectName("checkList")
        self.check_list.setMaximumHeight(118)
        layout.addWidget(self.check_list, 1)
        layout.addLayout(self._decision_row())
        self.set_variant(None, None)

    def _base_view(self) -> QTextBrowser:
        self.base = QTextBrowser()
        self.base.setObjectName("baseScript")
        return self.base

    def _column(self, heading: str, widget: QWidget, extra: QWidget | None = None):
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        label = QLabel(heading)
        label.setStyleSheet("font-weight:bold;")
        top.addWidget(label)
        top.addStretch(1)
        if extra is not None:
            top.addWidget(extra)
        column.addLayout(top)
        column.addWidget(widget)
        return box

    def _column_with_toggle(self) -> QWidget:
        self.diff_view = QTextBrowser()
        self.diff_view.setObjectName("variantDiff")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("variantEditor")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.diff_view)
        self.stack.addWidget(self.editor)
        self.show_diff = QCheckBox("Word diff")
        self.show_diff.setObjectName("showDiff")
        self.show_diff.setChecked(True)
        self.show_diff.toggled.connect(self._render_variant)
        self.diff_stats = QLabel("")
        self.diff_stats.setObjectName("diffStats")
        self.diff_stats.setStyleSheet("color:#555;")
        self.diff_stats.setMinimumWidth(140)
        self.diff_stats.setAlignment(Qt.AlignmentFlag.AlignRight)
        extras = QWidget()
        row = QHBoxLayout(extras)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.diff_stats)
        row.addWidget(self.show_diff)
        return self._column("Variant", self.stack, extras)

    def _decision_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.approve_button = QPushButton("Approve (A)")
        self.approve_button.setObjectName("approve")
        self.approve_button.clicked.connect(self.approve_requested)
        self.reason = QLineEdit()
        self.reason.setObjectName("rejectReason")
        self.reason.setPlaceholderText("Reason for rejecting (R, then Enter)")
        self.reason.returnPressed.connect(self._reject)
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("reject")
        self.reject_button.clicked.connect(self._reject)
        self.edit_button = QPushButton("Edit then approve (E)")
        self.edit_button.setObjectName("edit")
        self.edit_button.clicked.connect(self.begin_edit)
        self.duration = QDoubleSpinBox()
        self.duration.setObjectName("editDuration")
        self.duration.setRange(1, 24 * 3600)
        self.duration.setSuffix(" s")
        self.duration.setVisible(False)
        self.save_edit = QPushButton("Approve edited text")
        self.save_edit.setObjectName("approveEdited")
        self.save_edit.setVisible(False)
        self.save_edit.clicked.connect(self._approve_edit)
        self.discard_edit = QPushButton("Discard edit")
        self.discard_edit.setVisible(False)
        self.discard_edit.clicked.connect(self.end_edit)
        for widget in (self.approve_button, self.reason, self.reject_button):
            row.addWidget(widget, 2 if widget is self.reason else 0)
        row.addSpacing(12)
        for widget in (
            self.edit_button,
            self.duration,
            self.save_edit,
            self.discard_edit,
        ):
            row.addWidget(widget)
        return row

    # Showing

    def set_variant(self, variant: Variant | None, story: Story | None) -> None:
        self.end_edit()
        self.variant = variant
        self.reason.clear()
        decidable = variant is not None and variant.status is VariantStatus.PROPOSED
        for widget in (self.approve_button, self.reason, self.reject_button):
            widget.setEnabled(decidable)
        self.edit_button.setEnabled(variant is not None)
        self.check_list.clear()
        if variant is None or story is None:
            self.title.setText("Select a variant to review.")
            self.provenance.setText("")
            self.summary.setText("")
            self.base.clear()
            self.diff_view.clear()
            self.diff_stats.setText("")
            self.checks = []
            return

        scene: Scene = story.scene_by_id[variant.scene_id]
        audience = story.audience_by_id[variant.audience_id]
        self.title.setText(
            f"Variant {variant.id} · {scene.title} ({scene.key}) for {audience.name}"
            f" · {variant.status.value} · {variant.duration_s:g} s"
        )
        self.provenance.setText(provenance_text(variant))
        parent = (
            f"  Edited from variant {variant.parent_id}." if variant.parent_id else ""
        )
        self.summary.setText((variant.summary or "No summary.") + parent)
        self.base.setPlainText(scene.script)
        self._base_script = scene.script
        self._render_variant()
        self.checks = check_variant(variant, story)
        for check in self.checks:
            item = QListWidgetItem(f"{LEVEL_MARKS[check.level]}  {check.message}")
            item.setForeground(QColor(LEVEL_COLOURS[check.level]))
            item.setData(Qt.ItemDataRole.UserRole, check.name)
            self.check_list.addItem(item)

    def _render_variant(self) -> None:
        if self.variant is None:
            return
        ops = word_diff(self._base_script, self.variant.script)
        stats = diff_stats(ops)
        self.diff_stats.setText(f"+{stats.inserted_words} −{stats.deleted_words} words")
        if self.show_diff.isChecked():
            self.diff_view.setHtml(diff_html(ops))
        else:
            self.diff_view.setHtml(
                '<div style="white-space:pre-wrap;">'
                + html.escape(self.variant.script).replace("\n", "<br>")
                + "</div>"
            )

    # Editing

    @property
    def editing(self) -> bool:
        return self.stack.currentWidget() is self.editor

    def begin_edit(self) -> None:
        if self.variant is None:
            return
        self.editor.setPlainText(self.variant.script)
        self.editor.setFont(QFont(self.diff_view.font()))
        self.duration.setValue(self.variant.duration_s)
        self.stack.setCurrentWidget(self.editor)
        for widget in (self.duration, self.save_edit, self.discard_edit):
            widget.setVisible(True)
        self.edit_button.setVisible(False)
        self.editor.setFocus()

    def end_edit(self) -> None:
        self.stack.setCurrentWidget(self.diff_view)
        for widget in (self.duration, self.save_edit, self.discard_edit):
            widget.setVisible(False)
        self.edit_button.setVisible(True)

    def _approve_edit(self) -> None:
        self.edit_approve_requested.emit(
            self.editor.toPlainText(), float(self.duration.value())
        )

    def _reject(self) -> None:
        self.reject_requested.emit(self.reason.text())
