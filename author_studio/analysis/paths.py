"""Path statistics of a story: how many distinct start-to-ending paths there are,
the shortest and longest runtime to each ending, and choice points per path.

A path is a sequence of choices, so two choices between the same scenes make two
paths. On a graph without cycles the counts are exact, by dynamic programming
over a topological order. With cycles, a path may visit each scene at most
``visit_bound`` times. The count then works per strongly connected component: a
path that leaves a component can never return to it, so the bounded walks inside
each component are enumerated once per entry scene and combined by dynamic
programming over the condensation. The enumeration stops after ``max_work``
steps; the result is then marked as a lower bound.

Counts are Python ints because they grow exponentially with the depth of the
story.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from author_studio.analysis.domains import can_hold, variable_domains
from author_studio.analysis.graph import parse_choices, plot_graph
from author_studio.domain.model import SceneKind
from author_studio.domain.story import Story

logger = logging.getLogger(__name__)

DEFAULT_VISIT_BOUND = 2
DEFAULT_MAX_WORK = 2_000_000


@dataclass
class _Paths:
    """Aggregate of a set of path pieces: their number, the range of their
    runtime and of their choice-point count, and the sum of choice points."""

    count: int = 0
    min_s: float = math.inf
    max_s: float = -math.inf
    min_points: int | float = math.inf
    max_points: int | float = -math.inf
    sum_points: int = 0

    @classmethod
    def single(cls, seconds: float, points: int) -> _Paths:
        return cls(1, seconds, seconds, points, points, points)

    def merge(self, other: _Paths) -> None:
        if not other.count:
            return
        self.count += other.count
        self.min_s = min(self.min_s, other.min_s)
        self.max_s = max(self.max_s, other.max_s)
        self.min_points = min(self.min_points, other.min_points)
        self.max_points = max(self.max_points, other.max_points)
        self.sum_points += other.sum_points

    def then(self, other: _Paths) -> _Paths:
        """Return every piece of ``self`` followed by every piece of ``other``."""
        if not self.count or not other.count:
            return _Paths()
        return _Paths(
            self.count * other.count,
            self.min_s + other.min_s,
            self.max_s + other.max_s,
            self.min_points + other.min_points,
            self.max_points + other.max_points,
            self.sum_points * other.count + other.sum_points * self.count,
        )


@dataclass(frozen=True)
class EndingPaths:
    scene_id: int
    key: str
    paths: int
    shortest_s: float | None
    longest_s: float | None


@dataclass(frozen=True)
class PathStats:
    """Path statistics. ``visit_bound`` is None for a graph without cycles;
    ``exact`` is False when the enumeration stopped early and the counts are
    lower bounds."""

    total_paths: int
    endings: list[EndingPaths]
    has_cycles: bool
    visit_bound: int | None
    exact: bool
    choice_points_min: int | None
    choice_points_max: int | None
    choice_points_mean: float | None
    audience_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "total_paths": str(self.total_paths),
            "has_cycles": self.has_cycles,
            "visit_bound": self.visit_bound,
            "exact": self.exact,
            "audience_id": self.audience_id,
            "choice_points": {
                "min": self.choice_points_min,
                "max": self.choice_points_max,
                "mean": self.choice_points_mean,
            },
            "endings": {
                e.key: {
                    "paths": str(e.paths),
                    "shortest_s": e.shortest_s,
                    "longest_s": e.longest_s,
                }
                for e in self.endings
            },
            "notes": self.notes,
        }


def never_offered(story: Story) -> set[int]:
    """Return the ids of choices that no viewer can be offered: those with an
    invalid condition and those whose condition provably never holds."""
    parsed = parse_choices(story)
    domains = variable_domains(story.variables, parsed.effects.values())
    skipped = set(parsed.condition_errors)
    for choice in story.choices:
        expr = parsed.conditions.get(choice.id)
        if expr is None or not choice.condition.strip():
            continue
        verdict = can_hold(expr, domains)
        if not verdict.possible and verdict.sure:
            skipped.add(choice.id)
    return skipped


def scene_durations(story: Story, audience_id: int | None = None) -> dict[int, float]:
    """Return each scene's duration, taken from the audience's approved variant
    where there is one."""
    durations = {}
    for scene in story.scenes:
        variant = (
            story.approved_variant(scene.id, audience_id)
            if audience_id is not None
            else None
        )
        durations[scene.id] = variant.duration_s if variant else scene.duration_s
    return durations


class _Counter:
    def __init__(
        self,
        graph: nx.MultiDiGraph,
        durations: dict[int, float],
        endings: set[int],
        visit_bound: int,
        max_work: int,
    ) -> None:
        self.graph = graph
        self.durations = durations
        self.endings = endings
        self.visit_bound = visit_bound
        self.work_left = max_work
        self.exact = True
        self.points = {n: int(graph.out_degree(n) >= 2) for n in graph.nodes}
        self.arrive: dict[int, _Paths] = {}
        self.finished: dict[int, _Paths] = {}

    def deliver(self, node: int, paths: _Paths) -> None:
        self.arrive.setdefault(node, _Paths()).merge(paths)

    def run(self, start: int) -> None:
        self.arrive[start] = _Paths.single(0.0, 0)
        condensation = nx.condensation(self.graph)
        members = condensation.graph["mapping"]
        groups: dict[int, list[int]] = {}
        for node, component in members.items():
            groups.setdefault(component, []).append(node)
        for component in nx.lexicographical_topological_sort(condensation):
            nodes = sorted(groups[component])
            if len(nodes) == 1 and not self.graph.has_edge(nodes[0], nodes[0]):
                self.step_through(nodes[0])
            else:
                self.walk_component(set(nodes))

    def step_through(self, node: int) -> None:
        arrived = self.arrive.pop(node, None)
        if arrived is None:
            return
        here = arrived.then(_Paths.single(self.durations[node], self.points[node]))
        if node in self.endings:
            self.finished.setdefault(node, _Paths()).merge(here)
            return
        for _, target, _ in sorted(self.graph.out_edges(node, keys=True)):
            self.deliver(target, here)

    def walk_component(self, nodes: set[int]) -> None:
        """Enumerate bounded walks inside one cyclic component from each entry."""
        for entry in sorted(nodes):
            arrived = self.arrive.pop(entry, None)
            if arrived is None:
                continue
            exits: dict[int, _Paths] = {}
            visits = dict.fromkeys(nodes, 0)
            # Each stack frame: node, runtime and choice points so far including the
            # node, and an iterator over its outgoing edges.
            visits[entry] = 1
            first_s = self.durations[entry]
            stack = [(entry, first_s, self.points[entry], self._edges(entry))]
            while stack:
                if self.work_left <= 0:
                    self.exact = False
                    break
                self.work_left -= 1
                node, seconds, points, edges = stack[-1]
                target = next(edges, None)
                if target is None:
                    stack.pop()
                    visits[node] -= 1
                    continue
                if target not in nodes:
                    exits.setdefault(target, _Paths()).merge(
                        _Paths.single(seconds, points)
                    )
                elif visits[target] < self.visit_bound:
                    visits[target] += 1
                    stack.append(
                        (
                            target,
                            seconds + self.durations[target],
                            points + self.points[target],
                            self._edges(target),
                        )
                    )
            for target in sorted(exits):
                self.deliver(target, arrived.then(exits[target]))

    def _edges(self, node: int):
        return iter([t for _, t, _ in sorted(self.graph.out_edges(node, keys=True))])


def path_stats(
    story: Story,
    audience_id: int | None = None,
    *,
    visit_bound: int = DEFAULT_VISIT_BOUND,
    max_work: int = DEFAULT_MAX_WORK,
) -> PathStats:
    """Count start-to-ending paths and their runtime and choice-point ranges.

    Runtimes are sums of scene durations, from the approved variants of
    ``audience_id`` when given. Choices whose condition is invalid or provably
    never holds are left out; other conditions are ignored, so a path may need
    variable values that no playthrough produces.
    """
    skipped = never_offered(story)
    graph = plot_graph(story, skip_choices=skipped)
    start = story.start
    endings = {s.id for s in story.scenes if s.kind is SceneKind.ENDING}
    has_cycles = not nx.is_directed_acyclic_graph(graph)
    counter = _Counter(
        graph, scene_durations(story, audience_id), endings, visit_bound, max_work
    )
    notes: list[str] = []
    if skipped:
        notes.append(
            f"{len(skipped)} choice(s) whose condition is invalid or can never hold "
            "are left out."
        )
    if start is not None:
        counter.run(start.id)
    else:
        notes.append("The story has no start scene, so no path exists.")
    if not counter.exact:
        notes.append(
            f"The enumeration of loops stopped after {max_work:,} steps; the counts "
            "are lower bounds and the runtime ranges may be too narrow."
        )
    total = _Paths()
    ending_paths = []
    for scene in sorted(story.endings, key=lambda s: s.id):
        paths = counter.finished.get(scene.id, _Paths())
        total.merge(paths)
        ending_paths.append(
            EndingPaths(
                scene.id,
                scene.key,
                paths.count,
                paths.min_s if paths.count else None,
                paths.max_s if paths.count else None,
            )
        )
    return PathStats(
        total_paths=total.count,
        endings=ending_paths,
        has_cycles=has_cycles,
        visit_bound=visit_bound if has_cycles else None,
        exact=counter.exact,
        choice_points_min=int(total.min_points) if total.count else None,
        choice_points_max=int(total.max_points) if total.count else None,
        choice_points_mean=total.sum_points / total.count if total.count else None,
        audience_id=audience_id,
        notes=notes,
    )
