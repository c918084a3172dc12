"""One graphics item that paints every straight choice arrow of the canvas.

Straight arrows are most of a plot graph's choices, and the long ones cross most
viewports: a pan frame of a 10,000-scene project touches about 800 of them.
Painting each as its own item costs a Python call and Qt's per-item set-up for
each one. So the :class:`ChoiceArrow` items stay in the scene for selection, hit
tests and tooltips, but set ``ItemHasNoContents``. This layer keeps their end
points and styles in NumPy arrays. It clips them all to the exposed rectangle at
once and strokes the visible pieces with one ``drawLines`` call per pen.
Curved arrows (parallel choices, two-way pairs) and self-loops paint
themselves.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget
from typing_extensions import override

from author_studio.ui.canvas import style

if TYPE_CHECKING:
    from author_studio.ui.canvas.choice_item import ChoiceArrow

logger = logging.getLogger(__name__)

# Arrows lie below the cards, which keep the default z of 0; highlighted and
# marked arrows lie above the others.
ARROW_Z = -1.0
RAISED_ARROW_Z = -0.5

# Arrow styles in the order ChoiceArrow.role() ranks them.
ROLES = ("selection", "mark", "out", "in", "condition", "default", "plain")


class ArrowLayer(QGraphicsItem):
    """Straight arrows by slot: each arrow added gets a slot in the arrays.

    While ``batch`` is True, changes do not schedule repaints; the caller
    repaints the layer once with ``update()`` when the batch is done.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        # Clicks and hit tests go to the arrow items, never to the layer.
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(ARROW_Z)
        self.batch = False
        self._arrows: list[ChoiceArrow | None] = []
        self._free: list[int] = []
        self._bounds = QRectF()
        self._lines = np.zeros((0, 4))
        self._roles = np.zeros(0, dtype=np.int8)
        self._default = np.zeros(0, dtype=bool)
        self._dashed = np.zeros(0, dtype=bool)
        self._alive = np.zeros(0, dtype=bool)

    # -- slots ---------------------------------------------------------------------

    def add(self, arrow: ChoiceArrow) -> int:
        if self._free:
            slot = self._free.pop()
            self._arrows[slot] = arrow
        else:
            slot = len(self._arrows)
            self._arrows.append(arrow)
            if slot >= len(self._alive):
                self._grow(max(64, 2 * len(self._alive)))
        self._alive[slot] = True
        return slot

    def remove(self, slot: int) -> None:
        self._repaint(self._line_rect(slot))
        self._alive[slot] = False
        self._arrows[slot] = None
        self._free.append(slot)

    def set_line(self, slot: int, start: tuple[float, float], end: tuple[float, float]):
        if self.batch:
            self._lines[slot] = (start[0], start[1], end[0], end[1])
            return
        old = self._line_rect(slot)
        self._lines[slot] = (start[0], start[1], end[0], end[1])
        new = self._line_rect(slot)
        if not self._bounds.contains(new):
            self.prepareGeometryChange()
            self._bounds = self._bounds.united(new)
        self._repaint(old.united(new))

    def set_style(self, slot: int, role: str, default: bool, dashed: bool) -> None:
        self._roles[slot] = ROLES.index(role)
        self._default[slot] = default
        self._dashed[slot] = dashed
        if not self.batch:
            self.update(self._line_rect(slot))

    def finish_batch(self) -> None:
        """End a batch: fit the bounding rectangle to all lines and repaint."""
        self.batch = False
        alive = self._alive[: len(self._arrows)]
        lines = self._lines[: len(self._arrows)][alive]
        if len(lines):
            margin = _PAINT_MARGIN
            left = float(np.minimum(lines[:, 0], lines[:, 2]).min()) - margin
            top = float(np.minimum(lines[:, 1], lines[:, 3]).min()) - margin
            right = float(np.maximum(lines[:, 0], lines[:, 2]).max()) + margin
            bottom = float(np.maximum(lines[:, 1], lines[:, 3]).max()) + margin
            bounds = QRectF(left, top, right - left, bottom - top)
            if bounds != self._bounds:
                self.prepareGeometryChange()
                self._bounds = bounds
        self.update()

    def _grow(self, capacity: int) -> None:
        extra = capacity - len(self._alive)
        self._lines = np.concatenate([self._lines, np.zeros((extra, 4))])
        self._roles = np.concatenate([self._roles, np.zeros(extra, dtype=np.int8)])
        self._default = np.concatenate([self._default, np.zeros(extra, dtype=bool)])
        self._dashed = np.concatenate([self._dashed, np.zeros(extra, dtype=bool)])
        self._alive = np.concatenate([self._alive, np.zeros(extra, dtype=bool)])

    def _line_rect(self, slot: int) -> QRectF:
        """Return the area an arrow paints: its line, head and widest label."""
        x1, y1, x2, y2 = self._lines[slot].tolist()
        margin = _PAINT_MARGIN
        return QRectF(
            min(x1, x2) - margin,
            min(y1, y2) - margin,
            abs(x2 - x1) + 2 * margin,
            abs(y2 - y1) + 2 * margin,
        )

    def _repaint(self, rect: QRectF) -> None:
        if not self.batch:
            self.update(rect)

    # -- painting ------------------------------------------------------------------

    @override
    def boundingRect(self) -> QRectF:
        return self._bounds

    @override
    def shape(self) -> QPainterPath:
        return QPainterPath()

    @override
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        count = len(self._arrows)
        if not count:
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        exposed = option.exposedRect
        margin = CLIP_MARGIN
        reach = exposed.adjusted(-margin, -margin, margin, margin)
        lines = self._lines[:count]
        visible, clipped, offsets = _clip(lines, self._alive[:count], reach.getCoords())

        if lod < style.LOD_SHAPES:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for role in np.unique(self._roles[visible]).tolist():
                chosen = self._roles[visible] == role
                painter.setPen(thin_pen(ROLES[role], False))
                painter.drawLines(_qlines(clipped[chosen]))
            return

        self._paint_lines(painter, lod, lines, visible, clipped, offsets)
        self._paint_heads(painter, lines, reach)
        if lod >= style.LOD_LABELS:
            self._paint_labels(painter, lines, exposed)

    def _paint_lines(
        self,
        painter: QPainter,
        lod: float,
        lines: np.ndarray,
        visible: np.ndarray,
        clipped: np.ndarray,
        offsets: np.ndarray,
    ) -> None:
        spans = np.abs(lines[visible, 2] - lines[visible, 0]) + np.abs(
            lines[visible, 3] - lines[visible, 1]
        )
        long = spans > LONG_ARROW
        roles = self._roles[visible]
        default = self._default[visible]
        dashed = self._dashed[visible]
        keys = ((roles.astype(np.int32) * 2 + default) * 2 + dashed) * 2 + long
        for key in np.unique(keys).tolist():
            chosen = keys == key
            rest, is_long = divmod(key, 2)
            rest, is_dashed = divmod(rest, 2)
            role, is_default = divmod(rest, 2)
            if is_long:
                # A one-pixel cosmetic pen takes the raster engine's fast line
                # path; a wider pen is stroked into a polygon first.
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                pen = thin_pen(ROLES[role], bool(is_dashed))
                dash_unit = 1.0 / lod
            else:
                painter.setRenderHint(
                    QPainter.RenderHint.Antialiasing, lod >= style.LOD_ANTIALIAS
                )
                pen = arrow_pen(ROLES[role], bool(is_default), bool(is_dashed))
                dash_unit = pen.widthF()
            if not is_dashed:
                painter.setPen(pen)
                painter.drawLines(_qlines(clipped[chosen]))
                continue
            # Keep each dash pattern fixed to its arrow while the view scrolls;
            # the pattern is in units of the pen width.
            for line, offset in zip(
                _qlines(clipped[chosen]), offsets[chosen].tolist(), strict=True
            ):
                dashed_pen = QPen(pen)
                dashed_pen.setDashOffset(offset / dash_unit)
                painter.setPen(dashed_pen)
                painter.drawLine(line)

    def _paint_heads(self, painter: QPainter, lines: np.ndarray, reach: QRectF) -> None:
        left, top, right, bottom = reach.getCoords()
        count = len(lines)
        tips = (
            self._alive[:count]
            & (lines[:, 2] >= left)
            & (lines[:, 2] <= right)
            & (lines[:, 3] >= top)
            & (lines[:, 3] <= bottom)
        )
        slots = np.nonzero(tips)[0]
        if not len(slots):
            return
        chosen = lines[slots]
        dx = chosen[:, 2] - chosen[:, 0]
        dy = chosen[:, 3] - chosen[:, 1]
        length = np.hypot(dx, dy)
        length[length == 0] = 1.0
        ux, uy = dx / length, dy / length
        base_x = chosen[:, 2] - ux * HEAD_LENGTH
        base_y = chosen[:, 3] - uy * HEAD_LENGTH
        side_x, side_y = -uy * HEAD_WIDTH / 2, ux * HEAD_WIDTH / 2
        corners = np.stack(
            [
                chosen[:, 2],
                chosen[:, 3],
                base_x + side_x,
                base_y + side_y,
                base_x - side_x,
                base_y - side_y,
            ],
            axis=1,
        ).tolist()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        roles = self._roles[slots].tolist()
        current = -1
        for role, (ax, ay, bx, by, cx, cy) in sorted(
            zip(roles, corners, strict=True), key=lambda pair: pair[0]
        ):
            if role != current:
                painter.setBrush(ROLE_COLOURS[ROLES[role]])
                current = role
            painter.drawPolygon(
                QPolygonF([QPointF(ax, ay), QPointF(bx, by), QPointF(cx, cy)])
            )

    def _paint_labels(
        self, painter: QPainter, lines: np.ndarray, exposed: QRectF
    ) -> None:
        left, top, right, bottom = exposed.getCoords()
        middle_x = (lines[:, 0] + lines[:, 2]) / 2
        middle_y = (lines[:, 1] + lines[:, 3]) / 2
        half_width = style.LABEL_MAX_WIDTH / 2
        near = (
            self._alive[: len(lines)]
            & (middle_x >= left - half_width)
            & (middle_x <= right + half_width)
            & (middle_y >= top - 20)
            & (middle_y <= bottom + 20)
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for slot in np.nonzero(near)[0].tolist():
            arrow = self._arrows[slot]
            if arrow is not None:
                arrow.paint_label(painter, exposed)


# Room around the exposed rectangle when clipping, so that clipped ends and
# heads are not cut at the viewport edge. A line's repaint area adds room for its
# head and its widest label.
CLIP_MARGIN = 15.0
_PAINT_MARGIN = style.LABEL_MAX_WIDTH / 2 + 10
HEAD_LENGTH = 11.0
HEAD_WIDTH = 9.0
# Arrows whose horizontal plus vertical extent exceeds this (in scene units) are
# drawn with a thin pen and without antialiasing: stroking them wide and smooth
# cost more than the rest of a frame.
LONG_ARROW = 1200.0


def _clip(
    lines: np.ndarray, alive: np.ndarray, rect: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip every line to ``rect`` (left, top, right, bottom), Liang-Barsky style.

    Returns the slots of the lines that cross the rectangle, their clipped
    (x1, y1, x2, y2), and each one's distance from its start to the clipped
    start.
    """
    left, top, right, bottom = rect
    x1, y1 = lines[:, 0], lines[:, 1]
    dx, dy = lines[:, 2] - x1, lines[:, 3] - y1
    low = np.zeros(len(lines))
    high = np.ones(len(lines))
    keep = alive.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in (
            (-dx, x1 - left),
            (dx, right - x1),
            (-dy, y1 - top),
            (dy, bottom - y1),
        ):
            parallel = p == 0
            keep &= ~(parallel & (q < 0))
            t = q / np.where(parallel, 1.0, p)
            low = np.where(p < 0, np.maximum(low, t), low)
            high = np.where(p > 0, np.minimum(high, t), high)
    keep &= low <= high
    slots = np.nonzero(keep)[0]
    low, high = low[slots], high[slots]
    sx, sy, sdx, sdy = x1[slots], y1[slots], dx[slots], dy[slots]
    clipped = np.stack(
        [sx + low * sdx, sy + low * sdy, sx + high * sdx, sy + high * sdy], axis=1
    )
    return slots, clipped, low * np.hypot(sdx, sdy)


def _qlines(coordinates: np.ndarray) -> list[QLineF]:
    return [QLineF(a, b, c, d) for a, b, c, d in coordinates.tolist()]


# Arrow colour by role, from selection down to plain.
ROLE_COLOURS = {
    "selection": style.SELECTION_COLOUR,
    "mark": style.MARK_COLOUR,
    "out": style.OUTGOING_COLOUR,
    "in": style.INCOMING_COLOUR,
    "condition": style.CONDITION_COLOUR,
    "default": style.DEFAULT_ARROW_COLOUR,
    "plain": style.ARROW_COLOUR,
}
EMPHASISED_ROLES = frozenset({"selection", "mark", "out", "in"})


@functools.cache
def arrow_pen(role: str, default: bool, dashed: bool) -> QPen:
    """Return the pen of an arrow that is not long: wider for default choices
    and for emphasised roles, dashed for conditional choices."""
    width = 2.6 if default else 1.5
    if role in EMPHASISED_ROLES:
        width += 1.2
    pen = QPen(QColor(ROLE_COLOURS[role]), width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


@functools.cache
def thin_pen(role: str, dashed: bool) -> QPen:
    """Return a cosmetic pen, one pixel wide at any zoom (two when emphasised)."""
    pen = QPen(QColor(ROLE_COLOURS[role]), 2 if role in EMPHASISED_ROLES else 0)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen
