"""The arrow that shows one choice between two scene cards.

A project of 10,000 scenes has about 25,000 arrows, and the long ones cross most
viewports, so the arrow keeps its per-item cost low. Its geometry is plain floats
computed when a card moves. The painter path, the hit-test shape and the measured
label are built on first use. ``paint`` clips a straight arrow to the exposed
rectangle before stroking it, and draws nothing when the clipped line is empty.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget
from typing_extensions import override

from author_studio.domain.model import Choice
from author_studio.ui.canvas import style
from author_studio.ui.canvas.scene_item import SceneCard

logger = logging.getLogger(__name__)

Point = tuple[float, float]

_HEAD_LENGTH = 11.0
_HEAD_WIDTH = 9.0
_LOOP_REACH = 46.0
# The label box never grows wider than this; longer labels are elided and the
# tooltip shows them in full. The bounding rectangle reserves this width, so the
# label can be measured on first paint without changing the item's geometry.
LABEL_MAX_WIDTH = 180.0
# A label is drawn only when the visible part of the arrow, between the two
# cards, is longer than the label by this much on each side.
_LABEL_CLEARANCE = 10.0
# Arrows longer than this (in scene units) are never antialiased: stroking an
# antialiased line across the graph costs more than the rest of a frame.
_LONG_ARROW = 1200.0
# Room around the exposed rectangle when clipping: half the widest pen and the
# arrowhead, so that clipped ends and heads are not cut at the viewport edge.
_CLIP_MARGIN = _HEAD_LENGTH + 4.0
_HALF_WIDTH = style.CARD_WIDTH / 2
_HALF_HEIGHT = style.CARD_HEIGHT / 2


@dataclass(frozen=True)
class _Label:
    """A measured choice label: chips ("IF", "DEFAULT", "30s") and elided text."""

    chips: tuple[tuple[str, float], ...]
    text: str
    width: float
    bold: bool


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
        self._points: tuple[Point, ...] = ()
        self._head: tuple[Point, Point, Point] = ((0, 0), (0, 0), (0, 0))
        self._middle: Point = (0.0, 0.0)
        self._bounds = QRectF()
        self._path: QPainterPath | None = None
        self._shape: QPainterPath | None = None
        self._label: _Label | None = None
        self._long = False
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption
        )
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

    @property
    def is_straight(self) -> bool:
        return len(self._points) == 2

    def set_record(self, record: Choice) -> None:
        self.record = record
        self._conditional = bool(record.condition.strip())
        self._label = None
        self.update_geometry()

    def tooltip_text(self) -> str:
        record = self.record
        lines = [f"Choice: {record.label}"]
        if self._conditional:
            lines.append(f"Condition: {record.condition}")
        if record.effects.strip():
            lines.append(f"Effects: {record.effects}")
        if record.is_default:
            lines.append("Default: taken when the viewer does not choose in time")
        if record.window_s:
            lines.append(f"Choice window: {record.window_s:g} s")
        return "\n".join(lines)

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
            self.setZValue(0.5 if highlight or self.marked else 0.0)
            self.update()

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.setZValue(0.5 if marked or self.highlight else 0.0)
            self.update()

    # -- geometry ------------------------------------------------------------------

    def update_geometry(self) -> None:
        """Recompute the line or curve, arrowhead and label place from the cards'
        positions."""
        self.prepareGeometryChange()
        self._path = None
        self._shape = None
        self._label_clear: bool | None = None
        if self.is_self_loop:
            start, control_a, control_b, end = self._loop_points()
            self._points = (start, control_a, control_b, end)
            self._middle = (
                (start[0] + 3 * control_a[0] + 3 * control_b[0] + end[0]) / 8,
                (start[1] + 3 * control_a[1] + 3 * control_b[1] + end[1]) / 8,
            )
            tail = control_b
        else:
            start, control, end = self._curve_points()
            if control is None:
                self._points = (start, end)
                self._middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
                tail = start
            else:
                self._points = (start, control, end)
                self._middle = (
                    0.25 * start[0] + 0.5 * control[0] + 0.25 * end[0],
                    0.25 * start[1] + 0.5 * control[1] + 0.25 * end[1],
                )
                tail = control
        self._head = _arrowhead(tail, end)

        # A Bezier curve lies inside the hull of its control points, so their
        # extremes bound it; the label box is reserved at its widest.
        xs = [x for x, _y in self._points] + [x for x, _y in self._head]
        ys = [y for _x, y in self._points] + [y for _x, y in self._head]
        half_label = LABEL_MAX_WIDTH / 2
        half_height = _label_height() / 2
        mx, my = self._middle
        left = min(min(xs), mx - half_label) - 4
        top = min(min(ys), my - half_height) - 4
        right = max(max(xs), mx + half_label) + 4
        bottom = max(max(ys), my + half_height) + 4
        self._bounds = QRectF(left, top, right - left, bottom - top)
        self._long = (right - left) + (bottom - top) > _LONG_ARROW

    def label_rect(self) -> QRectF:
        """The label box in scene units (empty when the label is not drawn)."""
        label = self._measured_label()
        if not self._label_fits(label):
            return QRectF()
        return self._label_box(label)

    def _curve_points(self) -> tuple[Point, Point | None, Point]:
        """Return start, control point (None for a straight line) and end."""
        source = self.source.pos()
        target = self.target.pos()
        sx, sy = source.x() + _HALF_WIDTH, source.y() + _HALF_HEIGHT
        tx, ty = target.x() + _HALF_WIDTH, target.y() + _HALF_HEIGHT
        lane = self.lane
        if not lane:
            return (
                _exit_point(sx, sy, tx, ty, 2.0),
                None,
                _exit_point(tx, ty, sx, sy, 4.0),
            )
        dx, dy = tx - sx, ty - sy
        length = max(math.hypot(dx, dy), 1.0)
        nx, ny = -dy / length, dx / length
        # Labels are wide boxes, so arrows stacked side by side need more room
        # when they run vertically than when they run horizontally.
        spacing = abs(nx) * 150 + abs(ny) * 30
        if self.source.scene_id > self.target.scene_id:
            lane = -lane
        offset = 2 * lane * spacing
        control = ((sx + tx) / 2 + nx * offset, (sy + ty) / 2 + ny * offset)
        start = _exit_point(sx, sy, control[0], control[1], 2.0)
        end = _exit_point(tx, ty, control[0], control[1], 4.0)
        return start, control, end

    def _loop_points(self) -> tuple[Point, Point, Point, Point]:
        position = self.source.pos()
        left, top = position.x(), position.y()
        right = left + style.CARD_WIDTH
        reach = _LOOP_REACH + self.lane * 30
        start = (right - 46, top)
        end = (right + 2, top + 28)
        control_a = (start[0] - 6, top - reach * 1.4)
        control_b = (right + reach * 1.5, end[1] - 4)
        return start, control_a, control_b, end

    def _painter_path(self) -> QPainterPath:
        if self._path is None:
            points = [QPointF(x, y) for x, y in self._points]
            path = QPainterPath(points[0])
            if len(points) == 2:
                path.lineTo(points[1])
            elif len(points) == 3:
                path.quadTo(points[1], points[2])
            else:
                path.cubicTo(points[1], points[2], points[3])
            self._path = path
        return self._path

    # -- label ---------------------------------------------------------------------

    def _measured_label(self) -> _Label:
        if self._label is None:
            self._label = _measure_label(self.record)
        return self._label

    def _label_fits(self, label: _Label) -> bool:
        """Tell whether the label fits on the arrow between the two cards and
        clear of every card; self-loops always have room above their card.

        The answer is kept until the arrow's geometry changes, so a card that
        another gesture moves onto the label hides it until then.
        """
        if self._label_clear is None:
            self._label_clear = self._label_is_clear(label)
        return self._label_clear

    def _label_is_clear(self, label: _Label) -> bool:
        if self.is_self_loop:
            return True
        (sx, sy), (ex, ey) = self._points[0], self._points[-1]
        if math.hypot(ex - sx, ey - sy) < label.width + 2 * _LABEL_CLEARANCE:
            return False
        box = self._label_box(label)
        if box.intersects(self.source.scene_rect()) or box.intersects(
            self.target.scene_rect()
        ):
            return False
        scene = self.scene()
        if scene is None:
            return True
        mode = Qt.ItemSelectionMode.IntersectsItemBoundingRect
        return not any(isinstance(i, SceneCard) for i in scene.items(box, mode))

    def _label_box(self, label: _Label) -> QRectF:
        height = _label_height()
        mx, my = self._middle
        return QRectF(mx - label.width / 2, my - height / 2, label.width, height)

    # -- QGraphicsItem ---------------------------------------------------------------

    @override
    def boundingRect(self) -> QRectF:
        return self._bounds

    @override
    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            shape = stroker.createStroke(self._painter_path())
            label_rect = self.label_rect()
            if not label_rect.isEmpty():
                shape.addRect(label_rect)
            self._shape = shape
        return self._shape

    @override
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        # The view does not save the painter state around items, so every hint
        # and pen this method relies on is set here.
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        exposed = option.exposedRect
        margin = _CLIP_MARGIN
        reach = exposed.adjusted(-margin, -margin, margin, margin)
        role = self._role()
        segment = None
        if self.is_straight:
            segment = _clip_segment(self._points[0], self._points[1], reach.getCoords())

        if lod < style.LOD_SHAPES:
            if segment is not None:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(_thin_pen(role, False))
                painter.drawLine(QLineF(*segment[0], *segment[1]))
            return

        if self._long:
            # A one-pixel cosmetic pen takes the raster engine's fast line path;
            # a wider pen is stroked into a polygon first, at ten times the cost.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            pen = _thin_pen(role, self._conditional)
            dash_unit = 1.0 / lod
        else:
            painter.setRenderHint(
                QPainter.RenderHint.Antialiasing, lod >= style.LOD_ANTIALIAS
            )
            pen = _pen(role, self.record.is_default, self._conditional)
            dash_unit = pen.widthF()
        if segment is not None:
            start, end, offset = segment
            if offset and self._conditional:
                # Keep the dash pattern fixed to the arrow while the view
                # scrolls; the pattern is in units of the pen width.
                pen = QPen(pen)
                pen.setDashOffset(offset / dash_unit)
            painter.setPen(pen)
            painter.drawLine(QLineF(*start, *end))
        elif not self.is_straight:
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self._painter_path())

        tip = self._head[0]
        if reach.contains(tip[0], tip[1]):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_COLOURS[role])
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in self._head]))

        if lod >= style.LOD_LABELS:
            label = self._measured_label()
            box = self._label_box(label)
            if box.intersects(exposed) and self._label_fits(label):
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                self._paint_label(painter, box, label, role)

    def _role(self) -> str:
        if self.isSelected():
            return "selection"
        if self.marked:
            return "mark"
        if self.highlight == "out":
            return "out"
        if self.highlight == "in":
            return "in"
        if self._conditional:
            return "condition"
        if self.record.is_default:
            return "default"
        return "plain"

    def _paint_label(
        self, painter: QPainter, rect: QRectF, label: _Label, role: str
    ) -> None:
        highlighted = role in ("selection", "out", "in")
        painter.setPen(QPen(_COLOURS[role] if highlighted else style.CARD_BORDER, 1))
        painter.setBrush(style.LABEL_BACKGROUND)
        painter.drawRoundedRect(rect, 5, 5)
        x = rect.left() + 6
        painter.setFont(style.small_font())
        for chip, chip_width in label.chips:
            chip_rect = QRectF(x, rect.top() + 3, chip_width, rect.height() - 6)
            chip_colour = (
                style.CONDITION_COLOUR if chip == "IF" else style.DEFAULT_ARROW_COLOUR
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(chip_colour)
            painter.drawRoundedRect(chip_rect, 3, 3)
            painter.setPen(style.CARD_BODY)
            painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, chip)
            x += chip_width + 4
        painter.setFont(_label_font(label.bold))
        painter.setPen(style.TEXT_COLOUR)
        text_rect = QRectF(x, rect.top(), rect.right() - x - 4, rect.height())
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            label.text,
        )


# -- shared pens, fonts and measurements ---------------------------------------------

# Arrow colour by role: what the arrow shows, from selection down to plain.
_COLOURS = {
    "selection": style.SELECTION_COLOUR,
    "mark": style.MARK_COLOUR,
    "out": style.OUTGOING_COLOUR,
    "in": style.INCOMING_COLOUR,
    "condition": style.CONDITION_COLOUR,
    "default": style.DEFAULT_ARROW_COLOUR,
    "plain": style.ARROW_COLOUR,
}
_EMPHASISED = frozenset({"selection", "mark", "out", "in"})


@functools.cache
def _pen(role: str, default: bool, dashed: bool) -> QPen:
    width = 2.6 if default else 1.5
    if role in _EMPHASISED:
        width += 1.2
    pen = QPen(QColor(_COLOURS[role]), width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


@functools.cache
def _thin_pen(role: str, dashed: bool) -> QPen:
    """Return a cosmetic pen, one pixel wide at any zoom (two when emphasised)."""
    pen = QPen(QColor(_COLOURS[role]), 2 if role in _EMPHASISED else 0)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


@functools.cache
def _label_font(bold: bool) -> QFont:
    font = QFont(style.label_font())
    font.setBold(bold)
    return font


@functools.cache
def _label_height() -> float:
    return QFontMetricsF(style.label_font()).height() + 4


def _measure_label(record: Choice) -> _Label:
    """Measure the chips and elide the label text so the box fits
    ``LABEL_MAX_WIDTH``."""
    chip_names = []
    if record.condition.strip():
        chip_names.append("IF")
    if record.is_default:
        chip_names.append("DEFAULT")
    if record.window_s:
        chip_names.append(f"{record.window_s:g}s")
    small = QFontMetricsF(style.small_font())
    chips = tuple((name, small.horizontalAdvance(name) + 6) for name in chip_names)
    used = 6 + sum(width + 4 for _name, width in chips) + 4
    metrics = QFontMetricsF(_label_font(record.is_default))
    room = max(LABEL_MAX_WIDTH - used, 0.0)
    text = metrics.elidedText(
        " ".join(record.label.split()), Qt.TextElideMode.ElideRight, room
    )
    width = used + (metrics.horizontalAdvance(text) if text else -4)
    return _Label(chips, text, min(width, LABEL_MAX_WIDTH), record.is_default)


def _exit_point(cx: float, cy: float, tx: float, ty: float, gap: float) -> Point:
    """Return where the ray from a card's centre (cx, cy) towards (tx, ty) leaves
    the card, moved ``gap`` units further out."""
    dx = tx - cx
    dy = ty - cy
    length = math.hypot(dx, dy)
    if length < 1e-6:
        return (cx, cy)
    scale_x = _HALF_WIDTH / abs(dx) if dx else math.inf
    scale_y = _HALF_HEIGHT / abs(dy) if dy else math.inf
    scale = min(scale_x, scale_y)
    return (
        cx + dx * scale + dx / length * gap,
        cy + dy * scale + dy / length * gap,
    )


def _arrowhead(tail: Point, tip: Point) -> tuple[Point, Point, Point]:
    dx = tip[0] - tail[0]
    dy = tip[1] - tail[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base_x, base_y = tip[0] - ux * _HEAD_LENGTH, tip[1] - uy * _HEAD_LENGTH
    side_x, side_y = -uy * _HEAD_WIDTH / 2, ux * _HEAD_WIDTH / 2
    return (tip, (base_x + side_x, base_y + side_y), (base_x - side_x, base_y - side_y))


def _clip_segment(
    start: Point, end: Point, rect: tuple[float, float, float, float]
) -> tuple[Point, Point, float] | None:
    """Clip the segment to ``rect``, given as (left, top, right, bottom), with
    the Liang-Barsky algorithm.

    Returns the clipped start and end and the distance from ``start`` to the
    clipped start, or None when the segment misses the rectangle.
    """
    left, top, right, bottom = rect
    x1, y1 = start
    dx, dy = end[0] - x1, end[1] - y1
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x1 - left),
        (dx, right - x1),
        (-dy, y1 - top),
        (dy, bottom - y1),
    ):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            if t > high:
                return None
            low = max(low, t)
        else:
            if t < low:
                return None
            high = min(high, t)
    return (
        (x1 + low * dx, y1 + low * dy),
        (x1 + high * dx, y1 + high * dy),
        low * math.hypot(dx, dy),
    )
