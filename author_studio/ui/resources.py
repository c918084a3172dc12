"""Icons shipped in ``author_studio/resources/icons`` (SVG, drawn for this app)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtGui import QIcon

logger = logging.getLogger(__name__)

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


@functools.cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        logger.warning("Icon %s is missing", path)
        return QIcon()
    return QIcon(str(path))
