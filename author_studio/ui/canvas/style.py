"""Sizes, colours and fonts shared by the canvas items and the minimap."""

from __future__ import annotations

import functools
import zlib

from PySide6.QtGui import QColor, QFont

from author_studio.analysis.layout import CARD_SIZE
from author_studio.domain.model import SceneKind, VariantStatus

CARD_WIDTH, CARD_HEIGHT = CARD_SIZE
HEADER_HEIGHT = 22.0
HANDLE_RADIUS = 7.0
GRID_SIZE = 20.0
# A choice label box never grows wider than this; longer labels are elided and
# the tooltip shows them in full.
LABEL_MAX_WIDTH = 180.0

# Below these levels of detail (screen pixels per scene unit) the items drop text,
# then arrowheads and curves, so that a zoomed-out view of thousands of scenes
# paints only flat shapes.
LOD_TEXT = 0.45
LOD_LABELS = 0.6
LOD_SHAPES = 0.12
# Between LOD_TITLES and LOD_TEXT a card shows only its title, enlarged; below
# LOD_TITLES the title would be under 4 pixels high, so the card is drawn bare.
LOD_TITLES = 0.2
# Below this level of detail lines and card outlines are drawn without
# antialiasing, which halves the cost of stroking them.
LOD_ANTIALIAS = 0.5

CANVAS_BACKGROUND = QColor("#f4f1ea")
GRID_COLOUR = QColor("#e6e1d6")
CARD_BODY = QColor("#ffffff")
CARD_BORDER = QColor("#b9b2a5")
TEXT_COLOUR = QColor("#2a2723")
MUTED_TEXT = QColor("#6f685e")
SELECTION_COLOUR = QColor("#2f6fde")
MARK_COLOUR = QColor("#d9480f")
# The two audiences of a comparison overlay: blue and orange stay apart for the
# common forms of colour blindness.
COMPARE_COLOURS = (QColor("#1f6fb2"), QColor("#e8710a"))
INCOMING_COLOUR = QColor("#7a3fc4")
OUTGOING_COLOUR = QColor("#0f8a6a")
ARROW_COLOUR = QColor("#6b645a")
DEFAULT_ARROW_COLOUR = QColor("#3b362f")
CONDITION_COLOUR = QColor("#a05a00")
LABEL_BACKGROUND = QColor(255, 255, 255, 225)
CANON_COLOUR = QColor("#8a6d00")

KIND_COLOURS = {
    SceneKind.START: QColor("#2e8b57"),
    SceneKind.SCENE: QColor("#3d6fa8"),
    SceneKind.ENDING: QColor("#9c3d54"),
}

KIND_LABELS = {
    SceneKind.START: "START",
    SceneKind.SCENE: "SCENE",
    SceneKind.ENDING: "ENDING",
}

STATUS_COLOURS = {
    VariantStatus.APPROVED: QColor("#2f9e44"),
    VariantStatus.PROPOSED: QColor("#e8a317"),
    VariantStatus.REJECTED: QColor("#c92a2a"),
    None: QColor("#adb5bd"),
}

STATUS_WORDS = {
    VariantStatus.APPROVED: "approved",
    VariantStatus.PROPOSED: "proposed, awaiting review",
    VariantStatus.REJECTED: "rejected",
    None: "no variant",
}

# Colours for tags that the project gives no colour of its own.
_TAG_PALETTE = [
    "#e67700",
    "#1971c2",
    "#2b8a3e",
    "#c2255c",
    "#6741d9",
    "#0c8599",
    "#a61e4d",
    "#5c940d",
]


def tag_colour(tag: str, project_colours: dict[str, str]) -> QColor:
    """Return the project's colour for ``tag``, or a stable palette colour."""
    named = project_colours.get(tag)
    if named:
        colour = QColor(named)
        if colour.isValid():
            return colour
    return QColor(_TAG_PALETTE[zlib.crc32(tag.encode()) % len(_TAG_PALETTE)])


def heat_colour(share: float) -> QColor:
    """Return a colour from pale yellow (0) to deep red (1) for a visit share."""
    share = max(0.0, min(1.0, share))
    low, high = QColor("#ffe8a3"), QColor("#d6336c")
    return QColor(
        round(low.red() + (high.red() - low.red()) * share),
        round(low.green() + (high.green() - low.green()) * share),
        round(low.blue() + (high.blue() - low.blue()) * share),
    )


def format_duration(seconds: float) -> str:
    """Return ``seconds`` as m:ss, or h:mm:ss from one hour."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@functools.cache
def title_font() -> QFont:
    font = QFont()
    font.setPointSizeF(10.5)
    font.setWeight(QFont.Weight.DemiBold)
    return font


@functools.cache
def small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    return font


@functools.cache
def header_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    font.setWeight(QFont.Weight.Bold)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    return font


@functools.cache
def label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.5)
    return font
