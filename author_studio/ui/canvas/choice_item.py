"""The arrow that shows one choice between two scene cards."""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)
from typing_extensions import override

from author_studio.domain.model import Choice
from author_studio.ui.canvas import style
from author_studio.ui.canvas.scene_item import SceneCard

logger = logging.getLogger(__name__)

_HEAD_LENGTH = 11.0
_HEAD_WIDTH = 9.0
_LABEL_CHARS = 28
_LOOP_REACH = 46.0
# Arrows longer than this (in scene units) are drawn without antialiasing.
_LONG_ARROW = 1200.0


class ChoiceArrow(QGraphicsItem):
    """An arrow from the source card to the target card, with the choice label.

    ``lane`` is the arrow's place among the choices between the same two scenes,
    centred on 0 (for a two-way pair, -0.5 and 0.5 seen from the scene with the
    lower id). The graphics scene sets it so that parallel choices and two-way
    pairs curve apart and a second self-loop is drawn outside the first.
    """

    def __init__(self, record: Choice, source: SceneCard, target: SceneCard) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.lane = 0.0
        self.highlight: str | None = None
        self.marked = False
        self._path = QPainterPath()
        self._head = QPolygonF()
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self._shape: QPainterPath | None = None
        self._line = QLineF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0.0)
        source.arrows.append(self)
        if target is not source:
            target.arrows.append(self)
        self.set_record(record)

    @property
    def choice_id(self) -> int:
        return self.record.id  # type: ignore[return-value]

    @property
    def is_self_loop(self) -> bool:
        return self.source is self.target

    def set_record(self, record: Choice) -> None:
        self.record = record
        text = record.label.strip()
        if len(text) > _LABEL_CHARS:
            text = text[: _LABEL_CHARS - 1].rstrip() + "…"
        chips = []
        if record.condition.strip():
            chips.append("IF")
        if record.is_default:
            chips.append("DEFAULT")
        if record.window_s:
            chips.append(f"{record.window_s:g}s")
        self._label_text = text
        self._chips = chips
        tooltip = [f"Choice: {record.label}"]
        if record.condition.strip():
            tooltip.append(f"Condition: {record.condition}")
        if record.effects.strip():
            tooltip.append(f"Effects: {record.effects}")
        if record.is_default:
            tooltip.append("Default: taken when the viewer does not choose in time")
        if record.window_s:
            tooltip.append(f"Choice window: {record.window_s:g} s")
        self.setToolTip("\n".join(tooltip))
        self.update_geometry()

    def detach(self) -> None:
        """Remove this arrow from its cards' lists before it leaves the scene."""
        for card in (self.source, self.target):
            if self in card.arrows:
                card.arrows.remove(self)

    def reattach(self, source: SceneCard, target: SceneCard) -> None:
        """Connect the arrow to other cards (the choice's source or target
        changed), keeping the item and so its selection."""
        self.detach()
        self.source = source
        self.target = target
        source.arrows.append(self)
        if target is not source:
            target.arrows.append(self)

    def set_highlight(self, highlight: str | None) -> None:
        if highlight != self.highlight:
            self.highlight = highlight
            self.setZValue(0.5 if highlight else 0.0)
            self.update()

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.setZValue(0.5 if marked else 0.0)
            self.update()

    def update_geometry(self) -> None:
        """Recompute the curve, arrowhead and label box from the cards' positions."""
        self.prepareGeometryChange()
        self._shape = None
        if self.is_self_loop:
            start, control_a, control_b, end = self._loop_points()
            path = QPainterPath(start)
            path.cubicTo(control_a, control_b, end)
            middle = path.pointAtPercent(0.5)
            tangent_from = control_b
        else:
            start, control, end = self._curve_points()
            path = QPainterPath(start)
            path.quadTo(control, end)
            middle = 0.25 * start + 0.5 * control + 0.25 * end
            tangent_from = control
        self._path = path
        self._line = QLineF(self.source.centre(), self.target.centre())
        self._head = _arrowhead(tangent_from, end)
        self._label_rect = self._label_box(middle)
        bounds = path.boundingRect().united(self._head.boundingRect())
        bounds = bounds.united(self._label_rect).united(
            QRectF(self._line.p1(), self._line.p2()).normalized()
        )
        self._bounds = bounds.adjusted(-4, -4, 4, 4)

    def label_rect(self) -> QRectF:
        return QRectF(self._label_rect)

    def _curve_points(self) -> tuple[QPointF, QPointF, QPointF]:
        source_centre = self.source.centre()
        target_centre = self.target.centre()
        line = QLineF(source_centre, target_centre)
        middle = line.center()
        length = max(line.length(), 1.0)
        normal = QPointF(-line.dy() / length, line.dx() / length)
        # Labels are wide boxes, so arrows stacked side by side need more room
        # when they run vertically than when they run horizontally.
        spacing = abs(normal.x()) * 150 + abs(normal.y()) * 30
        lane = self.lane
        if self.source.scene_id > self.target.scene_id:
            lane = -lane
        control = middle + normal * (2 * lane * spacing)
        start = _exit_point(source_centre, control, 2.0)
        end = _exit_point(target_centre, control, 4.0)
        return start, control, end

    def _loop_points(self) -> tuple[QPointF, QPointF, QPointF, QPointF]:
        rect = self.source.scene_rect()
        reach = _LOOP_REACH + self.lane * 30
        start = QPointF(rect.right() - 46, rect.top())
        end = QPointF(rect.right() + 2, rect.top() + 28)
        control_a = QPointF(start.x() - 6, rect.top() - reach * 1.4)
        control_b = QPointF(rect.right() + reach * 1.5, end.y() - 4)
        return start, control_a, control_b, end

    def _label_box(self, middle: QPointF) -> QRectF:
        metrics = QFontMetricsF(style.label_font())
        width = metrics.horizontalAdvance(self._label_text) + 12
        small = QFontMetricsF(style.small_font())
        for chip in self._chips:
            width += small.horizontalAdvance(chip) + 10
        height = metrics.height() + 4
        return QRectF(middle.x() - width / 2, middle.y() - height / 2, width, height)

    @override
    def boundingRect(self) -> QRectF:
        return self._bounds

    @override
    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            shape = stroker.createStroke(self._path)
            shape.addRect(self._label_rect)
            self._shape = shape
        return self._shape

    @override
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = self._colour(selected)
        if lod < style.LOD_SHAPES:
            if not self.is_self_loop:
                painter.setPen(QPen(colour, 0))
                painter.drawLine(self._line)
            return

        width = 2.6 if self.record.is_default else 1.5
        if self.highlight or self.marked or selected:
            width += 1.2
        pen = QPen(colour, width)
        if self.record.condition.strip():
            pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self._line.length() > _LONG_ARROW:
            # Antialiased stroking of a curve that crosses the graph costs more
            # than the rest of a frame, so long arrows are drawn aliased.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.drawPath(self._path)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        else:
            painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(self._head)
        if lod >= style.LOD_LABELS:
            self._paint_label(painter, colour, selected)

    def _colour(self, selected: bool):
        if selected:
            return style.SELECTION_COLOUR
        if self.marked:
            return style.MARK_COLOUR
        if self.highlight == "out":
            return style.OUTGOING_COLOUR
        if self.highlight == "in":
            return style.INCOMING_COLOUR
        if self.record.condition.strip():
            return style.CONDITION_COLOUR
        if self.record.is_default:
            return style.DEFAULT_ARROW_COLOUR
        return style.ARROW_COLOUR

    def _paint_label(self, painter: QPainter, colour, selected: bool) -> None:
        rect = self._label_rect
        painter.setPen(
            QPen(colour if (selected or self.highlight) else style.CARD_BORDER, 1)
        )
        painter.setBrush(style.LABEL_BACKGROUND)
        painter.drawRoundedRect(rect, 5, 5)
        x = rect.left() + 6
        small = QFontMetricsF(style.small_font())
        for chip in self._chips:
            chip_width = small.horizontalAdvance(chip) + 6
            chip_rect = QRectF(x, rect.top() + 3, chip_width, rect.height() - 6)
            chip_colour = (
                style.CONDITION_COLOUR if chip == "IF" else style.DEFAULT_ARROW_COLOUR
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(chip_colour)
            painter.drawRoundedRect(chip_rect, 3, 3)
            painter.setFont(style.small_font())
            painter.setPen(style.CARD_BODY)
            painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, chip)
            x += chip_width + 4
        font = style.label_font()
        if self.record.is_default:
            font = style.label_font()
            font.setBold(True)
        painter.setFont(font)
        painter.setPen(style.TEXT_COLOUR)
        text_rect = QRectF(x, rect.top(), rect.right() - x - 4, rect.height())
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            self._label_text,
        )


def _exit_point(centre: QPointF, towards: QPointF, gap: float) -> QPointF:
    """Return where the ray from a card's centre towards ``towards`` leaves the
    card, moved ``gap`` units further out."""
    dx = towards.x() - centre.x()
    dy = towards.y() - centre.y()
    length = math.hypot(dx, dy)
    if length < 1e-6:
        return QPointF(centre)
    half_width = style.CARD_WIDTH / 2
    half_height = style.CARD_HEIGHT / 2
    scale_x = half_width / abs(dx) if dx else math.inf
    scale_y = half_height / abs(dy) if dy else math.inf
    scale = min(scale_x, scale_y)
    point = QPointF(centre.x() + dx * scale, centre.y() + dy * scale)
    return point + QPointF(dx / length * gap, dy / length * gap)


def _arrowhead(tail: QPointF, tip: QPointF) -> QPolygonF:
    dx = tip.x() - tail.x()
    dy = tip.y() - tail.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base = QPointF(tip.x() - ux * _HEAD_LENGTH, tip.y() - uy * _HEAD_LENGTH)
    side = QPointF(-uy * _HEAD_WIDTH / 2, ux * _HEAD_WIDTH / 2)
    return QPolygonF([tip, base + side, base - side])
