"""Layered left-to-right layout of the plot graph (Sugiyama style).

Steps: break cycles by reversing the back edges of a depth-first search from the
start scene, put each scene in the column of its longest path from a root, order
each column by barycentre sweeps to reduce crossings (keeping the order with the
fewest), then place cards in column slots. Each weakly connected component is laid
out on its own, the start scene's first, the others stacked below it. No Qt, so the
layout also runs in the CLI, the sample builder and tests without a display.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping

import networkx as nx

logger = logging.getLogger(__name__)

Positions = dict[int, tuple[float, float]]

# Width and height of a scene card on the canvas, in scene units; the canvas
# draws its cards at this size.
CARD_SIZE = (210.0, 100.0)

# Room between columns for the widest choice label the canvas draws (180 units)
# with some clearance from both cards.
COLUMN_GAP = 240.0
ROW_GAP = 40.0
COMPONENT_GAP = 160.0
# A dummy node stands in for an edge at each column it crosses, so that long edges
# take part in the ordering. Edges spanning more columns than this are left out of
# the ordering, which bounds the number of dummies on graphs with long jumps.
MAX_DUMMY_SPAN = 6
SWEEPS = 8


def layered_layout(
    nodes: Iterable[int],
    edges: Iterable[tuple[int, int]],
    start: int | None,
    card_size: tuple[float, float] = CARD_SIZE,
    origin: tuple[float, float] = (0.0, 0.0),
) -> Positions:
    """Return top-left positions for ``nodes`` so that no two cards overlap.

    ``edges`` are (source, target) pairs; those naming other nodes are ignored.
    ``start`` is laid out first, in the leftmost column; None picks the node of
    the largest component with no incoming edge (or the lowest id).
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(
        (s, t) for s, t in edges if s != t and s in graph and t in graph
    )
    components = sorted(
        (sorted(c) for c in nx.weakly_connected_components(graph)),
        key=lambda c: (start not in c, -len(c), c[0]),
    )
    positions: Positions = {}
    width, height = card_size
    top = origin[1]
    for component in components:
        sub = graph.subgraph(component)
        root = start if start in sub else None
        placed = _layout_component(sub, root, width, height)
        if not placed:
            continue
        min_y = min(y for _x, y in placed.values())
        max_y = max(y for _x, y in placed.values())
        for node, (x, y) in placed.items():
            positions[node] = (origin[0] + x, top + y - min_y)
        top += max_y - min_y + height + COMPONENT_GAP
    return positions


def _layout_component(
    graph: nx.DiGraph, root: int | None, width: float, height: float
) -> Positions:
    roots = _roots(graph, root)
    dag = _acyclic(graph, roots)
    columns = _columns(dag, roots)
    layers, neighbours = _with_dummies(dag, columns)
    _order(layers, neighbours)
    return _place(layers, columns, width, height)


def _roots(graph: nx.DiGraph, root: int | None) -> list[int]:
    sources = [n for n in sorted(graph) if graph.in_degree(n) == 0 and n != root]
    roots = ([root] if root is not None else []) + sources
    return roots or [min(graph)]


def _acyclic(graph: nx.DiGraph, roots: list[int]) -> nx.DiGraph:
    """Return ``graph`` with the back edges of an iterative DFS reversed."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    back: set[tuple[int, int]] = set()
    for root in [*roots, *sorted(graph)]:
        if colour[root] != white:
            continue
        colour[root] = grey
        stack = [(root, iter(sorted(graph.successors(root))))]
        while stack:
            node, successors = stack[-1]
            advanced = False
            for successor in successors:
                if colour[successor] == white:
                    colour[successor] = grey
                    stack.append((successor, iter(sorted(graph.successors(successor)))))
                    advanced = True
                    break
                if colour[successor] == grey:
                    back.add((node, successor))
            if not advanced:
                colour[node] = black
                stack.pop()
    dag = nx.DiGraph()
    dag.add_nodes_from(graph)
    for source, target in graph.edges:
        if (source, target) in back:
            if not graph.has_edge(target, source):
                dag.add_edge(target, source)
        else:
            dag.add_edge(source, target)
    return dag


def _columns(dag: nx.DiGraph, roots: list[int]) -> dict[int, int]:
    """Longest-path column of each node; the given root stays in column 0."""
    column: dict[int, int] = {}
    for node in nx.topological_sort(dag):
        preds = [column[p] + 1 for p in dag.predecessors(node)]
        column[node] = max(preds, default=0)
    if roots and roots[0] in column and column[roots[0]] != 0:
        column[roots[0]] = 0
    return column


def _with_dummies(
    dag: nx.DiGraph, columns: dict[int, int]
) -> tuple[list[list[object]], dict[object, list[object]]]:
    """Return the nodes per column, with dummies on edges spanning columns, and
    each node's neighbours in the column to its left."""
    layers: list[list[object]] = [[] for _ in range(max(columns.values()) + 1)]
    left: dict[object, list[object]] = defaultdict(list)
    order = {node: index for index, node in enumerate(nx.topological_sort(dag))}
    for node in sorted(dag, key=lambda n: (columns[n], order[n])):
        layers[columns[node]].append(node)
    for source, target in sorted(dag.edges):
        span = columns[target] - columns[source]
        if span <= 0 or span > MAX_DUMMY_SPAN:
            continue
        previous: object = source
        for step in range(1, span):
            dummy = ("dummy", source, target, step)
            layers[columns[source] + step].append(dummy)
            left[dummy].append(previous)
            previous = dummy
        left[target].append(previous)
    return layers, left


