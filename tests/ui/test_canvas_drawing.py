"""Canvas drawing: the arrow layer, label placement and bulk moves."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from author_studio.domain.model import Choice, Scene
from author_studio.services.session import ProjectSession
from author_studio.ui.canvas import style
from author_studio.ui.canvas.arrow_layer import _clip


def two_scene_project(path: Path, gap: float, label: str = "Go") -> None:
    """Write a start scene and a second scene ``gap`` units to its right, joined
    by one choice."""
    session = ProjectSession.create(path, "Two Scenes")
    start = session.scenes.start()
    session.scenes.move({start.id: (0.0, 0.0)})
    other = session.scenes.create(
        Scene(key="other", title="Other", x=style.CARD_WIDTH + gap, y=0.0)
    )
    session.choices.create(Choice(source_id=start.id, target_id=other.id, label=label))
    session.close()


@pytest.fixture
def open_window(qtbot):
    from author_studio.ui.main_window import MainWindow

    main = MainWindow()
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    yield main
    main.close_project()


def pixel(graph, x: float, y: float) -> QColor:
    """Render one scene point of ``graph`` and return its colour."""
    image = QImage(9, 9, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    graph.render(painter, QRectF(0, 0, 9, 9), QRectF(x - 4, y - 4, 9, 9))
    painter.end()
    return image.pixelColor(4, 4)


def test_clip_keeps_inside_part() -> None:
    lines = np.array([[-100.0, 50.0, 300.0, 50.0], [0.0, 500.0, 100.0, 600.0]])
    alive = np.array([True, True])

    slots, clipped, offsets = _clip(lines, alive, (0.0, 0.0, 200.0, 100.0))

    assert slots.tolist() == [0]
    assert clipped.tolist() == [[0.0, 50.0, 200.0, 50.0]]
    assert offsets.tolist() == [100.0]


def test_clip_skips_removed_slots() -> None:
    lines = np.array([[10.0, 10.0, 20.0, 20.0]])

    slots, _clipped, _offsets = _clip(lines, np.array([False]), (0, 0, 100, 100))

    assert slots.tolist() == []


def test_straight_arrow_drawn_by_layer(open_window, tmp_path):
    path = tmp_path / "two.authorstudio"
    two_scene_project(path, gap=600.0)
    assert open_window.open_project(path)
    graph = open_window.canvas.graph
    arrow = next(iter(graph.arrows.values()))
    middle_x = style.CARD_WIDTH + 150.0
    middle_y = style.CARD_HEIGHT / 2

    plain = pixel(graph, middle_x, middle_y)
    arrow.setSelected(True)
    selected = pixel(graph, middle_x, middle_y)

    assert arrow.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert plain.name() != "#ffffff"
    assert plain.blue() < 200
    assert selected.name() != plain.name()
    assert selected.blue() > selected.red() + 60


def test_short_arrow_hides_label(open_window, tmp_path):
    path = tmp_path / "close.authorstudio"
    two_scene_project(path, gap=60.0, label="Follow the lanterns down the pier")
    assert open_window.open_project(path)
    arrow = next(iter(open_window.canvas.graph.arrows.values()))

    assert arrow.label_rect().isEmpty()
    assert "Follow the lanterns down the pier" in arrow.tooltip_text()


def test_long_label_is_elided_between_cards(open_window, tmp_path):
    path = tmp_path / "far.authorstudio"
    two_scene_project(path, gap=400.0, label="Follow the lanterns " * 6)
    assert open_window.open_project(path)
    graph = open_window.canvas.graph
    arrow = next(iter(graph.arrows.values()))

    box = arrow.label_rect()

    assert not box.isEmpty()
    assert box.width() <= style.LABEL_MAX_WIDTH
    for card in graph.cards.values():
        assert not box.intersects(card.scene_rect())


def test_label_over_third_card_is_hidden(open_window, tmp_path):
    path = tmp_path / "blocked.authorstudio"
    two_scene_project(path, gap=400.0)
    session = ProjectSession.open(path)
    session.scenes.create(
        Scene(key="middle", title="Middle", x=style.CARD_WIDTH + 100.0, y=0.0)
    )
    session.close()
    assert open_window.open_project(path)
    arrow = next(iter(open_window.canvas.graph.arrows.values()))

    assert arrow.label_rect().isEmpty()


def test_bulk_move_bends_arrows(open_window, tmp_path):
    path = tmp_path / "many.authorstudio"
    session = ProjectSession.create(path, "Many")
    start = session.scenes.start()
    others = session.scenes.create_many(
        Scene(key=f"s{index}", title=f"Scene {index}", x=index * 300.0)
        for index in range(1, 260)
    )
    scenes = [start, *others]
    session.choices.create_many(
        Choice(source_id=a.id, target_id=b.id, label="On")
        for a, b in itertools.pairwise(scenes)
    )
    session.close()
    assert open_window.open_project(path)
    graph = open_window.canvas.graph

    # Stack every scene in one column, 200 units apart: arrows turn vertical.
    open_window.session.scenes.move(
        {scene.id: (0.0, index * 200.0) for index, scene in enumerate(scenes)}
    )

    assert graph.itemIndexMethod() is QGraphicsScene.ItemIndexMethod.BspTreeIndex
    for arrow in graph.arrows.values():
        bounds = arrow.boundingRect()
        assert bounds.width() <= style.LABEL_MAX_WIDTH + 10
        target = arrow.target.pos()
        assert bounds.contains(target.x() + style.CARD_WIDTH / 2, target.y() - 5)
    assert graph.cards[scenes[-1].id].pos().y() == 259 * 200.0


def test_overlapping_fan_labels_keep_first(open_window, tmp_path):
    path = tmp_path / "fan.authorstudio"
    session = ProjectSession.create(path, "Fan")
    start = session.scenes.start()
    session.scenes.move({start.id: (0.0, 0.0)})
    upper = session.scenes.create(Scene(key="upper", title="Upper", x=700.0, y=0.0))
    lower = session.scenes.create(Scene(key="lower", title="Lower", x=700.0, y=30.0))
    first = session.choices.create(
        Choice(source_id=start.id, target_id=upper.id, label="Up")
    )
    second = session.choices.create(
        Choice(source_id=start.id, target_id=lower.id, label="Down")
    )
    session.close()
    assert open_window.open_project(path)
    arrows = open_window.canvas.graph.arrows

    assert not arrows[first.id].label_rect().isEmpty()
    assert arrows[second.id].label_rect().isEmpty()


def test_card_grid_follows_moves(open_window, tmp_path):
    path = tmp_path / "grid.authorstudio"
    two_scene_project(path, gap=400.0)
    assert open_window.open_project(path)
    graph = open_window.canvas.graph
    start = graph.cards[min(graph.cards)]
    far_away = QRectF(5000, 5000, 50, 50)
    assert graph.cards_in(start.scene_rect()) == [start]

    start.setPos(5000, 5000)

    assert graph.cards_in(far_away) == [start]
    assert graph.cards_in(QRectF(0, 0, 50, 50)) == []


def test_overview_follows_resize_until_moved(qtbot, tmp_path):
    from author_studio.ui.canvas.view import PlotCanvas

    path = tmp_path / "wide.authorstudio"
    two_scene_project(path, gap=800.0)
    session = ProjectSession.open(path)
    canvas = PlotCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(1200, 600)
    canvas.show()
    canvas.graph.load(session)
    canvas.show_overview()
    graph_centre = canvas.graph.graph_rect().center()

    canvas.resize(1000, 500)
    qtbot.wait(20)
    resized = canvas.visible_scene_rect()
    canvas.zoom_in()
    canvas.resize(1100, 500)
    qtbot.wait(20)
    after_zoom = canvas.visible_scene_rect()

    assert resized.contains(canvas.graph.graph_rect())
    assert abs(resized.center().x() - graph_centre.x()) < 5
    assert not after_zoom.contains(canvas.graph.graph_rect())
    canvas.graph.load(None)
    session.close()
