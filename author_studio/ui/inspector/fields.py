"""Field editors that commit one value at a time, and the parsers behind them.

A field commits when the writer finishes editing it: Enter or focus out for a line,
focus out for a multi-line text, a click for a check box or a pick for a list.
The form then parses the text and, if that succeeds, runs an undo command. A value
that is rejected stays in the field with the message below it, and nothing is
written.
"""

from __future__ import annotations

import logging
import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget
from typing_extensions import override

from author_studio.domain.errors import ValidationError

logger = logging.getLogger(__name__)

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$")


def parse_duration(text: str, label: str) -> float:
    """Parse seconds ("90", "90s", "12.5") or a clock time ("1:30", "1:02:03")."""
    value = text.strip().removesuffix("s").strip()
    match = _CLOCK.match(value)
    try:
        if match:
            hours = int(match.group(1) or 0)
            minutes = int(match.group(2))
            seconds = float(match.group(3))
            if seconds >= 60:
                raise ValueError
            return hours * 3600 + minutes * 60 + seconds
        number = float(value)
    except ValueError:
        raise ValidationError(
            f"{label}: {text!r} is not a duration; type seconds (90) or "
            "minutes:seconds (1:30).",
            field=label,
        ) from None
    if math.isnan(number) or math.isinf(number):
        raise ValidationError(f"{label}: type a finite number of seconds.", field=label)
    return number


def parse_optional_duration(text: str, label: str) -> float | None:
    return None if not text.strip() else parse_duration(text, label)


def format_seconds(seconds: float | None) -> str:
    """Return whole minutes and more as m:ss, anything else as seconds."""
    if seconds is None:
        return ""
    if seconds >= 60 and float(seconds).is_integer():
        minutes, secs = divmod(int(seconds), 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{secs:02d}"
        return f"{minutes}:{secs:02d}"
    return f"{seconds:g}"


def parse_tags(text: str) -> list[str]:
    """Split on commas and white space; repeated tags are kept once."""
    return list(dict.fromkeys(tag for tag in re.split(r"[,\s]+", text) if tag))


def format_tags(tags: list[str]) -> str:
    return ", ".join(tags)


def parse_float(text: str, label: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValidationError(
            f"{label}: {text!r} is not a number.", field=label
        ) from None
    if math.isnan(value) or math.isinf(value):
        raise ValidationError(f"{label}: type a finite number.", field=label)
    return value


def parse_weights(text: str) -> dict[str, float]:
    """Parse ``tag=weight`` pairs separated by commas, e.g. ``action=1.5, talk=-1``."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        tag, sep, number = part.partition("=")
        if not sep or not tag.strip():
            raise ValidationError(
                f"{part!r} is not tag=weight; write pairs such as action=1.5, talk=-1.",
                field="tag_weights",
            )
        weights[tag.strip()] = parse_float(number, f"weight of {tag.strip()!r}")
    return weights


def format_weights(weights: dict[str, float]) -> str:
    return ", ".join(f"{tag}={weight:g}" for tag, weight in weights.items())


def script_font() -> QFont:
    """Return a fixed-pitch font, because screenplay text is usually set in Courier."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    for family in ("Courier Prime", "Courier New", "Courier", "DejaVu Sans Mono"):
        if family in QFontDatabase.families():
            font = QFont(family)
            break
    font.setPointSizeF(10.5)
    return font


class ErrorLabel(QLabel):
    """The message under a field whose value was rejected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setStyleSheet("color: #c92a2a; font-size: 11px;")
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.show()

    def clear_message(self) -> None:
        self.clear()
        self.hide()


class CommitLineEdit(QLineEdit):
    """A line edit that sends ``committed(text)`` when editing finishes with a
    changed value; Escape puts the stored value back."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored = ""
        self.editingFinished.connect(self._finish)

    def set_stored(self, text: str) -> None:
        self._stored = text
        self.setText(text)

    def _finish(self) -> None:
        if self.text() != self._stored:
            self.committed.emit(self.text())

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text() != self._stored:
            self.setText(self._stored)
            event.accept()
            return
        super().keyPressEvent(event)


class CommitTextEdit(QPlainTextEdit):
    """A multi-line editor that sends ``committed(text)`` on focus out (or
    Ctrl+Enter) when its text changed."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored = ""
        self.setTabChangesFocus(True)

    def set_stored(self, text: str) -> None:
        self._stored = text
        if self.toPlainText() != text:
            self.setPlainText(text)

    def commit(self) -> None:
        if self.toPlainText() != self._stored:
            self.committed.emit(self.toPlainText())

    @override
    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.commit()
        super().focusOutEvent(event)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.commit()
            event.accept()
            return
        super().keyPressEvent(event)