def _order(layers: list[list[object]], left: Mapping[object, list[object]]) -> None:
    """Reorder ``layers`` in place by barycentre sweeps, keeping the best order."""
    right: dict[object, list[object]] = defaultdict(list)
    for node, sources in left.items():
        for source in sources:
            right[source].append(node)
    best = [list(layer) for layer in layers]
    best_crossings = _crossings(layers, left)
    for sweep in range(SWEEPS):
        if best_crossings == 0:
            break
        if sweep % 2 == 0:
            for index in range(1, len(layers)):
                _sort_by_barycentre(layers[index], layers[index - 1], left)
        else:
            for index in range(len(layers) - 2, -1, -1):
                _sort_by_barycentre(layers[index], layers[index + 1], right)
        crossings = _crossings(layers, left)
        if crossings < best_crossings:
            best_crossings = crossings
            best = [list(layer) for layer in layers]
    layers[:] = best


def _sort_by_barycentre(
    layer: list[object], fixed: list[object], links: Mapping[object, list[object]]
) -> None:
    position = {node: index for index, node in enumerate(fixed)}
    keys = {}
    for index, node in enumerate(layer):
        linked = [position[n] for n in links.get(node, ()) if n in position]
        keys[node] = sum(linked) / len(linked) if linked else float(index)
    layer.sort(key=lambda node: keys[node])


def _crossings(layers: list[list[object]], left: Mapping[object, list[object]]) -> int:
    """Count edge crossings between neighbouring columns (Fenwick-tree count)."""
    total = 0
    for index in range(1, len(layers)):
        upper = {node: i for i, node in enumerate(layers[index - 1])}
        pairs = sorted(
            (position, upper[source])
            for position, node in enumerate(layers[index])
            for source in left.get(node, ())
            if source in upper
        )
        size = len(layers[index - 1])
        tree = [0] * (size + 1)
        for seen, (_position, source_position) in enumerate(pairs):
            # Crossings: earlier edges whose upper end lies to the right.
            at = source_position + 1
            not_greater = 0
            while at > 0:
                not_greater += tree[at]
                at -= at & -at
            total += seen - not_greater
            at = source_position + 1
            while at <= size:
                tree[at] += 1
                at += at & -at
    return total


# TODO: long edges are drawn as straight lines from card to card, not through
# the free lanes their dummy nodes reserve, so they can pass behind cards in the
# columns they cross.
def _place(
    layers: list[list[object]], columns: dict[int, int], width: float, height: float
) -> Positions:
    """Give each real node a slot: x by column, y by its place in the column.

    A dummy takes a slot too, so long edges get a free lane. Each column is
    centred on the same middle line, which keeps the start scene level with the
    main branch.
    """
    slot = height + ROW_GAP
    dummy_slot = slot / 2
    positions: Positions = {}
    for index, layer in enumerate(layers):
        x = index * (width + COLUMN_GAP)
        sizes = [dummy_slot if isinstance(node, tuple) else slot for node in layer]
        y = -sum(sizes) / 2
        for node, size in zip(layer, sizes, strict=True):
            if not isinstance(node, tuple):
                positions[node] = (x, y)  # type: ignore[index]
            y += size
    return positions
