"""File > Export: write the open project as a story package, Twee 3 or Twine 2
HTML, off the GUI thread. When lint reports errors the dialog lists them and
offers to export anyway."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from author_studio.interop.exporter import ExportFormat, LintFailedError, export_project
from author_studio.services.session import ProjectSession
from author_studio.ui.tasks import Task, TaskControl, run_in_background

logger = logging.getLogger(__name__)

FORMATS = [
    (ExportFormat.STORYPKG, "Story package (.storypkg)", ".storypkg"),
    (ExportFormat.TWEE, "Twee 3 (.twee)", ".twee"),
    (ExportFormat.TWINE_HTML, "Twine 2 archive (.html)", ".html"),
]


def _errors(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


class ExportDialog(QDialog):
    """Export the project of ``session`` to a file the user picks."""

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export story")
        self.setMinimumWidth(600)
        self.session = session
        self.task: Task | None = None

        self.format_combo = QComboBox()
        for fmt, label, _suffix in FORMATS:
            self.format_combo.addItem(label, fmt)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.audience_combo = QComboBox()
        self.audience_combo.addItem("All audiences", None)
        for audience in session.audiences.list():
            self.audience_combo.addItem(audience.name, audience.name)
        self.personas_check = QCheckBox("Include personas")

        self.output_edit = QLineEdit(str(session.path.with_suffix(".storypkg")))
        output_button = QPushButton("Save As…")
        output_button.clicked.connect(self._choose_output)
        output_row = QHBoxLayout()
        output_row.addWidget(self.output_edit, 1)
        output_row.addWidget(output_button)

        form = QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("Audience", self.audience_combo)
        form.addRow("", self.personas_check)
        form.addRow("File", output_row)

        self.status = QLabel("Lint checks the story before it is exported.")
        self.status.setWordWrap(True)
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.force_button = self.buttons.addButton(
            "Export Anyway", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.force_button.setVisible(False)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(lambda: self.start_export(force=False))
        self.force_button.clicked.connect(lambda: self.start_export(force=True))
        close.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.findings, 1)
        layout.addWidget(self.buttons)

    def _format_changed(self, index: int) -> None:
        suffix = FORMATS[index][2]
        self.personas_check.setEnabled(FORMATS[index][0] is ExportFormat.STORYPKG)
        current = Path(self.output_edit.text())
        self.output_edit.setText(str(current.with_suffix(suffix)))

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export story", self.output_edit.text()
        )
        if path:
            self.output_edit.setText(path)

    def start_export(self, force: bool = False) -> Task:
        """Start the export in the background and return its task."""
        fmt = ExportFormat(self.format_combo.currentData())
        audience = self.audience_combo.currentData()
        personas = self.personas_check.isChecked() and self.personas_check.isEnabled()
        output = Path(self.output_edit.text())
        session = self.session

        def work(control: TaskControl):
            return export_project(
                session, output, fmt, audience=audience, force=force, personas=personas
            )

        self.export_button.setEnabled(False)
        self.force_button.setEnabled(False)
        self.status.setText(f"Exporting {output.name}…")
        self.task = run_in_background("export", work, parent=self)
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.finished.connect(self._finished)
        return self.task

    def _succeeded(self, result) -> None:
        text = f"Exported {result.path.name}."
        if result.lint_errors:
            text += f" Lint found {_errors(len(result.lint_errors))}; exported anyway."
        if result.warnings:
            text += f" {len(result.warnings)} warnings are listed below."
        self.status.setText(text)
        self._show_findings(result.warnings)
        self.force_button.setVisible(False)
        logger.info("Exported %s", result.path)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, LintFailedError):
            self.status.setText(
                f"Lint found {_errors(len(error.findings))}, so nothing was written. "
                "Fix them, or export anyway."
            )
            self._show_findings(error.findings)
            self.force_button.setVisible(True)
            return
        self.status.setText(f"Export failed; nothing was written. {error}")

    def _finished(self) -> None:
        self.export_button.setEnabled(True)
        self.force_button.setEnabled(True)

    def _show_findings(self, lines: list[str]) -> None:
        self.findings.clear()
        self.findings.addItems(lines)
        self.findings.setVisible(bool(lines))
