"""The card that shows one scene on the canvas."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyleOptionGraphicsItem,
    QWidget,
)
from typing_extensions import override

from author_studio.domain.model import Scene, SceneKind, VariantStatus
from author_studio.ui.canvas import style

if TYPE_CHECKING:
    from author_studio.ui.canvas.choice_item import ChoiceArrow

logger = logging.getLogger(__name__)

# One audience badge: a short label, the audience name for the tooltip, and the
# status of that audience's variants of the scene (None when there is none).
Badge = tuple[str, str, VariantStatus | None]

_MAX_BADGES = 5
_CARD_FLAGS = (
    QGraphicsItem.GraphicsItemFlag.ItemIsMovable
    | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
    | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
)


class SceneCard(QGraphicsItem):
    """A scene card. Its position is the top-left corner of the card.

    The card keeps the :class:`Scene` record it paints and the arrows that end at
    it, so moving the card can bend them. The graphics scene replaces the record
    when a change notice names the scene; the card never writes it.
    """

    # Set by the graphics scene while it moves many cards at once; it then
    # updates each affected arrow once instead of once per moved end.
    defer_arrow_updates = False

    def __init__(self, record: Scene, tag_colours: dict[str, str]) -> None:
        super().__init__()
        self.arrows: list[ChoiceArrow] = []
        self.badges: list[Badge] = []
        self.heat: float | None = None
        # Visit shares of the two audiences of a comparison, or None.
        self.comparison: tuple[float, float] | None = None
        self.marked = False
        self._tag_colours = tag_colours
        self._title_lines: list[str] | None = None
        self.record = record
        # The top-left corner as floats, kept equal to pos() by itemChange:
        # arrows read it often, and each pos() call crosses into C++.
        self.position = (record.x, record.y)
        # Cards keep the default z of 0; arrows lie below them at negative z.
        self.setPos(record.x, record.y)
        self.setFlags(_CARD_FLAGS)

    @property
    def scene_id(self) -> int:
        return self.record.id  # type: ignore[return-value]

    def set_record(self, record: Scene) -> None:
        """Show ``record``; moves the card when the stored position differs."""
        previous = self.record
        self.record = record
        if self.pos() != QPointF(record.x, record.y):
            self.setPos(record.x, record.y)
        if dataclasses.replace(previous, x=record.x, y=record.y) != record:
            self._title_lines = None
            self.update()

    def set_badges(self, badges: list[Badge]) -> None:
        if badges != self.badges:
            self.badges = badges
            self.update()

    def set_heat(self, share: float | None) -> None:
        if share != self.heat:
            self.heat = share
            self.update()

    def set_comparison(self, shares: tuple[float, float] | None) -> None:
        if shares != self.comparison:
            self.comparison = shares
            self.update()

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.update()

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, style.CARD_WIDTH, style.CARD_HEIGHT)

    def handle_centre(self) -> QPointF:
        """Centre of the connect handle on the right edge, in item coordinates."""
        return QPointF(style.CARD_WIDTH, style.CARD_HEIGHT / 2)

    def is_on_handle(self, item_point: QPointF) -> bool:
        offset = item_point - self.handle_centre()
        reach = style.HANDLE_RADIUS + 4
        return offset.x() ** 2 + offset.y() ** 2 <= reach**2

    def centre(self) -> QPointF:
        return self.pos() + QPointF(style.CARD_WIDTH / 2, style.CARD_HEIGHT / 2)

    def scene_rect(self) -> QRectF:
        return self.card_rect().translated(self.pos())

    @override
    def boundingRect(self) -> QRectF:
        margin = style.HANDLE_RADIUS + 3
        # The bottom margin leaves room for the comparison bars under the card.
        return self.card_rect().adjusted(-4, -4, margin, 14)

    @override
    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), 8, 8)
        path.addEllipse(self.handle_centre(), style.HANDLE_RADIUS, style.HANDLE_RADIUS)
        return path

    @override
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change is QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            old = self.position
            self.position = (value.x(), value.y())
            scene = self.scene()
            if hasattr(scene, "card_moved"):
                scene.card_moved(self, old)
            if not SceneCard.defer_arrow_updates:
                for arrow in self.arrows:
                    arrow.update_geometry()
        return super().itemChange(change, value)

    @override
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        # The view does not save the painter state around items, so the hints
        # this method relies on are set here.
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        kind_colour = style.KIND_COLOURS[self.record.kind]
        rect = self.card_rect()
        painter.setRenderHint(
            QPainter.RenderHint.Antialiasing, lod >= style.LOD_ANTIALIAS
        )
        if lod < style.LOD_SHAPES:
            self._paint_flat(painter, rect, kind_colour, selected)
            return
        self._paint_body(painter, rect, kind_colour, selected)
        if lod < style.LOD_TITLES:
            return
        if lod < style.LOD_TEXT:
            self._paint_title_only(painter, rect)
            return
        self._paint_header(painter, rect, kind_colour)
        self._paint_title(painter, rect)
        self._paint_footer(painter, rect)
        if self.comparison is not None:
            self._paint_comparison(painter, rect)
        self._paint_handle(painter, kind_colour)

    def _paint_comparison(self, painter: QPainter, rect: QRectF) -> None:
        """Draw two bars under the card, one per audience, as long as the share
        of that audience's viewers who saw the scene."""
        left = rect.left() + 4
        width = rect.width() - 8
        top = rect.bottom() + 3
        painter.setPen(Qt.PenStyle.NoPen)
        for row, (share, colour) in enumerate(
            zip(self.comparison, style.COMPARE_COLOURS, strict=True)
        ):
            y = top + row * 5
            painter.setBrush(QColor("#dcdcdc"))
            painter.drawRect(QRectF(left, y, width, 4))
            painter.setBrush(colour)
            painter.drawRect(QRectF(left, y, width * max(0.0, min(1.0, share)), 4))

    def _wrapped_title(self) -> list[str]:
        if self._title_lines is None:
            self._title_lines = _wrap_title(self.record.title, style.CARD_WIDTH - 20)
        return self._title_lines

    def _paint_flat(
        self, painter: QPainter, rect: QRectF, colour: QColor, selected: bool
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        fill = style.SELECTION_COLOUR if selected else colour
        if self.heat is not None and not selected:
            fill = style.heat_colour(self.heat)
        if self.marked:
            fill = style.MARK_COLOUR
        painter.fillRect(rect, fill)

    def _paint_body(
        self, painter: QPainter, rect: QRectF, colour: QColor, selected: bool
    ) -> None:
        body = style.CARD_BODY
        if self.heat is not None:
            body = style.heat_colour(self.heat).lighter(112)
        if self.marked:
            painter.setPen(QPen(style.MARK_COLOUR, 7))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 10, 10)
        border = QPen(style.CARD_BORDER, 1.2)
        if selected:
            border = QPen(style.SELECTION_COLOUR, 3)
        elif self.record.kind is not SceneKind.SCENE:
            border = QPen(colour, 2)
        painter.setPen(border)
        painter.setBrush(QBrush(body))
        painter.drawRoundedRect(rect, 8, 8)
        if self.record.kind is SceneKind.ENDING:
            # A second, inner border: endings read as "terminal" at a glance.
            painter.setPen(QPen(colour, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(3, 3, -3, -3), 6, 6)

    def _paint_header(self, painter: QPainter, rect: QRectF, colour: QColor) -> None:
        # A rounded band with its lower half filled square, so the header meets
        # the white body in a straight line.
        top = QRectF(rect.left(), rect.top(), rect.width(), style.HEADER_HEIGHT)
        band = top.adjusted(1, 1, -1, 0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(band, 7, 7)
        painter.fillRect(band.adjusted(0, band.height() / 2, 0, 0), colour)

        painter.setFont(style.header_font())
        painter.setPen(QColor("white"))
        text_rect = top.adjusted(9, 0, -8, 0)
        flags = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            text_rect,
            flags | Qt.AlignmentFlag.AlignLeft,
            style.KIND_LABELS[self.record.kind],
        )
        right = style.format_duration(self.record.duration_s)
        if self.heat is not None:
            right = f"{self.heat:.0%}  " + right
        if self.record.canon:
            right = "CANON  " + right
        painter.drawText(text_rect, flags | Qt.AlignmentFlag.AlignRight, right)
        if self.record.canon:
            # Common UI fonts lack the padlock emoji, so the lock is drawn.
            advance = QFontMetricsF(style.header_font()).horizontalAdvance(right)
            _paint_padlock(painter, text_rect.right() - advance - 11, top.center().y())

    def _paint_title_only(self, painter: QPainter, rect: QRectF) -> None:
        painter.setFont(style.title_font())
        painter.setPen(style.TEXT_COLOUR)
        text = " ".join(self._wrapped_title())
        big = style.title_font()
        big.setPointSizeF(big.pointSizeF() * 1.8)
        painter.setFont(big)
        painter.drawText(
            rect.adjusted(8, 4, -8, -4),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            text,
        )

    def _paint_title(self, painter: QPainter, rect: QRectF) -> None:
        painter.setFont(style.title_font())
        painter.setPen(style.TEXT_COLOUR)
        top = rect.top() + style.HEADER_HEIGHT + 5
        line_height = QFontMetricsF(style.title_font()).height()
        for index, line in enumerate(self._wrapped_title()):
            painter.drawText(
                QRectF(
                    rect.left() + 10,
                    top + index * line_height,
                    rect.width() - 20,
                    line_height,
                ),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )

    def _paint_footer(self, painter: QPainter, rect: QRectF) -> None:
        bottom = rect.bottom() - 8
        x = rect.left() + 10
        for tag in self.record.tags[:4]:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.tag_colour(tag, self._tag_colours))
            painter.drawRoundedRect(QRectF(x, bottom - 6, 16, 6), 3, 3)
            x += 19
        if self.record.key:
            painter.setFont(style.small_font())
            painter.setPen(style.MUTED_TEXT)
            key_rect = QRectF(x + 2, bottom - 24, rect.width() / 2, 12)
            painter.drawText(key_rect, Qt.AlignmentFlag.AlignLeft, self.record.key)
        self._paint_badges(painter, rect, bottom)

    def _paint_badges(self, painter: QPainter, rect: QRectF, bottom: float) -> None:
        if not self.badges:
            return
        painter.setFont(style.small_font())
        width, height, gap = 22.0, 13.0, 3.0
        shown = self.badges[:_MAX_BADGES]
        x = rect.right() - 8 - len(shown) * (width + gap) + gap
        for short, _name, status in shown:
            colour = style.STATUS_COLOURS[status]
            badge = QRectF(x, bottom - height, width, height)
            if status in (VariantStatus.APPROVED, VariantStatus.PROPOSED):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                text_colour = QColor("white")
            else:
                painter.setPen(QPen(colour, 1.2))
                painter.setBrush(QColor("white"))
                text_colour = colour
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(text_colour)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, short)
            x += width + gap

    def _paint_handle(self, painter: QPainter, colour: QColor) -> None:
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(colour)
        painter.drawEllipse(
            self.handle_centre(), style.HANDLE_RADIUS - 1.5, style.HANDLE_RADIUS - 1.5
        )

    def tooltip_text(self) -> str:
        record = self.record
        lines = [f"{record.title}  ({record.key})"]
        if record.synopsis:
            lines.append(record.synopsis[:300])
        if record.tags:
            lines.append("Tags: " + ", ".join(record.tags))
        for _short, name, status in self.badges:
            lines.append(f"{name}: {style.STATUS_WORDS[status]}")
        if self.heat is not None:
            lines.append(f"Visited by {self.heat:.0%} of simulated viewers")
        if self.comparison is not None:
            first, second = self.comparison
            lines.append(
                f"Visited by {first:.0%} (blue bar) and {second:.0%} (orange bar) "
                "of the compared audiences"
            )
        return "\n".join(lines)


def _paint_padlock(painter: QPainter, x: float, centre_y: float) -> None:
    """Draw a white padlock 7 units wide whose left edge is at ``x``."""
    painter.setPen(QPen(QColor("white"), 1.3))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(x + 1.2, centre_y - 5.5, 4.6, 6), 0, 180 * 16)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("white"))
    painter.drawRect(QRectF(x, centre_y - 1.5, 7, 5.5))


def _wrap_title(title: str, width: float) -> list[str]:
    """Break ``title`` into at most two lines that fit ``width``, eliding the rest."""
    metrics = QFontMetricsF(style.title_font())
    words = title.split()
    first = ""
    while words and metrics.horizontalAdvance(f"{first} {words[0]}".strip()) <= width:
        first = f"{first} {words.pop(0)}".strip()
    if not first and words:
        first = metrics.elidedText(words.pop(0), Qt.TextElideMode.ElideRight, width)
    lines = [first]
    if words:
        rest = " ".join(words)
        lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return lines
