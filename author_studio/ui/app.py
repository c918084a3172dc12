"""Start the Qt application, optionally on a project, and run its event loop."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from author_studio import __version__
from author_studio.assist.local_server import stop_all_servers
from author_studio.ui.clipboard import MIME_TYPE

logger = logging.getLogger(__name__)

ORGANIZATION = "Author Studio"
APPLICATION = "Author Studio"


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    return app  # type: ignore[return-value]


def release_clipboard() -> None:
    """Take scenes copied by this process off the clipboard before exit.

    QClipboard owns the QMimeData of a copy and deletes it from a C++ exit handler
    after Python has shut down, which crashes the process. Only Author Studio can
    paste those scenes, so clearing them when it quits costs little.
    """
    clipboard = QGuiApplication.clipboard()
    data = clipboard.mimeData()
    if data is not None and data.hasFormat(MIME_TYPE):
        clipboard.clear()


def run_gui(path: str | None, screenshot: str | None = None) -> int:
    """Show the main window, open ``path`` if given, and run until it closes.

    With ``screenshot``, the window is rendered to that PNG file once the project
    has loaded, and the application exits with 0 (or 2 when the project could not
    be opened).
    """
    app = make_application()
    app.aboutToQuit.connect(release_clipboard)
    # The local model's server is a child process; stop it before Qt tears down,
    # rather than only at interpreter exit.
    app.aboutToQuit.connect(stop_all_servers)
    from author_studio.ui.main_window import MainWindow

    window = MainWindow()
    if screenshot:
        # A fixed size, so that screenshots do not depend on the saved layout.
        window.resize(1440, 900)
        window.resizeDocks(
            [window.outline, window.inspector], [240, 520], Qt.Orientation.Horizontal
        )
    window.show()
    opened = window.open_project(Path(path)) if path else True
    if screenshot:

        def capture() -> None:
            if not window.grab().save(screenshot, "PNG"):
                print(
                    f"author-studio: error: {screenshot}: writing the screenshot "
                    "failed; check that the folder is writable.",
                    file=sys.stderr,
                )
                app.exit(2)
                return
            logger.info("Wrote screenshot %s", screenshot)
            app.exit(0 if opened else 2)

        QTimer.singleShot(300, capture)
    return app.exec()
