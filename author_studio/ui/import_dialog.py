"""File > Import: pick a Twee file or folder, Twine HTML or ink JSON and import it
into a new project, off the GUI thread, then show the import report."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from author_studio.interop.importer import import_story
from author_studio.interop.twine_html import story_names
from author_studio.store.project_file import PROJECT_SUFFIX
from author_studio.ui.tasks import Task, TaskControl, run_in_background

logger = logging.getLogger(__name__)

SOURCE_FILTER = (
    "Stories (*.twee *.tw *.html *.htm *.json);;Twee (*.twee *.tw);;"
    "Twine HTML (*.html *.htm);;Compiled ink (*.json);;All files (*)"
)


class ImportDialog(QDialog):
    """Import a story into a new project file.

    ``imported`` is emitted with the new project's path after a successful
    import; the main window opens it from there.
    """

    imported = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import story")
        self.setMinimumWidth(640)
        self.task: Task | None = None
        self.project_path: Path | None = None

        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText(
            "A .twee/.tw file or folder, Twine .html, ink .json"
        )
        self.source_edit.textChanged.connect(self._source_changed)
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._choose_file)
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._choose_folder)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(file_button)
        source_row.addWidget(folder_button)

        self.story_combo = QComboBox()
        self.story_combo.setEnabled(False)
        self.story_combo.setToolTip("The story to import when an archive holds several")

        self.output_edit = QLineEdit()
        self.output_edit.setPlaceholderText(f"New project file (*{PROJECT_SUFFIX})")
        output_button = QPushButton("Save As…")
        output_button.clicked.connect(self._choose_output)
        output_row = QHBoxLayout()
        output_row.addWidget(self.output_edit, 1)
        output_row.addWidget(output_button)

        form = QFormLayout()
        form.addRow("Source", source_row)
        form.addRow("Story", self.story_combo)
        form.addRow("Project", output_row)

        self.status = QLabel(
            "Choose the story to import and where to create the project."
        )
        self.status.setWordWrap(True)
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setFont(QFont("monospace"))
        self.report_view.setPlaceholderText("The import report appears here.")

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button = self.buttons.addButton(
            "Open Project", QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.open_button.setEnabled(False)
        self.close_button = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Close
        )
        self.import_button.clicked.connect(self.start_import)
        self.open_button.clicked.connect(self._open_project)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(self.buttons)

    def set_source(self, path: Path) -> None:
        self.source_edit.setText(str(path))

    def set_output(self, path: Path) -> None:
        self.output_edit.setText(str(path))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import story", "", SOURCE_FILTER)
        if path:
            self.set_source(Path(path))

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder of Twee files")
        if path:
            self.set_source(Path(path))

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "New project",
            self.output_edit.text(),
            f"Projects (*{PROJECT_SUFFIX})",
        )
        if path:
            self.set_output(Path(path).with_suffix(PROJECT_SUFFIX))

    def _source_changed(self, text: str) -> None:
        self.story_combo.clear()
        self.story_combo.setEnabled(False)
        source = Path(text)
        if not text or not source.is_file():
            return
        if not self.output_edit.text():
            self.set_output(source.with_suffix(PROJECT_SUFFIX))
        if source.suffix.lower() in (".html", ".htm"):
            try:
                names = story_names(source)
            except (OSError, ValueError) as error:
                self.status.setText(f"Cannot read {source.name}: {error}")
                return
            self.story_combo.addItems(names)
            self.story_combo.setEnabled(len(names) > 1)

    def start_import(self) -> Task | None:
        """Start the import in the background; return its task, or None when the
        paths are missing."""
        source = Path(self.source_edit.text().strip())
        output = Path(self.output_edit.text().strip())
        if not self.source_edit.text().strip() or not self.output_edit.text().strip():
            self.status.setText("Choose a source and a project file first.")
            return None
        if output.suffix != PROJECT_SUFFIX:
            output = output.with_suffix(PROJECT_SUFFIX)
            self.set_output(output)
        story = self.story_combo.currentText() if self.story_combo.isEnabled() else None

        def work(control: TaskControl):
            control.progress(0, 1, f"Importing {source.name}…")
            return import_story(source, output, story)

        self.import_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.report_view.clear()
        self.status.setText(f"Importing {source.name}…")
        self.task = run_in_background("import", work, parent=self)
        self.task.succeeded.connect(lambda report: self._succeeded(output, report))
        self.task.failed.connect(self._failed)
        self.task.finished.connect(lambda: self.import_button.setEnabled(True))
        return self.task

    def _succeeded(self, output: Path, report) -> None:
        self.project_path = output
        self.report_view.setPlainText("\n".join(report.summary_lines()))
        warnings = len(report.warnings)
        self.status.setText(
            f"Created {output.name}: {report.scenes} scenes and {report.choices} "
            f"choices, {warnings} warning{'s' if warnings != 1 else ''}."
        )
        self.open_button.setEnabled(True)
        logger.info("Imported %s", output)

    def _failed(self, error: Exception) -> None:
        self.status.setText(f"Import failed; nothing was written. {error}")

    def _open_project(self) -> None:
        if self.project_path is not None:
            self.imported.emit(self.project_path)
            self.accept()
