"""The one place where service errors become dialogs."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

logger = logging.getLogger(__name__)


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> None:
    """Show ``error`` in a warning dialog; the message already says what to do."""
    message = str(error)
    logger.warning("%s: %s", title, message)
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=parent)
    box.setObjectName("errorDialog")
    box.open()
