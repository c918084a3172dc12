"""The plot graph of a story as a networkx multigraph, and the parsed expressions
of its choices."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from author_studio.domain.expressions import (
    Assignment,
    Expr,
    ExpressionError,
    check_condition,
    check_effects,
)
from author_studio.domain.model import SceneKind
from author_studio.domain.story import Story

logger = logging.getLogger(__name__)


def plot_graph(story: Story, skip_choices: Iterable[int] = ()) -> nx.MultiDiGraph:
    """Return the scenes as nodes (by id) and the choices as edges keyed by choice
    id. Choices out of an ending are left out, because an ending ends the show."""
    skipped = set(skip_choices)
    graph = nx.MultiDiGraph()
    for scene in sorted(story.scenes, key=lambda s: s.id):
        graph.add_node(scene.id)
    for choice in sorted(story.choices, key=lambda c: c.id):
        if choice.id in skipped:
            continue
        source = story.scene_by_id.get(choice.source_id)
        if source is None or source.kind is SceneKind.ENDING:
            continue
        if choice.target_id not in story.scene_by_id:
            continue
        graph.add_edge(choice.source_id, choice.target_id, key=choice.id)
    return graph


@dataclass
class ParsedChoices:
    """The conditions and effects of every choice that parsed and type-checked,
    and the errors of those that did not, by choice id."""

    conditions: dict[int, Expr] = field(default_factory=dict)
    effects: dict[int, list[Assignment]] = field(default_factory=dict)
    condition_errors: dict[int, ExpressionError] = field(default_factory=dict)
    effect_errors: dict[int, ExpressionError] = field(default_factory=dict)


def parse_choices(story: Story) -> ParsedChoices:
    """Parse and type-check the condition and effects of every choice."""
    parsed = ParsedChoices()
    for choice in sorted(story.choices, key=lambda c: c.id):
        try:
            parsed.conditions[choice.id] = check_condition(
                choice.condition, story.variables
            )
        except ExpressionError as error:
            parsed.condition_errors[choice.id] = error
        try:
            parsed.effects[choice.id] = check_effects(choice.effects, story.variables)
        except ExpressionError as error:
            parsed.effect_errors[choice.id] = error
    return parsed
