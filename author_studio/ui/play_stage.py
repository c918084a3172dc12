"""The stage of the play dock: what the viewer sees of the current scene."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from author_studio.preview.engine import PlayEngine, RunStatus, format_clock
from author_studio.ui.choice_timer import ChoiceTimer
from author_studio.ui.play_widgets import (
    ACCENT,
    DANGER,
    INK,
    MUTED,
    PAPER,
    WARNING,
    ChoiceList,
    heading_font,
    make_button,
)
from author_studio.ui.screenplay import ScreenplayView

logger = logging.getLogger(__name__)


class PlayStage(QFrame):
    """The scene title, the text source badge, the screenplay page, the choice
    window countdown and the choice buttons, on a paper-coloured card."""

    choice_clicked = Signal(int)
    timeout_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playStage")
        self.setStyleSheet(
            f"#playStage {{ background: {PAPER}; border: 1px solid #dcd9cf; "
            "border-radius: 8px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 16, 22, 16)

        self.title_label = QLabel()
        self.title_label.setObjectName("sceneTitle")
        self.title_label.setFont(heading_font(18))
        self.title_label.setStyleSheet(f"color: {INK};")
        self.meta_label = QLabel()
        self.meta_label.setWordWrap(True)
        self.meta_label.setObjectName("sceneMeta")
        self.meta_label.setStyleSheet(f"color: {MUTED};")
        self.source_badge = QLabel()
        self.source_badge.setObjectName("sourceBadge")
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.source_badge, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(header)
        layout.addWidget(self.meta_label)

        self.script_view = ScreenplayView()
        self.script_view.setObjectName("scriptView")
        palette = self.script_view.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(PAPER))
        self.script_view.setPalette(palette)
        self.script_view.setMinimumHeight(200)
        layout.addWidget(self.script_view, 1)

        self.banner = QLabel()
        self.banner.setObjectName("endingBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)

        timer_row = QHBoxLayout()
        self.timer_label = QLabel()
        self.timer_label.setWordWrap(True)
        self.timer_label.setObjectName("timerLabel")
        self.timer_label.setStyleSheet(f"color: {INK}; font-size: 10pt;")
        self.timeout_button = make_button(
            "Let it run out", "timeoutButton", "Take the default choice now"
        )
        self.timeout_button.clicked.connect(self.timeout_requested)
        timer_row.addWidget(self.timer_label, 1)
        timer_row.addWidget(self.timeout_button)
        layout.addLayout(timer_row)
        self.timer_bar = QProgressBar()
        self.timer_bar.setObjectName("timerBar")
        self.timer_bar.setRange(0, 1000)
        self.timer_bar.setTextVisible(False)
        self.timer_bar.setFixedHeight(8)
        layout.addWidget(self.timer_bar)

        self.choices = ChoiceList()
        self.choices.choice_clicked.connect(self.choice_clicked)
        self.choices.add_number_keys(self)
        layout.addWidget(self.choices)

    def show_empty(self, title: str, message: str) -> None:
        self.title_label.setText(title)
        self.meta_label.setText(message)
        self.source_badge.setText("")
        self.script_view.set_script("")
        self.choices.set_offer(None)
        self.banner.hide()

    def show_scene(self, engine: PlayEngine, message: str | None = None) -> None:
        """Show the current scene of ``engine``, its offer and, at the end of the
        run, the banner; ``message`` goes under the title in red."""
        scene, text = engine.scene, engine.text()
        self.title_label.setText(scene.title)
        parts = [scene.key, scene.kind.value, format_clock(text.duration_s)]
        parts.append(f"runtime so far {format_clock(engine.elapsed_s)}")
        meta = " · ".join(parts)
        if message:
            meta += f"\n{message}"
        self.meta_label.setText(meta)
        self.meta_label.setStyleSheet(f"color: {DANGER if message else MUTED};")
        if text.is_base and text.audience is not None:
            colour, label = WARNING, f"Base script · no {text.audience.name} variant"
        elif text.is_base:
            colour, label = MUTED, "Base script"
        else:
            colour, label = ACCENT, f"{text.audience.name} variant"
        self.source_badge.setText(label)
        self.source_badge.setToolTip(text.source_label)
        self.source_badge.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 9px; "
            "padding: 3px 10px; font-weight: bold;"
        )
        self.script_view.set_script(text.text)
        self.choices.set_offer(engine.offer(), enabled=not engine.finished)
        self._show_banner(engine)

    def _show_banner(self, engine: PlayEngine) -> None:
        status = engine.status
        if status == RunStatus.PLAYING:
            self.banner.hide()
            return
        runtime = format_clock(engine.elapsed_s + engine.text().duration_s)
        if status == RunStatus.ENDED:
            count = len(engine.steps)
            text = f"THE END — {engine.scene.title} · {count} choices · {runtime}"
            colour = ACCENT
        else:
            text = (
                f"Dead end: {engine.scene.title} is not an ending and offers no "
                "choice. Add a choice or make it an ending."
            )
            colour = DANGER
        self.banner.setText(text)
        self.banner.setFont(heading_font(13))
        self.banner.setStyleSheet(
            f"color: white; background: {colour}; padding: 10px; border-radius: 6px;"
        )
        self.banner.show()

    def show_timer(self, engine: PlayEngine | None, timer: ChoiceTimer) -> None:
        """Show the countdown of ``timer`` and the default it will take."""
        default = engine.offer().default if engine and not engine.finished else None
        self.timeout_button.setVisible(default is not None)
        if engine is None or engine.finished:
            self.timer_label.setText("")
            self.timer_bar.hide()
            return
        if default is None:
            self.timer_label.setText("No default on offer: the run waits for a choice.")
            self.timer_bar.hide()
            return
        label = default.choice.label
        if timer.remaining_s is None:
            self.timer_label.setText(f"No choice window · default: {label}")
            self.timer_bar.hide()
            return
        share = timer.share_left
        self.timer_bar.show()
        self.timer_bar.setValue(round(share * 1000))
        stopped = timer.speed == 0 or timer.paused
        self.timer_bar.setStyleSheet(_timer_bar_style(share, stopped))
        if timer.speed == 0:
            state = "timer off"
        elif timer.paused:
            state = "paused"
        else:
            state = f"{timer.remaining_s:.1f} s left"
        self.timer_label.setText(f"{state} · then the default: {label}")


def _timer_bar_style(share: float, stopped: bool) -> str:
    """Colour the bar teal, then amber below half, then red below a fifth, and
    grey while the countdown is stopped."""
    if stopped:
        colour = "#b9b6ab"
    elif share > 0.5:
        colour = ACCENT
    elif share > 0.2:
        colour = WARNING
    else:
        colour = DANGER
    return (
        "QProgressBar { background: #e7e4da; border: none; border-radius: 4px; }"
        f"QProgressBar::chunk {{ background: {colour}; border-radius: 4px; }}"
    )
