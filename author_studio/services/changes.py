"""The typed notice that every service call sends after it commits."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Entity(enum.StrEnum):
    PROJECT = "project"
    SCENE = "scene"
    CHOICE = "choice"
    VARIABLE = "variable"
    AUDIENCE = "audience"
    PERSONA = "persona"
    CANON = "canon"
    VARIANT = "variant"
    REVIEW = "review"
    ASSET = "asset"
    JOURNEY = "journey"


class Action(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    # Only the canvas position changed, so panels that show content can skip it.
    MOVED = "moved"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    entity: Entity
    action: Action
    ids: frozenset[int]


@dataclass(frozen=True)
class ChangeNotice:
    """What one committed service call changed, grouped by entity and action."""

    changes: tuple[Change, ...]

    @classmethod
    def of(cls, entity: Entity, action: Action, ids: Iterable[int]) -> ChangeNotice:
        return cls((Change(entity, action, frozenset(ids)),))

    def ids(self, entity: Entity, action: Action | None = None) -> frozenset[int]:
        found: set[int] = set()
        for change in self.changes:
            if change.entity is entity and (action is None or change.action is action):
                found |= change.ids
        return frozenset(found)

    def touches(self, *entities: Entity) -> bool:
        return any(change.entity in entities for change in self.changes)

    def is_only_layout(self) -> bool:
        return all(change.action is Action.MOVED for change in self.changes)


class ChangeCollector:
    """Gathers the changes of one transaction into a single notice."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Entity, Action], set[int]] = {}

    def add(self, entity: Entity, action: Action, *ids: int) -> None:
        self._ids.setdefault((entity, action), set()).update(ids)

    def notice(self) -> ChangeNotice | None:
        changes = tuple(
            Change(entity, action, frozenset(ids))
            for (entity, action), ids in self._ids.items()
            if ids
        )
        return ChangeNotice(changes) if changes else None
