"""An overview of the whole plot graph in a corner of the canvas.

The overview is drawn once into a pixmap whenever the graph changes (debounced),
so scrolling and zooming only repaint the pixmap and the rectangle of the visible
area.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from author_studio.ui.canvas import style

if TYPE_CHECKING:
    from author_studio.ui.canvas.view import PlotCanvas

logger = logging.getLogger(__name__)

_WIDTH = 220
_HEIGHT = 140
_MARGIN = 12
_PADDING = 6


class Minimap(QWidget):
    """Click or drag in the minimap to centre the canvas on that point."""

    def __init__(self, view: PlotCanvas) -> None:
        super().__init__(view)
        self.setObjectName("minimap")
        self._view = view
        self._pixmap: QPixmap | None = None
        self._graph_rect = QRectF()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.rebuild)
        view.graph.graph_changed.connect(self._timer.start)
        self.setFixedSize(_WIDTH, _HEIGHT)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")

    def place(self) -> None:
        """Put the minimap in the bottom-right corner of the view's viewport."""
        area = self._view.viewport().geometry()
        self.move(area.right() - _WIDTH - _MARGIN, area.bottom() - _HEIGHT - _MARGIN)

    def rebuild(self) -> None:
        """Redraw the overview pixmap from the cards' current positions."""
        cards = self._view.graph.cards
        self._graph_rect = self._view.graph.graph_rect()
        pixmap = QPixmap(_WIDTH, _HEIGHT)
        pixmap.fill(Qt.GlobalColor.transparent)
        if cards and not self._graph_rect.isEmpty():
            painter = QPainter(pixmap)
            scale, offset = self._mapping()
            painter.setPen(Qt.PenStyle.NoPen)
            for kind, colour in style.KIND_COLOURS.items():
                painter.setBrush(colour)
                rects = [
                    QRectF(
                        offset.x() + card.pos().x() * scale,
                        offset.y() + card.pos().y() * scale,
                        max(1.5, style.CARD_WIDTH * scale),
                        max(1.5, style.CARD_HEIGHT * scale),
                    )
                    for card in cards.values()
                    if card.record.kind is kind
                ]
                if rects:
                    painter.drawRects(rects)
            painter.end()
        self._pixmap = pixmap
        self.update()

    def _mapping(self) -> tuple[float, QPointF]:
        rect = self._graph_rect
        usable_w = _WIDTH - 2 * _PADDING
        usable_h = _HEIGHT - 2 * _PADDING
        scale = min(usable_w / max(rect.width(), 1), usable_h / max(rect.height(), 1))
        offset = QPointF(
            _PADDING + (usable_w - rect.width() * scale) / 2 - rect.left() * scale,
            _PADDING + (usable_h - rect.height() * scale) / 2 - rect.top() * scale,
        )
        return scale, offset

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.CARD_BORDER, 1))
        painter.setBrush(QColor(255, 255, 255, 215))
        painter.drawRoundedRect(
            QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6
        )
        if self._pixmap is not None:
            painter.drawPixmap(0, 0, self._pixmap)
        if self._graph_rect.isEmpty():
            painter.setPen(style.MUTED_TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No scenes")
            return
        scale, offset = self._mapping()
        visible = self._view.visible_scene_rect()
        frame = QRectF(
            offset.x() + visible.left() * scale,
            offset.y() + visible.top() * scale,
            visible.width() * scale,
            visible.height() * scale,
        ).intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.setPen(QPen(style.SELECTION_COLOUR, 1.5))
        painter.setBrush(QColor(47, 111, 222, 40))
        painter.drawRect(frame)

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._centre_view(event.position())

    @override
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._centre_view(event.position())

    def _centre_view(self, point: QPointF) -> None:
        if self._graph_rect.isEmpty():
            return
        scale, offset = self._mapping()
        self._view.centerOn((point - offset) / scale)
        self.update()
