"""The export dialog exports in the background and lists lint errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

from author_studio.domain.model import Choice, Scene, SceneKind
from author_studio.services.session import ProjectSession
from author_studio.ui.export_dialog import ExportDialog


def _session(tmp_path: Path, with_ending: bool) -> ProjectSession:
    session = ProjectSession.create(tmp_path / "p.authorstudio", "Dialog story")
    if with_ending:
        start = session.scenes.start()
        end = session.scenes.create(
            Scene(key="end", title="End", kind=SceneKind.ENDING)
        )
        session.choices.create(Choice(start.id, end.id, "Go"))
    return session


def test_export_dialog_writes_package(qtbot, tmp_path: Path) -> None:
    session = _session(tmp_path, with_ending=True)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.output_edit.text() == str(tmp_path / "p.storypkg")
    task = dialog.start_export()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert dialog.status.text().startswith("Exported p.storypkg.")
    with zipfile.ZipFile(tmp_path / "p.storypkg") as archive:
        assert "player/index.html" in archive.namelist()
    session.close()


def test_export_dialog_lists_lint_errors(qtbot, tmp_path: Path) -> None:
    session = _session(tmp_path, with_ending=False)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.format_combo.setCurrentIndex(1)
    assert dialog.output_edit.text() == str(tmp_path / "p.twee")
    task = dialog.start_export()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert "nothing was written" in dialog.status.text()
    assert not (tmp_path / "p.twee").exists()
    assert dialog.findings.count() >= 1
    codes = [
        dialog.findings.item(i).text().split(":")[0]
        for i in range(dialog.findings.count())
    ]
    assert "no-ending" in codes
    assert not dialog.force_button.isHidden()
    task = dialog.start_export(force=True)
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert (tmp_path / "p.twee").exists()
    assert "exported anyway" in dialog.status.text()
    session.close()
