"""Scene outline: story order, sorting by title and following edits."""

from __future__ import annotations

from PySide6.QtCore import Qt

from author_studio.domain.model import Scene
from author_studio.ui.outline import TITLE_COLUMN


def titles(window) -> list[str]:
    proxy = window.outline.proxy
    return [proxy.index(row, TITLE_COLUMN).data() for row in range(proxy.rowCount())]


def test_story_order_by_default(window):
    assert titles(window) == [
        "Pier at Dusk",
        "The Lighthouse",
        "Night Market",
        "Harbour Master",
        "Dawn Departure",
    ]


def test_title_sort(window):
    window.outline.table.sortByColumn(TITLE_COLUMN, Qt.SortOrder.AscendingOrder)

    assert titles(window) == sorted(titles(window), key=str.lower)
    assert titles(window)[0] == "Dawn Departure"


def test_title_edit_updates_row_in_place(window):
    session = window.session
    market = session.scenes.by_key("market")
    window.outline.table.sortByColumn(TITLE_COLUMN, Qt.SortOrder.AscendingOrder)

    session.scenes.update(market.id, title="Aaron's Market")

    assert titles(window)[0] == "Aaron's Market"
    assert "Night Market" not in titles(window)


def test_new_scene_and_new_start(window):
    session = window.session
    dawn = session.scenes.by_key("dawn")

    session.scenes.create(Scene(key="epilogue", title="Epilogue"))
    session.scenes.set_start(dawn.id)

    assert titles(window)[0] == "Dawn Departure"
    assert "Epilogue" in titles(window)
    assert len(titles(window)) == 6
