"""Quitting after a copy exits cleanly instead of crashing in Qt's exit handlers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = (
    Path(__file__).resolve().parents[2] / "sample_projects" / "night_ferry.authorstudio"
)

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from author_studio.ui.app import make_application, release_clipboard

app = make_application()
app.aboutToQuit.connect(release_clipboard)
from author_studio.ui.main_window import MainWindow

window = MainWindow()
window.show()
window.open_project(Path(sys.argv[1]))


def copy_and_quit():
    window.canvas.graph.select_scenes([window.session.scenes.start().id])
    window.actions.copy.trigger()
    app.quit()


QTimer.singleShot(200, copy_and_quit)
app.exec()
"""


def test_quit_after_copy_exits_zero(tmp_path: Path) -> None:
    copy = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, copy)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(copy)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
