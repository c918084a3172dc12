"""Render scene scripts as screenplay pages in Qt rich text.

Scripts are plain text in the usual screenplay conventions, as the Fountain
format writes them down. A scene heading starts with ``INT.`` or ``EXT.``. A
character cue is a line in capitals followed by dialogue, and a parenthetical is a
line in brackets under the cue. A transition is a capitalised line ending in
``TO:``. Everything else is action. The renderer only lays the text out and never
changes it.
"""

from __future__ import annotations

import html
import re

from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

# Courier Prime and Courier New are the screenplay faces; Liberation Mono has the
# same metrics as Courier New and ships with most Linux systems.
SCREENPLAY_FONTS = "'Courier Prime', 'Courier New', 'Liberation Mono', monospace"

_HEADING = re.compile(r"^(INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", re.IGNORECASE)
_TRANSITION = re.compile(r"^[A-Z0-9 .'-]+TO:$")
# A cue is capitals with an optional extension such as (V.O.), (O.S.) or (17).
_CUE = re.compile(r"^[A-Z][A-Z0-9 .'\-]*(\s*\([^)]*\))?\s*\^?$")


def classify_lines(text: str) -> list[tuple[str, str]]:
    """Split a script into ``(kind, text)`` blocks.

    Kinds are ``heading``, ``action``, ``cue``, ``parenthetical``, ``dialogue``,
    ``transition`` and ``blank``.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[tuple[str, str]] = []
    in_dialogue = False
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if not stripped:
            blocks.append(("blank", ""))
            in_dialogue = False
        elif in_dialogue:
            kind = "parenthetical" if stripped.startswith("(") else "dialogue"
            blocks.append((kind, stripped))
        elif _HEADING.match(stripped):
            blocks.append(("heading", stripped.upper()))
        elif _TRANSITION.match(stripped):
            blocks.append(("transition", stripped))
        elif _CUE.match(stripped) and following and _has_letters(stripped):
            blocks.append(("cue", stripped))
            in_dialogue = True
        else:
            blocks.append(("action", stripped))
    return blocks


def _has_letters(line: str) -> bool:
    return any(ch.isalpha() for ch in line)


# Standard screenplay columns in characters of a 12-point Courier face (10 to the
# inch): the action line is 60 wide, dialogue starts 10 in and is 35 wide,
# parentheticals start 16 in, character cues 22 in.
PAGE_COLUMNS = 62
_INDENTS = {"dialogue": (10, 15), "parenthetical": (16, 19), "cue": (22, 0)}


def screenplay_html(
    text: str, *, point_size: int = 12, char_width_px: float = 0, columns: int = 0
) -> str:
    """Return ``text`` laid out as a screenplay page, as Qt rich-text HTML.

    Qt rich text takes margins in pixels only, so the indents are computed from
    ``char_width_px`` (the average width of one character of the face) and scaled
    when the page is ``columns`` wide rather than :data:`PAGE_COLUMNS`. With
    ``char_width_px`` 0 the indents assume 10 px per character.
    """
    width = char_width_px or 10.0
    scale = min(1.0, columns / PAGE_COLUMNS) if columns else 1.0
    parts = [
        f'<div style="font-family:{SCREENPLAY_FONTS}; font-size:{point_size}pt; '
        'color:#1d1d1b;">'
    ]
    if not text.strip():
        parts.append('<p style="color:#8a8a85; font-style:italic;">(no script yet)</p>')
    after_blank = False
    for kind, line in classify_lines(text):
        if kind == "blank":
            after_blank = True
            continue
        style = _style(kind, width * scale)
        # Blank lines separate blocks, but Qt drops empty paragraphs, so the next
        # block gets a gap above it instead.
        style += " margin-top:12px;" if after_blank else " margin-top:0px;"
        after_blank = False
        parts.append(f'<p style="{style}">{html.escape(line)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _style(kind: str, column_px: float) -> str:
    if kind == "heading":
        return "font-weight:bold; margin-bottom:0px;"
    if kind == "transition":
        return "text-align:right; margin-bottom:0px;"
    if kind == "action":
        return "margin-bottom:0px;"
    left, right = _INDENTS[kind]
    style = (
        f"margin-left:{round(left * column_px)}px; "
        f"margin-right:{round(right * column_px)}px; margin-bottom:0px;"
    )
    if kind == "parenthetical":
        style += " color:#5a5954;"
    return style


class ScreenplayView(QTextBrowser):
    """A read-only screenplay page, at most :data:`PAGE_COLUMNS` characters wide
    and centred in the view; narrower views scale the indents down."""

    def __init__(self, parent: QWidget | None = None, point_size: int = 12) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._point_size = point_size
        font = QFont("Liberation Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(point_size)
        self._char_width = QFontMetricsF(font).horizontalAdvance("M")
        self._text = ""
        self._layout_key: tuple[int, int] | None = None

    def set_script(self, text: str) -> None:
        self._text = text
        self._layout_key = None
        self._render()

    def script(self) -> str:
        return self._text

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render()

    def _render(self) -> None:
        available = max(self.viewport().width() - 24, self._char_width * 20)
        columns = min(PAGE_COLUMNS, int(available / self._char_width))
        side = max(12, int((self.viewport().width() - columns * self._char_width) / 2))
        if self._layout_key == (columns, side):
            return
        self._layout_key = (columns, side)
        self.setHtml(
            screenplay_html(
                self._text,
                point_size=self._point_size,
                char_width_px=self._char_width,
                columns=columns,
            )
        )
        root = self.document().rootFrame()
        frame_format = root.frameFormat()
        frame_format.setLeftMargin(side)
        frame_format.setRightMargin(side)
        frame_format.setTopMargin(10)
        root.setFrameFormat(frame_format)
