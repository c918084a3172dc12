"""The plot graph view: zoom, pan, fit, and the mouse gestures of the canvas.

The view turns gestures into requests (signals with scene ids and positions). It
never edits the project itself. The controller turns each request into an undo
command, and the graphics scene follows the change notices that the command's
service call sends.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGestureEvent,
    QGraphicsPathItem,
    QGraphicsView,
    QPinchGesture,
    QWidget,
)
from typing_extensions import override

from author_studio.ui.canvas import style
from author_studio.ui.canvas.choice_item import ChoiceArrow
from author_studio.ui.canvas.graph_scene import PlotGraphScene
from author_studio.ui.canvas.minimap import Minimap
from author_studio.ui.canvas.scene_item import SceneCard

logger = logging.getLogger(__name__)

MIN_ZOOM = 0.03
MAX_ZOOM = 3.0
ZOOM_STEP = 1.25
# Fit to view never magnifies beyond this, so that one scene does not fill the
# screen.
MAX_FIT_ZOOM = 1.2
# The smallest zoom at which card titles and choice labels are drawn in full.
READABLE_ZOOM = 0.7

Positions = dict[int, tuple[float, float]]


class PlotCanvas(QGraphicsView):
    """The canvas of the main window.

    Signals: ``scene_selected(id)`` (-1 when no single scene is selected),
    ``choice_selected(id)`` (-1 likewise), ``create_requested(x, y)`` for a new
    scene whose top-left corner is at (x, y), ``connect_requested(source,
    target)``, ``connect_to_new_requested(source, x, y)`` when a connect drag ends
    on empty canvas, ``move_requested(before, after)`` with scene id to (x, y)
    maps, and ``zoom_changed(scale)``.
    """

    scene_selected = Signal(int)
    choice_selected = Signal(int)
    create_requested = Signal(float, float)
    connect_requested = Signal(int, int)
    connect_to_new_requested = Signal(int, float, float)
    move_requested = Signal(object, object)
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph = PlotGraphScene(self)
        self.setScene(self.graph)
        self.setObjectName("plotCanvas")
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(
            QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate
        )
        # Every item sets the pens and hints it paints with, so the view need not
        # save and restore the painter around each of the hundreds of items that
        # a frame can touch.
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
            | QGraphicsView.OptimizationFlag.DontSavePainterState
        )
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self.snap_to_grid = False
        self._pan_anchor: QPoint | None = None
        self._space_held = False
        self._connect_source: SceneCard | None = None
        self._connect_preview: QGraphicsPathItem | None = None
        self._press_positions: Positions = {}
        # True from show_overview() until the writer moves the view, so that the
        # overview follows the viewport while the window's docks settle.
        self._overview_pending = False
        self.minimap = Minimap(self)
        self.graph.selectionChanged.connect(self._on_selection_changed)

    # -- public API --------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_heat(self, shares: dict[int, float] | None) -> None:
        """Tint each card by its visit share (0..1); None removes the tint."""
        self.graph.set_heat(shares)

    def set_comparison(
        self, shares_a: dict[int, float] | None, shares_b: dict[int, float] | None
    ) -> None:
        """Draw two audiences' visit shares (0..1) as a pair of bars on each card;
        None removes them."""
        self.graph.set_comparison(shares_a, shares_b)

    def highlight(self, scene_ids: set[int], choice_ids: set[int]) -> None:
        """Mark scenes and choices (a lint problem, a path); empty sets clear it."""
        self.graph.set_marks(set(scene_ids), set(choice_ids))

    def center_on_scene(self, scene_id: int) -> None:
        self._overview_pending = False
        card = self.graph.cards.get(scene_id)
        if card is not None:
            self.centerOn(card.centre())
            self.minimap.update()

    def select_scene(self, scene_id: int) -> None:
        """Select only ``scene_id`` and bring it into view."""
        self.graph.select_scenes([scene_id])
        self.center_on_scene(scene_id)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale the view by ``factor`` within the zoom limits, keeping the scene
        point under ``anchor`` (viewport coordinates) in place."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        factor = target / self.zoom
        if math.isclose(factor, 1.0):
            return
        if anchor is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self.scale(factor, factor)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        else:
            before = self.mapToScene(anchor.toPoint())
            self.scale(factor, factor)
            after = self.mapToScene(anchor.toPoint())
            delta = after - before
            self.translate(delta.x(), delta.y())
        self.zoom_changed.emit(self.zoom)
        self.minimap.update()

    def zoom_in(self) -> None:
        self._overview_pending = False
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._overview_pending = False
        self.zoom_by(1 / ZOOM_STEP)

    def actual_size(self) -> None:
        self._overview_pending = False
        self.zoom_by(1.0 / self.zoom)

    def fit_all(self) -> None:
        self._overview_pending = False
        self.fit_rect(self.graph.graph_rect())

    def show_overview(self) -> None:
        """Fit the graph when it is readable at that zoom, else show the start
        scene's neighbourhood at a readable zoom."""
        self.minimap.rebuild()
        self._apply_overview()

    def _apply_overview(self) -> None:
        rect = self.graph.graph_rect()
        if rect.isEmpty():
            return
        self._overview_pending = True
        self.fit_rect(rect)
        if self.zoom >= READABLE_ZOOM:
            return
        self.zoom_by(READABLE_ZOOM / self.zoom)
        start = next(
            (c for c in self.graph.cards.values() if c.record.kind.value == "start"),
            None,
        )
        if start is not None:
            visible = self.visible_scene_rect()
            self.centerOn(
                QPointF(start.pos().x() - 40 + visible.width() / 2, start.centre().y())
            )

    def fit_selection(self) -> None:
        rect = QRectF()
        for item in self.graph.selectedItems():
            rect = rect.united(item.sceneBoundingRect())
        self.fit_rect(rect if not rect.isEmpty() else self.graph.graph_rect())

    def fit_rect(self, rect: QRectF) -> None:
        if rect.isEmpty():
            return
        self.fitInView(
            rect.adjusted(-60, -60, 60, 60), Qt.AspectRatioMode.KeepAspectRatio
        )
        if self.zoom > MAX_FIT_ZOOM:
            self.zoom_by(MAX_FIT_ZOOM / self.zoom)
        elif self.zoom < MIN_ZOOM:
            self.zoom_by(MIN_ZOOM / self.zoom)
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom)
        self.minimap.update()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def snapped(self, x: float, y: float) -> tuple[float, float]:
        if not self.snap_to_grid:
            return (x, y)
        grid = style.GRID_SIZE
        return (round(x / grid) * grid, round(y / grid) * grid)

    # -- painting ----------------------------------------------------------------

    @override
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.CANVAS_BACKGROUND)
        lod = self.zoom
        if lod < 0.5:
            return
        grid = style.GRID_SIZE * (5 if lod < 1.0 else 1)
        painter.setPen(QPen(style.GRID_COLOUR, 0))
        left = math.floor(rect.left() / grid) * grid
        top = math.floor(rect.top() / grid) * grid
        lines = []
        x = left
        while x < rect.right():
            lines.append((QPointF(x, rect.top()), QPointF(x, rect.bottom())))
            x += grid
        y = top
        while y < rect.bottom():
            lines.append((QPointF(rect.left(), y), QPointF(rect.right(), y)))
            y += grid
        for start, end in lines:
            painter.drawLine(start, end)

    # -- mouse and keyboard ------------------------------------------------------

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._overview_pending = False
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held
        ):
            self._pan_anchor = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            card = self._card_at(event.position().toPoint())
            if card is not None:
                local = card.mapFromScene(self.mapToScene(event.position().toPoint()))
                if card.is_on_handle(local):
                    self._start_connect(card, event.position().toPoint())
                    event.accept()
                    return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_positions = {
                item.scene_id: (item.pos().x(), item.pos().y())
                for item in self.graph.selectedItems()
                if isinstance(item, SceneCard)
            }

    @override
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_anchor is not None:
            delta = event.position().toPoint() - self._pan_anchor
            self._pan_anchor = event.position().toPoint()
            self.horizontalScrollBar().setValue(
                self.horizontalScrollBar().value() - delta.x()
            )
            self.verticalScrollBar().setValue(
                self.verticalScrollBar().value() - delta.y()
            )
            event.accept()
            return
        if self._connect_source is not None:
            self._update_connect(event.position().toPoint())
            event.accept()
            return
        super().mouseMoveEvent(event)

    @override
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_anchor is not None:
            self._pan_anchor = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor
                if self._space_held
                else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        if self._connect_source is not None:
            self._finish_connect(event.position().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._emit_moves()

    @override
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self._card_at(event.position().toPoint()) is None
            and self._arrow_at(event.position().toPoint()) is None
        ):
            point = self.mapToScene(event.position().toPoint())
            x, y = self.snapped(
                point.x() - style.CARD_WIDTH / 2, point.y() - style.CARD_HEIGHT / 2
            )
            self.create_requested.emit(x, y)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    @override
    def wheelEvent(self, event: QWheelEvent) -> None:
        self._overview_pending = False
        steps = event.angleDelta().y() / 120.0
        if not steps:
            super().wheelEvent(event)
            return
        self.zoom_by(ZOOM_STEP**steps, event.position())
        event.accept()

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._overview_pending = False
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self._connect_source is not None:
            self._cancel_connect()
            event.accept()
            return
        super().keyPressEvent(event)

    @override
    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    @override
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.NativeGesture:
            gesture: QNativeGestureEvent = event  # type: ignore[assignment]
            if gesture.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + gesture.value(), gesture.position())
                return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)  # type: ignore[attr-defined]
            if isinstance(pinch, QPinchGesture):
                self.zoom_by(pinch.scaleFactor())
                if isinstance(event, QGestureEvent):
                    event.accept(pinch)
                return True
        return super().viewportEvent(event)

    @override
    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.minimap.update()

    @override
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.minimap.place()
        if self._overview_pending:
            self._apply_overview()

    # -- gestures ------------------------------------------------------------------

    def _card_at(self, point: QPoint) -> SceneCard | None:
        for item in self.items(point):
            if isinstance(item, SceneCard):
                return item
        return None

    def _arrow_at(self, point: QPoint) -> ChoiceArrow | None:
        for item in self.items(point):
            if isinstance(item, ChoiceArrow):
                return item
        return None

    def _start_connect(self, card: SceneCard, point: QPoint) -> None:
        self._connect_source = card
        preview = QGraphicsPathItem()
        pen = QPen(style.SELECTION_COLOUR, 2, Qt.PenStyle.DashLine)
        preview.setPen(pen)
        preview.setZValue(5)
        self.graph.addItem(preview)
        self._connect_preview = preview
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self._update_connect(point)

    def _update_connect(self, point: QPoint) -> None:
        assert self._connect_source is not None and self._connect_preview is not None
        start = self._connect_source.mapToScene(self._connect_source.handle_centre())
        end = self.mapToScene(point)
        path = QPainterPath(start)
        path.cubicTo(start + QPointF(80, 0), end - QPointF(80, 0), end)
        self._connect_preview.setPath(path)

    def _finish_connect(self, point: QPoint) -> None:
        source = self._connect_source
        self._cancel_connect()
        if source is None:
            return
        target = self._card_at(point)
        if target is not None:
            self.connect_requested.emit(source.scene_id, target.scene_id)
            return
        scene_point = self.mapToScene(point)
        x, y = self.snapped(scene_point.x(), scene_point.y() - style.CARD_HEIGHT / 2)
        self.connect_to_new_requested.emit(source.scene_id, x, y)

    def _cancel_connect(self) -> None:
        if self._connect_preview is not None:
            self.graph.removeItem(self._connect_preview)
        self._connect_preview = None
        self._connect_source = None
        self.viewport().setCursor(Qt.CursorShape.ArrowCursor)

    def _emit_moves(self) -> None:
        before = self._press_positions
        self._press_positions = {}
        after: Positions = {}
        for scene_id, old in before.items():
            card = self.graph.cards.get(scene_id)
            if card is None:
                continue
            x, y = self.snapped(card.pos().x(), card.pos().y())
            if (x, y) != old:
                after[scene_id] = (x, y)
        if after:
            self.move_requested.emit(
                {scene_id: before[scene_id] for scene_id in after}, after
            )

    def _on_selection_changed(self) -> None:
        scenes = self.graph.selected_scene_ids()
        choices = self.graph.selected_choice_ids()
        self.scene_selected.emit(scenes[0] if len(scenes) == 1 and not choices else -1)
        self.choice_selected.emit(
            choices[0] if len(choices) == 1 and not scenes else -1
        )
