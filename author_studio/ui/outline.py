"""The scene outline dock: every scene in a table, searchable and sortable.

"Story order" is breadth-first order from the start scene along the choices (in
each scene's choice order); scenes no path reaches come after it, by title.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from author_studio.domain.errors import NotFoundError
from author_studio.domain.model import Scene, SceneKind
from author_studio.domain.story import Story
from author_studio.services.changes import Action, ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.canvas.style import KIND_COLOURS, format_duration

logger = logging.getLogger(__name__)

COLUMNS = ("#", "Title", "Key", "Duration")
ORDER_COLUMN, TITLE_COLUMN = 0, 1
SCENE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def story_order(story: Story) -> dict[int, int]:
    """Return scene id -> 1-based position in story order."""
    order: dict[int, int] = {}
    start = story.start
    queue = deque([start.id] if start else [])
    while queue:
        scene_id = queue.popleft()
        if scene_id in order:
            continue
        order[scene_id] = len(order) + 1
        for choice in story.choices_from(scene_id):
            if choice.target_id not in order:
                queue.append(choice.target_id)
    for scene in sorted(story.scenes, key=lambda s: (s.title.lower(), s.id)):
        if scene.id not in order:
            order[scene.id] = len(order) + 1
    return order


class OutlineModel(QAbstractTableModel):
    """The scenes of the project, one row each, kept in the chosen sort order.

    The model sorts itself in Python: a sort proxy would call ``data()`` twice
    for each of the 130,000 comparisons that 10,000 scenes need.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._scenes: list[Scene] = []
        self._order: dict[int, int] = {}
        self._sort_column = ORDER_COLUMN
        self._sort_order = Qt.SortOrder.AscendingOrder

    def load(self, story: Story | None) -> None:
        self.beginResetModel()
        self._scenes = list(story.scenes) if story else []
        self._order = story_order(story) if story else {}
        self._sort_rows()
        self.endResetModel()

    @override
    def sort(
        self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._scenes[index.row()].id for index in persistent]
        self._sort_rows()
        rows = {scene.id: row for row, scene in enumerate(self._scenes)}
        self.changePersistentIndexList(
            persistent,
            [
                self.index(rows[scene_id], index.column())
                for index, scene_id in zip(persistent, ids, strict=True)
            ],
        )
        self.layoutChanged.emit()

    def update_scenes(self, scenes: list[Scene]) -> bool:
        """Replace the rows of ``scenes`` and keep the sort order.

        Returns False, changing nothing, when a scene is not in the model or
        its kind changed (a new start scene changes the story order).
        """
        rows = {scene.id: row for row, scene in enumerate(self._scenes)}
        for scene in scenes:
            row = rows.get(scene.id)
            if row is None or self._scenes[row].kind is not scene.kind:
                return False
        for scene in scenes:
            row = rows[scene.id]
            self._scenes[row] = scene
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.sort(self._sort_column, self._sort_order)
        return True

    def _sort_rows(self) -> None:
        column = self._sort_column
        self._scenes.sort(
            key=lambda scene: (self._sort_key(scene, column), scene.id),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

    def _sort_key(self, scene: Scene, column: int) -> Any:
        # Numbers sort as numbers, text without case.
        return (
            self._order.get(scene.id, 0),
            scene.title.lower(),
            scene.key.lower(),
            scene.duration_s,
        )[column]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._scenes)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        scene = self._scenes[index.row()]
        column = index.column()
        if role == SCENE_ID_ROLE:
            return scene.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                self._order.get(scene.id, 0),
                scene.title,
                scene.key,
                format_duration(scene.duration_s),
            )[column]
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == TITLE_COLUMN
            and scene.kind is not SceneKind.SCENE
        ):
            return KIND_COLOURS[scene.kind]
        if role == Qt.ItemDataRole.ToolTipRole:
            heading = f"{scene.title} ({scene.key}, {scene.kind.value})"
            return f"{heading}\n{scene.synopsis}".strip()
        return None

    def row_of(self, scene_id: int) -> int:
        for row, scene in enumerate(self._scenes):
            if scene.id == scene_id:
                return row
        return -1


