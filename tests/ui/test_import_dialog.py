"""The import dialog runs the import in the background and shows the report."""

from __future__ import annotations

from pathlib import Path

from author_studio.ui.import_dialog import ImportDialog

DATA = Path(__file__).resolve().parent.parent / "data" / "twine"


def test_import_dialog_shows_report(qtbot, tmp_path: Path) -> None:
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_source(DATA / "cookbook-harlowe-storylets.twee")
    dialog.set_output(tmp_path / "storylets.authorstudio")
    task = dialog.start_import()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert (tmp_path / "storylets.authorstudio").exists()
    assert "5 choices" in dialog.report_view.toPlainText()
    assert dialog.open_button.isEnabled()
    with qtbot.waitSignal(dialog.imported) as blocker:
        dialog.open_button.click()
    assert blocker.args == [tmp_path / "storylets.authorstudio"]


def test_import_dialog_reports_failure(qtbot, tmp_path: Path) -> None:
    source = tmp_path / "old.json"
    source.write_text('{"inkVersion": 5, "root": []}', encoding="utf-8")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_source(source)
    dialog.set_output(tmp_path / "old.authorstudio")
    task = dialog.start_import()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert "nothing was written" in dialog.status.text()
    assert "inkVersion 5" in dialog.status.text()
    assert not (tmp_path / "old.authorstudio").exists()
    assert not dialog.open_button.isEnabled()


def test_import_dialog_lists_archive_stories(qtbot, tmp_path: Path) -> None:
    source = tmp_path / "library.html"
    source.write_text(
        '<tw-storydata name="One" ifid="606B5476-BA53-4A70-B4F5-F6794AE67744">'
        '<tw-passagedata pid="1" name="A">a</tw-passagedata></tw-storydata>'
        '<tw-storydata name="Two" ifid="1188096A-464B-4A12-9B08-822D4BB60D0E">'
        '<tw-passagedata pid="1" name="B">b</tw-passagedata></tw-storydata>',
        encoding="utf-8",
    )
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_source(source)
    assert dialog.story_combo.isEnabled()
    assert [dialog.story_combo.itemText(i) for i in range(2)] == ["One", "Two"]
    assert dialog.output_edit.text() == str(tmp_path / "library.authorstudio")
    dialog.story_combo.setCurrentIndex(1)
    task = dialog.start_import()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert "1 passage:" in dialog.report_view.toPlainText()
    dialog.grab().save(str(tmp_path / "dialog.png"))
