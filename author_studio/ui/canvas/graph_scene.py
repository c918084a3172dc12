"""The graphics scene of the plot graph: one card per scene, one arrow per choice.

The scene is rebuilt from a :class:`Story` snapshot when a project opens, and
afterwards changes only where a :class:`ChangeNotice` names a change. It
never writes to the project; the view and the controller turn gestures into undo
commands.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneHelpEvent, QToolTip
from typing_extensions import override

from author_studio.domain.errors import NotFoundError
from author_studio.domain.model import Audience, Choice, Scene, Variant, VariantStatus
from author_studio.domain.story import Story
from author_studio.services.changes import Action, ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.canvas import style
from author_studio.ui.canvas.arrow_layer import ArrowLayer
from author_studio.ui.canvas.choice_item import ChoiceArrow
from author_studio.ui.canvas.scene_item import Badge, SceneCard

logger = logging.getLogger(__name__)

# Above this many changed records, one list() query is cheaper than many get()s.
_BULK_FETCH = 60
# Above this many moved cards, rebuilding the scene's index once is cheaper than
# updating it for each card and arrow.
_BULK_MOVE = 200

_STATUS_RANK = {
    VariantStatus.APPROVED: 3,
    VariantStatus.PROPOSED: 2,
    VariantStatus.REJECTED: 1,
}


def audience_short_name(name: str) -> str:
    """Return a two-letter badge label: the initials of two words, or the first
    two letters of one."""
    words = [word for word in name.replace("-", " ").split() if word]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    if words:
        return words[0][:2].capitalize()
    return "?"


class PlotGraphScene(QGraphicsScene):
    """Cards and arrows of the open project.

    ``graph_changed`` is sent after cards or arrows were added, removed or moved,
    so that the minimap can redraw its overview.
    """

    graph_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.cards: dict[int, SceneCard] = {}
        self.arrows: dict[int, ChoiceArrow] = {}
        self.tag_colours: dict[str, str] = {}
        self.audiences: list[Audience] = []
        self._variant_scene: dict[int, int] = {}
        self._highlighted: set[ChoiceArrow] = set()
        self._marked_cards: set[int] = set()
        self._marked_arrows: set[int] = set()
        self._heat: dict[int, float] | None = None
        self._extent = QRectF()
        self._selected_arrows: set[ChoiceArrow] = set()
        self._card_grid: dict[tuple[int, int], list[SceneCard]] | None = None
        self.arrow_layer = ArrowLayer()
        self.addItem(self.arrow_layer)
        self.setBackgroundBrush(QBrush(style.CANVAS_BACKGROUND))
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.selectionChanged.connect(self._update_highlights)

    # -- loading -------------------------------------------------------------

    def load(self, session: ProjectSession | None, story: Story | None = None) -> None:
        """Show ``session``'s project, or nothing for None.

        ``story`` is a snapshot the caller has already read from ``session``; it
        saves a second read of the whole project.
        """
        self.clear_graph()
        self.session = session
        if session is None:
            return
        if story is None:
            story = session.load_story()
        self.tag_colours.update(story.info.tag_colors)
        self.audiences = sorted(story.audiences, key=lambda a: a.id or 0)

        # Items are built and given their lanes before they join the scene, where
        # each geometry change would also update the scene's index.
        self.arrow_layer.batch = True
        try:
            for scene in story.scenes:
                self.cards[scene.id] = SceneCard(scene, self.tag_colours)
            for choice in story.choices:
                self._make_arrow(choice)
            self._assign_lanes(self._pairs(self.arrows.values()))
        finally:
            self.arrow_layer.finish_batch()
        self._load_badges(story.variants)

        # Qt fixes the depth of a BSP index when it first builds it, so an index
        # built for the empty scene stays five levels deep: with 35,000 items
        # every query then tested thousands of them. A new index, built on the
        # first query after all items are in, gets a depth that fits.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        for card in self.cards.values():
            self.addItem(card)
        for arrow in self.arrows.values():
            self.addItem(arrow)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self._update_scene_rect()
        self.graph_changed.emit()
        logger.info(
            "Canvas shows %d scenes and %d choices", len(self.cards), len(self.arrows)
        )

    def clear_graph(self) -> None:
        # Selection signals while items are deleted would reach arrows whose
        # layer is already gone, so the selection is cleared first.
        self.clearSelection()
        self._highlighted.clear()
        self._selected_arrows.clear()
        blocked = self.blockSignals(True)
        try:
            self.clear()
        finally:
            self.blockSignals(blocked)
        self.arrow_layer = ArrowLayer()
        self.addItem(self.arrow_layer)
        self.cards.clear()
        self.arrows.clear()
        self.tag_colours.clear()
        self.audiences = []
        self._variant_scene.clear()
        self._heat = None
        self._marked_cards.clear()
        self._marked_arrows.clear()
        self._extent = QRectF()
        self._card_grid = None
        self.setSceneRect(QRectF(-2000, -2000, 4000, 4000))
        self.graph_changed.emit()

    def _add_card(self, scene: Scene) -> SceneCard:
        card = SceneCard(scene, self.tag_colours)
        self.cards[scene.id] = card
        self._card_grid = None
        if self._heat is not None:
            card.set_heat(self._heat.get(scene.id, 0.0))
        self.addItem(card)
        return card

    def _add_arrow(self, choice: Choice) -> ChoiceArrow | None:
        arrow = self._make_arrow(choice)
        if arrow is not None:
            self.addItem(arrow)
        return arrow

    def _make_arrow(self, choice: Choice) -> ChoiceArrow | None:
        source = self.cards.get(choice.source_id)
        target = self.cards.get(choice.target_id)
        if source is None or target is None:
            logger.warning("Choice %s names a scene the canvas lacks", choice.id)
            return None
        arrow = ChoiceArrow(choice, source, target, self.arrow_layer)
        self.arrows[choice.id] = arrow
        return arrow

    def _remove_arrow(self, choice_id: int) -> ChoiceArrow | None:
        arrow = self.arrows.pop(choice_id, None)
        if arrow is None:
            return None
        arrow.detach()
        arrow.leave_layer()
        self._highlighted.discard(arrow)
        self._selected_arrows.discard(arrow)
        self.removeItem(arrow)
        return arrow

    def _remove_card(self, scene_id: int) -> None:
        card = self.cards.pop(scene_id, None)
        if card is None:
            return
        for arrow in list(card.arrows):
            self._remove_arrow(arrow.choice_id)
        self.removeItem(card)
        self._card_grid = None

    # -- change notices ------------------------------------------------------

    def apply_notice(self, notice: ChangeNotice) -> None:
        """Update the items that ``notice`` names as committed changes."""
        if self.session is None:
            return
        structure = False
        if notice.touches(Entity.PROJECT):
            self.tag_colours.clear()
            self.tag_colours.update(self.session.info().tag_colors)
            for card in self.cards.values():
                card.update()
        deleted_choices = notice.ids(Entity.CHOICE, Action.DELETED)
        deleted_scenes = notice.ids(Entity.SCENE, Action.DELETED)
        pairs: set[frozenset[int]] = set()
        for choice_id in deleted_choices:
            arrow = self._remove_arrow(choice_id)
            if arrow is not None:
                pairs.add(_pair_key(arrow.record))
        for scene_id in deleted_scenes:
            self._remove_card(scene_id)
        structure |= bool(deleted_choices or deleted_scenes)

        created = notice.ids(Entity.SCENE, Action.CREATED)
        updated = notice.ids(Entity.SCENE, Action.UPDATED) - created
        moved = notice.ids(Entity.SCENE, Action.MOVED) - created - updated
        for scene in self._fetch(self.session.scenes, created | updated):
            card = self.cards.get(scene.id)
            if card is None:
                self._add_card(scene)
            else:
                card.set_record(scene)
        self._apply_moves(moved)
        structure |= bool(created or updated or moved)

        pairs |= self._apply_choice_changes(notice)
        structure |= bool(pairs)
        self._assign_lanes(self._pairs_among(pairs))

        if notice.touches(Entity.AUDIENCE):
            self.audiences = sorted(self.session.audiences.list(), key=lambda a: a.id)
            self._load_badges(self.session.load_story().variants)
        elif notice.touches(Entity.VARIANT) or created:
            self._refresh_badges(notice, created)
        if structure:
            self._update_scene_rect()
            self._update_highlights()
            self.graph_changed.emit()

    def _apply_choice_changes(self, notice: ChangeNotice) -> set[frozenset[int]]:
        pairs: set[frozenset[int]] = set()
        created = notice.ids(Entity.CHOICE, Action.CREATED)
        updated = notice.ids(Entity.CHOICE, Action.UPDATED) - created
        assert self.session is not None
        for choice in self._fetch(self.session.choices, created | updated):
            arrow = self.arrows.get(choice.id)
            source = self.cards.get(choice.source_id)
            target = self.cards.get(choice.target_id)
            if arrow is None:
                self._add_arrow(choice)
            elif source is None or target is None:
                self._remove_arrow(choice.id)
            else:
                if (arrow.source, arrow.target) != (source, target):
                    pairs.add(_pair_key(arrow.record))
                    arrow.reattach(source, target)
                arrow.set_record(choice)
            pairs.add(_pair_key(choice))
        return pairs

    def _apply_moves(self, scene_ids: frozenset[int]) -> None:
        """Move the cards of ``scene_ids`` to their stored positions."""
        cards = [self.cards[i] for i in scene_ids if i in self.cards]
        if not cards:
            return
        assert self.session is not None
        if len(cards) > _BULK_FETCH:
            positions = self.session.scenes.positions()
        else:
            positions = {
                scene.id: (scene.x, scene.y)
                for scene in self._fetch(self.session.scenes, scene_ids)
            }
        moves = {}
        for card in cards:
            position = positions.get(card.scene_id)
            if position is not None and position != (card.record.x, card.record.y):
                moves[card] = position
        self.move_cards(moves)

    def move_cards(self, moves: dict[SceneCard, tuple[float, float]]) -> None:
        """Put cards at new positions and bend their arrows once.

        Above a few hundred cards the scene's index is dropped while the cards
        move and rebuilt after: updating the BSP tree for each moved item cost
        about 0.15 ms an item at 35,000 items.
        """
        bulk = len(moves) > _BULK_MOVE
        if bulk:
            self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
            self.arrow_layer.batch = True
        SceneCard.defer_arrow_updates = True
        try:
            arrows: dict[ChoiceArrow, None] = {}
            for card, (x, y) in moves.items():
                card.record = dataclasses.replace(card.record, x=x, y=y)
                card.setPos(x, y)
                arrows.update(dict.fromkeys(card.arrows))
            for arrow in arrows:
                arrow.update_geometry()
        finally:
            SceneCard.defer_arrow_updates = False
            if bulk:
                self.arrow_layer.finish_batch()
                self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)

    def _fetch(self, service, ids: Iterable[int]) -> list:
        ids = set(ids)
        if not ids:
            return []
        if len(ids) > _BULK_FETCH:
            return [record for record in service.list() if record.id in ids]
        records = []
        for record_id in sorted(ids):
            try:
                records.append(service.get(record_id))
            except NotFoundError:
                # Deleted again by a later write whose notice is still queued.
                logger.debug("Record %s vanished before the canvas read it", record_id)
        return records

    # -- lanes for parallel arrows --------------------------------------------

    def _pairs(self, arrows: Iterable[ChoiceArrow]) -> dict[frozenset[int], list]:
        groups: dict[frozenset[int], list[ChoiceArrow]] = defaultdict(list)
        for arrow in arrows:
            groups[_pair_key(arrow.record)].append(arrow)
        return groups

    def _pairs_among(self, keys: set[frozenset[int]]) -> dict[frozenset[int], list]:
        groups: dict[frozenset[int], list[ChoiceArrow]] = {key: [] for key in keys}
        for key in keys:
            for scene_id in key:
                card = self.cards.get(scene_id)
                if card is None:
                    continue
                for arrow in card.arrows:
                    if _pair_key(arrow.record) == key and arrow not in groups[key]:
                        groups[key].append(arrow)
        return groups

    def _assign_lanes(self, groups: dict[frozenset[int], list[ChoiceArrow]]) -> None:
        for arrows in groups.values():
            arrows.sort(key=lambda arrow: arrow.choice_id)
            loops = all(arrow.is_self_loop for arrow in arrows)
            for index, arrow in enumerate(arrows):
                lane = index if loops else index - (len(arrows) - 1) / 2
                if arrow.lane != lane:
                    arrow.lane = lane
                    arrow.update_geometry()

    # -- variant badges --------------------------------------------------------

    def _load_badges(self, variants: list[Variant]) -> None:
        self._variant_scene = {v.id: v.scene_id for v in variants}
        by_scene: dict[int, list[Variant]] = defaultdict(list)
        for variant in variants:
            by_scene[variant.scene_id].append(variant)
        for scene_id, card in self.cards.items():
            card.set_badges(self._badges_for(by_scene.get(scene_id, [])))

    def _refresh_badges(self, notice: ChangeNotice, new_scenes: frozenset[int]) -> None:
        assert self.session is not None
        scene_ids = set(new_scenes)
        for variant_id in notice.ids(Entity.VARIANT, Action.DELETED):
            scene_id = self._variant_scene.pop(variant_id, None)
            if scene_id is not None:
                scene_ids.add(scene_id)
        changed = notice.ids(Entity.VARIANT, Action.CREATED) | notice.ids(
            Entity.VARIANT, Action.UPDATED
        )
        for variant in self._fetch(self.session.variants, changed):
            self._variant_scene[variant.id] = variant.scene_id
            scene_ids.add(variant.scene_id)
        for scene_id in scene_ids:
            card = self.cards.get(scene_id)
            if card is not None:
                variants = self.session.variants.for_scene(scene_id)
                card.set_badges(self._badges_for(variants))

    def _badges_for(self, variants: list[Variant]) -> list[Badge]:
        best: dict[int, VariantStatus] = {}
        for variant in variants:
            rank = _STATUS_RANK.get(variant.status, 0)
            current = best.get(variant.audience_id)
            if rank and (current is None or rank > _STATUS_RANK[current]):
                best[variant.audience_id] = variant.status
        return [
            (audience_short_name(a.name), a.name, best.get(a.id))
            for a in self.audiences
        ]

    # -- cards by area --------------------------------------------------------------

    def cards_in(self, rect: QRectF) -> list[SceneCard]:
        """Return the cards that overlap ``rect``.

        A query of the scene's index would also test every long arrow whose
        bounding box covers ``rect``, hundreds of them in a large graph, so
        the cards have a grid of their own. A moved card changes cells in it,
        and it is rebuilt after adds, removals and bulk moves.
        """
        if self._card_grid is None:
            grid: dict[tuple[int, int], list[SceneCard]] = defaultdict(list)
            for card in self.cards.values():
                for cell in _cells(card.scene_rect()):
                    grid[cell].append(card)
            self._card_grid = grid
        found: dict[SceneCard, None] = {}
        for cell in _cells(rect):
            for card in self._card_grid.get(cell, ()):
                if card not in found and card.scene_rect().intersects(rect):
                    found[card] = None
        return list(found)

    def card_moved(self, card: SceneCard, old: tuple[float, float]) -> None:
        """Move ``card`` in the grid of :meth:`cards_in`; ``old`` is its previous
        top-left corner."""
        grid = self._card_grid
        if grid is None:
            return
        if SceneCard.defer_arrow_updates:
            # Many cards are moving at once: rebuilding later is cheaper.
            self._card_grid = None
            return
        size = card.card_rect().size()
        for cell in _cells(QRectF(QPointF(*old), size)):
            if card in grid.get(cell, ()):
                grid[cell].remove(card)
        for cell in _cells(card.scene_rect()):
            grid[cell].append(card)

    # -- tooltips ------------------------------------------------------------------

    @override
    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        # Cards and arrows build their tooltip text when it is shown, which keeps
        # 35,000 tooltip strings out of the open time.
        text = ""
        for item in self.items(event.scenePos()):
            if isinstance(item, (SceneCard, ChoiceArrow)):
                text = item.tooltip_text()
                break
        if text:
            QToolTip.showText(event.screenPos(), text, event.widget())
            event.setAccepted(True)
        else:
            QToolTip.hideText()
            event.setAccepted(False)

    # -- selection, heat and marks ---------------------------------------------

    def selected_scene_ids(self) -> list[int]:
        return [i.scene_id for i in self.selectedItems() if isinstance(i, SceneCard)]

    def selected_choice_ids(self) -> list[int]:
        return [i.choice_id for i in self.selectedItems() if isinstance(i, ChoiceArrow)]

    def select_scenes(self, scene_ids: Iterable[int]) -> None:
        self.clearSelection()
        for scene_id in scene_ids:
            card = self.cards.get(scene_id)
            if card is not None:
                card.setSelected(True)

    def _update_highlights(self) -> None:
        wanted: dict[ChoiceArrow, str] = {}
        selected = self.selectedItems()
        for card in selected:
            if not isinstance(card, SceneCard):
                continue
            for arrow in card.arrows:
                wanted[arrow] = "out" if arrow.source is card else "in"
        # The arrow layer paints selected arrows in the selection colour, and
        # learns of selection changes only here.
        arrows = {item for item in selected if isinstance(item, ChoiceArrow)}
        for arrow in arrows ^ self._selected_arrows:
            arrow.sync_style()
        self._selected_arrows = arrows
        for arrow in self._highlighted - set(wanted):
            arrow.set_highlight(None)
        for arrow, kind in wanted.items():
            arrow.set_highlight(kind)
        self._highlighted = set(wanted)

    def set_heat(self, shares: dict[int, float] | None) -> None:
        self._heat = dict(shares) if shares is not None else None
        for scene_id, card in self.cards.items():
            card.set_heat(None if shares is None else shares.get(scene_id, 0.0))

    def set_comparison(
        self, shares_a: dict[int, float] | None, shares_b: dict[int, float] | None
    ) -> None:
        """Show two audiences' visit shares on every card; None clears them."""
        for scene_id, card in self.cards.items():
            if shares_a is None or shares_b is None:
                card.set_comparison(None)
            else:
                card.set_comparison(
                    (shares_a.get(scene_id, 0.0), shares_b.get(scene_id, 0.0))
                )

    def set_marks(self, scene_ids: set[int], choice_ids: set[int]) -> None:
        for scene_id in self._marked_cards - scene_ids:
            if scene_id in self.cards:
                self.cards[scene_id].set_marked(False)
        for choice_id in self._marked_arrows - choice_ids:
            if choice_id in self.arrows:
                self.arrows[choice_id].set_marked(False)
        for scene_id in scene_ids:
            if scene_id in self.cards:
                self.cards[scene_id].set_marked(True)
        for choice_id in choice_ids:
            if choice_id in self.arrows:
                self.arrows[choice_id].set_marked(True)
        self._marked_cards = set(scene_ids)
        self._marked_arrows = set(choice_ids)

    # -- geometry ----------------------------------------------------------------

    def graph_rect(self) -> QRectF:
        """Bounding box of all cards in scene coordinates (empty with no cards)."""
        rect = QRectF()
        for card in self.cards.values():
            rect = rect.united(card.scene_rect())
        return rect

    def _update_scene_rect(self) -> None:
        # A generous margin lets the writer pan past the edges and place new
        # scenes there; the scene rect never shrinks while the project is open.
        rect = self.graph_rect().adjusted(-2000, -2000, 2000, 2000)
        self._extent = self._extent.united(rect)
        self.setSceneRect(self._extent)


_GRID_CELL = 500.0


def _cells(rect: QRectF) -> list[tuple[int, int]]:
    columns = range(int(rect.left() // _GRID_CELL), int(rect.right() // _GRID_CELL) + 1)
    rows = range(int(rect.top() // _GRID_CELL), int(rect.bottom() // _GRID_CELL) + 1)
    return [(column, row) for column in columns for row in rows]


def _pair_key(choice: Choice) -> frozenset[int]:
    return frozenset((choice.source_id, choice.target_id))