class _Filter(QSortFilterProxyModel):
    """Filters rows by title or key and leaves sorting to the source model."""

    @override
    def sort(
        self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        self.sourceModel().sort(column, order)

    @override
    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        text = self.filterRegularExpression().pattern().lower()
        if not text:
            return True
        model = self.sourceModel()
        for column in (TITLE_COLUMN, 2):
            value = model.index(row, column, parent).data()
            if text in str(value).lower():
                return True
        return False


class OutlineDock(QDockWidget):
    """Sends ``scene_activated(id)`` when the writer picks a scene."""

    scene_activated = Signal(int)

    def __init__(self) -> None:
        super().__init__("Scenes")
        self.setObjectName("outlineDock")
        self._session: ProjectSession | None = None
        self.model = OutlineModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit()
        self.search.setObjectName("outlineSearch")
        self.search.setPlaceholderText("Filter by title or key")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.sort_combo = QComboBox()
        self.sort_combo.addItem("Story order", ORDER_COLUMN)
        self.sort_combo.addItem("Title", TITLE_COLUMN)
        self.sort_combo.currentIndexChanged.connect(self._sort_picked)

        self.table = QTableView()
        self.table.setObjectName("outlineTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ORDER_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        for column in (0, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 90)
        # The key stays searchable and shows in the tooltip, so the title gets
        # the room. The header's context menu shows or hides each column.
        self.table.setColumnHidden(2, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for column, name in enumerate(COLUMNS):
            if column == TITLE_COLUMN:
                continue
            toggle = QAction(f"Show {name if name != '#' else 'story order'}", header)
            toggle.setCheckable(True)
            toggle.setChecked(not self.table.isColumnHidden(column))
            toggle.toggled.connect(
                lambda shown, c=column: self.table.setColumnHidden(c, not shown)
            )
            header.addAction(toggle)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.sort_combo)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.setWidget(body)

    def set_session(
        self, session: ProjectSession | None, story: Story | None = None
    ) -> None:
        """Show ``session``'s scenes; ``story`` is a snapshot already read from it."""
        self._session = session
        if session is not None and story is None:
            story = session.load_story()
        self.model.load(story if session else None)

    def apply_notice(self, notice: ChangeNotice) -> None:
        """Follow a committed change: edited scenes update their rows in place.

        New or deleted scenes and any choice change can move scenes in story
        order, so those reload the whole story, which takes about a second at
        10,000 scenes.
        """
        if self._session is None or notice.is_only_layout():
            return
        structural = (
            notice.touches(Entity.CHOICE)
            or notice.ids(Entity.SCENE, Action.CREATED)
            or notice.ids(Entity.SCENE, Action.DELETED)
        )
        updated = notice.ids(Entity.SCENE, Action.UPDATED)
        if not structural and updated:
            try:
                scenes = [self._session.scenes.get(i) for i in sorted(updated)]
            except NotFoundError:
                structural = True
            else:
                structural = not self.model.update_scenes(scenes)
        if structural:
            self.model.load(self._session.load_story())

    def select_scene(self, scene_id: int) -> None:
        row = self.model.row_of(scene_id)
        if row < 0:
            self.table.clearSelection()
            return
        index = self.proxy.mapFromSource(self.model.index(row, TITLE_COLUMN))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())

    def _sort_picked(self, _index: int) -> None:
        self.table.sortByColumn(
            self.sort_combo.currentData(), Qt.SortOrder.AscendingOrder
        )

    def _clicked(self, index: QModelIndex) -> None:
        scene_id = index.data(SCENE_ID_ROLE)
        if scene_id is not None:
            self.scene_activated.emit(int(scene_id))
