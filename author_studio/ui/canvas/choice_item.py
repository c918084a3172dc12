"""The arrow that shows one choice between two scene cards.

A project of 10,000 scenes has about 25,000 arrows, so each arrow keeps its cost
low. Its geometry is plain floats, computed when a card moves, and the painter
path, hit-test shape and measured label are built on first use. A straight
arrow hands its line to the :class:`ArrowLayer`, which paints all of them at
once. Curved arrows (parallel choices, two-way pairs) and self-loops paint
themselves.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
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
from author_studio.ui.canvas.arrow_layer import (
    ARROW_Z,
    CLIP_MARGIN,
    HEAD_LENGTH,
    HEAD_WIDTH,
    LONG_ARROW,
    RAISED_ARROW_Z,
    ROLE_COLOURS,
    ArrowLayer,
    arrow_pen,
    thin_pen,
)
from author_studio.ui.canvas.scene_item import SceneCard

logger = logging.getLogger(__name__)

Point = tuple[float, float]

_LOOP_REACH = 46.0
# A label is drawn only when the visible part of the arrow, between the two
# cards, is longer than the label by this much on each side.
_LABEL_CLEARANCE = 10.0
# Item flags for an arrow that paints itself, and for an arrow that the layer
# paints. Combining enum flags in Python costs microseconds, so this is done once.
_OWN_PAINT_FLAGS = (
    QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
    | QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption
)
_LAYER_PAINT_FLAGS = _OWN_PAINT_FLAGS | QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
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

    def __init__(
        self,
        record: Choice,
        source: SceneCard,
        target: SceneCard,
        layer: ArrowLayer | None = None,
    ) -> None:
        super().__init__()
        self._layer = layer
        self._slot = -1
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
        self.setFlags(_OWN_PAINT_FLAGS)
        self.setZValue(ARROW_Z)
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
            self.setZValue(RAISED_ARROW_Z if highlight or self.marked else ARROW_Z)
            self.sync_style()

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.setZValue(RAISED_ARROW_Z if marked or self.highlight else ARROW_Z)
            self.sync_style()

    def sync_style(self) -> None:
        """Repaint the arrow after its selection, highlight or mark changed."""
        if self._slot >= 0 and self._layer is not None:
            self._layer.set_style(
                self._slot, self.role(), self.record.is_default, self._conditional
            )
        else:
            self.update()

    def leave_layer(self) -> None:
        """Give up the arrow's slot in the layer before it leaves the scene."""
        if self._slot >= 0 and self._layer is not None:
            self._layer.remove(self._slot)
        self._slot = -1

    def _sync_layer(self) -> None:
        """Hand a straight arrow's line to the layer, or take a curve back."""
        layer = self._layer
        if layer is None:
            return
        if self.is_straight:
            if self._slot < 0:
                self._slot = layer.add(self)
                self.setFlags(_LAYER_PAINT_FLAGS)
            layer.set_line(self._slot, self._points[0], self._points[1])
            layer.set_style(
                self._slot, self.role(), self.record.is_default, self._conditional
            )
        elif self._slot >= 0:
            self.leave_layer()
            self.setFlags(_OWN_PAINT_FLAGS)

    # -- geometry ------------------------------------------------------------------

    def update_geometry(self) -> None:
        """Recompute the line or curve, arrowhead and label place from the cards'
        positions."""
        self.prepareGeometryChange()
        self._path = None
        self._shape = None
        self._label_clear: bool | None = None
        # Arrows that share a card with this one may have hidden their labels
        # behind this one's, or this one's behind theirs.
        for arrow in (*self.source.arrows, *self.target.arrows):
            arrow._label_clear = None
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
        half_label = style.LABEL_MAX_WIDTH / 2
        half_height = _label_height() / 2
        mx, my = self._middle
        left = min(min(xs), mx - half_label) - 4
        top = min(min(ys), my - half_height) - 4
        right = max(max(xs), mx + half_label) + 4
        bottom = max(max(ys), my + half_height) + 4
        self._bounds = QRectF(left, top, right - left, bottom - top)
        self._long = (right - left) + (bottom - top) > LONG_ARROW
        self._sync_layer()

    def label_rect(self) -> QRectF:
        """The label box in scene units (empty when the label is not drawn)."""
        label = self._measured_label()
        if not self._label_fits(label):
            return QRectF()
        return self._label_box(label)

    def _curve_points(self) -> tuple[Point, Point | None, Point]:
        """Return start, control point (None for a straight line) and end."""
        source_x, source_y = self.source.position
        target_x, target_y = self.target.position
        sx, sy = source_x + _HALF_WIDTH, source_y + _HALF_HEIGHT
        tx, ty = target_x + _HALF_WIDTH, target_y + _HALF_HEIGHT
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
        left, top = self.source.position
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
        """Tell whether the label fits on the arrow between the two cards, clear
        of every card and of the labels of arrows that share a card with it.

        Of two overlapping labels on arrows from or to the same card, the
        arrow with the lower choice id keeps its label. The answer is kept
        until the geometry of this arrow or of such an arrow changes, so a card
        that another gesture moves onto the label hides it until then.
        """
        if self._label_clear is None:
            self._label_clear = self._label_has_room(label) and not any(
                self._label_box(label).intersects(box)
                for box in self._sibling_label_boxes()
            )
        return self._label_clear

    def _label_has_room(self, label: _Label) -> bool:
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
        if not hasattr(scene, "cards_in"):
            return True
        return not scene.cards_in(box)

    def _sibling_label_boxes(self) -> list[QRectF]:
        """Return the label boxes that arrows with a lower choice id, sharing a
        card with this one, would draw."""
        boxes = []
        for arrow in {*self.source.arrows, *self.target.arrows}:
            if arrow is self or arrow.choice_id >= self.choice_id:
                continue
            label = arrow._measured_label()
            if arrow._label_has_room(label):
                boxes.append(arrow._label_box(label))
        return boxes

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
        margin = CLIP_MARGIN
        reach = exposed.adjusted(-margin, -margin, margin, margin)
        role = self.role()
        segment = None
        if self.is_straight:
            segment = _clip_segment(self._points[0], self._points[1], reach.getCoords())

        if lod < style.LOD_SHAPES:
            if segment is not None:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(thin_pen(role, False))
                painter.drawLine(QLineF(*segment[0], *segment[1]))
            return

        if self._long:
            # A one-pixel cosmetic pen takes the raster engine's fast line path;
            # a wider pen is stroked into a polygon first, at ten times the cost.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            pen = thin_pen(role, self._conditional)
            dash_unit = 1.0 / lod
        else:
            painter.setRenderHint(
                QPainter.RenderHint.Antialiasing, lod >= style.LOD_ANTIALIAS
            )
            pen = arrow_pen(role, self.record.is_default, self._conditional)
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
            painter.setBrush(ROLE_COLOURS[role])
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in self._head]))

        if lod >= style.LOD_LABELS:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self.paint_label(painter, exposed)

    def paint_label(self, painter: QPainter, exposed: QRectF) -> None:
        """Draw the label when it meets ``exposed`` and fits on the arrow."""
        label = self._measured_label()
        box = self._label_box(label)
        if box.intersects(exposed) and self._label_fits(label):
            self._paint_label(painter, box, label, self.role())

    def role(self) -> str:
        """Return the arrow's style, one of ``arrow_layer.ROLES``."""
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
        painter.setPen(
            QPen(ROLE_COLOURS[role] if highlighted else style.CARD_BORDER, 1)
        )
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
    ``style.LABEL_MAX_WIDTH``."""
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
    room = max(style.LABEL_MAX_WIDTH - used, 0.0)
    text = metrics.elidedText(
        " ".join(record.label.split()), Qt.TextElideMode.ElideRight, room
    )
    width = used + (metrics.horizontalAdvance(text) if text else -4)
    return _Label(chips, text, min(width, style.LABEL_MAX_WIDTH), record.is_default)


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
    base_x, base_y = tip[0] - ux * HEAD_LENGTH, tip[1] - uy * HEAD_LENGTH
    side_x, side_y = -uy * HEAD_WIDTH / 2, ux * HEAD_WIDTH / 2
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
