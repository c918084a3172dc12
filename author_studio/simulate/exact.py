"""Exact ending probabilities of a story whose conditions do not depend on state.

Then each scene's choice probabilities are fixed, and a viewer's walk is an
absorbing Markov chain: every scene is a transient state, and "finished at
ending e", "quit in scene s" and "stuck in scene s" are absorbing. The expected
visits ``m`` of the transient states solve ``m = e_start + Tᵀ m``, where ``T``
holds the probabilities of moving between scenes (the chance of not quitting
times the chance of the choice). The absorption probabilities follow from ``m``.

A dense solve of ``I - Tᵀ`` over 10,000 scenes would take 800 MB and cubic time,
so the solve works on the condensation of the graph: strongly connected
components in topological order. A component of one scene without a self-loop
needs only a multiply-add (this is the whole work on a graph without cycles).
A cyclic component is solved densely when it is small and by Jacobi iteration
over its sparse edges when it is large. A closed loop that no viewer can leave
or quit keeps its probability as ``trapped``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import networkx as nx
import numpy as np

from author_studio.simulate.compiled import CompiledStory, PersonaTables
from author_studio.simulate.results import ExactEndings

logger = logging.getLogger(__name__)

# Cyclic components up to this many scenes are solved with numpy.linalg.solve.
DENSE_LIMIT = 1500
ITERATION_TOLERANCE = 1e-13
MAX_ITERATIONS = 200_000


def choice_probabilities(compiled: CompiledStory, tables: PersonaTables) -> np.ndarray:
    """Return the probability of each choice given that its scene is finished:
    the softmax share, with the timeout rate moved onto the default choice at
    timed choice points."""
    probabilities = np.zeros(compiled.choice_count)
    for scene in range(compiled.scene_count):
        first, last = int(compiled.ptr[scene]), int(compiled.ptr[scene + 1])
        weights = tables.weight[first:last]
        total = int(weights.sum())
        if total == 0:
            continue
        shares = weights / total
        default = int(compiled.default_choice[scene])
        if (
            compiled.timed_scene[scene]
            and default >= 0
            and tables.weight[default] > 0
            and tables.timeout_rate > 0
        ):
            shares = shares * (1.0 - tables.timeout_rate)
            shares[default - first] += tables.timeout_rate
        probabilities[first:last] = shares
    return probabilities


class _Chain:
    def __init__(self, compiled: CompiledStory, tables: PersonaTables) -> None:
        self.compiled = compiled
        keep = 1.0 - tables.quit_chance
        self.edge_probability = (
            choice_probabilities(compiled, tables) * keep[compiled.source]
        )
        self.quit = tables.quit_chance
        offered = np.bincount(
            compiled.source, weights=tables.weight > 0, minlength=compiled.scene_count
        )
        self.stuck_scene = (offered == 0) & ~compiled.is_ending
        self.loops_dense = 0
        self.loops_iterative = 0

    def visits(self, components: list[list[int]]) -> tuple[np.ndarray, float]:
        """Return the expected visits of every scene and the trapped probability."""
        compiled = self.compiled
        inflow = np.zeros(compiled.scene_count)
        inflow[compiled.start] = 1.0
        visits = np.zeros(compiled.scene_count)
        trapped = 0.0
        ptr, target, probability = compiled.ptr, compiled.target, self.edge_probability
        for nodes in components:
            if len(nodes) == 1 and not self._self_loop(nodes[0]):
                node = nodes[0]
                mass = inflow[node]
                visits[node] = mass
                if mass:
                    first, last = ptr[node], ptr[node + 1]
                    np.add.at(
                        inflow, target[first:last], mass * probability[first:last]
                    )
                continue
            trapped += self._solve_component(nodes, inflow, visits)
        return visits, trapped

    def _self_loop(self, node: int) -> bool:
        first, last = self.compiled.ptr[node], self.compiled.ptr[node + 1]
        loops = self.compiled.target[first:last] == node
        return bool(np.any(loops & (self.edge_probability[first:last] > 0)))

    def _solve_component(
        self, nodes: list[int], inflow: np.ndarray, visits: np.ndarray
    ) -> float:
        compiled = self.compiled
        members = np.array(nodes, dtype=np.int64)
        local = np.full(compiled.scene_count, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        edges = np.concatenate(
            [np.arange(compiled.ptr[n], compiled.ptr[n + 1]) for n in nodes]
        )
        inside = local[compiled.target[edges]] >= 0
        inner, outer = edges[inside], edges[~inside]
        source_local = local[compiled.source[inner]]
        target_local = local[compiled.target[inner]]
        weights = self.edge_probability[inner]
        entering = inflow[members]
        leaks = bool((self.edge_probability[outer] > 0).any()) or bool(
            self.quit[members].any()
        )
        if not leaks:
            visits[members] = np.nan
            return float(entering.sum())
        if members.size <= DENSE_LIMIT:
            self.loops_dense += 1
            matrix = np.zeros((members.size, members.size))
            np.add.at(matrix, (target_local, source_local), weights)
            solution = np.linalg.solve(np.eye(members.size) - matrix, entering)
        else:
            self.loops_iterative += 1
            solution = self._jacobi(entering, source_local, target_local, weights)
        visits[members] = solution
        outer_source = compiled.source[outer]
        np.add.at(
            inflow,
            compiled.target[outer],
            solution[local[outer_source]] * self.edge_probability[outer],
        )
        return 0.0

    def _jacobi(
        self,
        entering: np.ndarray,
        source_local: np.ndarray,
        target_local: np.ndarray,
        weights: np.ndarray,
    ) -> np.ndarray:
        solution = entering.copy()
        size = entering.size
        for _ in range(MAX_ITERATIONS):
            updated = entering + np.bincount(
                target_local, weights=weights * solution[source_local], minlength=size
            )
            change = float(np.abs(updated - solution).max())
            solution = updated
            if change <= ITERATION_TOLERANCE * max(1.0, float(solution.max())):
                return solution
        # NOTE: a loop whose viewers almost never leave converges slowly; the
        # result after MAX_ITERATIONS is then an underestimate of its visits.
        logger.warning("Jacobi iteration stopped after %d rounds", MAX_ITERATIONS)
        return solution


def _components(compiled: CompiledStory, possible: np.ndarray) -> list[list[int]]:
    """Return the strongly connected components of the edges that have a
    positive probability, in topological order."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(compiled.scene_count))
    graph.add_edges_from(
        zip(
            compiled.source[possible].tolist(),
            compiled.target[possible].tolist(),
            strict=True,
        )
    )
    condensation = nx.condensation(graph)
    members = condensation.graph["mapping"]
    groups: dict[int, list[int]] = {}
    for node in range(compiled.scene_count):
        groups.setdefault(members[node], []).append(node)
    return [
        groups[component]
        for component in nx.lexicographical_topological_sort(condensation)
    ]


def exact_endings(
    compiled: CompiledStory,
    all_tables: Sequence[PersonaTables],
    viewer_counts: Sequence[int],
) -> ExactEndings:
    """Return the exact outcome probabilities, per persona and weighted by
    ``viewer_counts`` over all of them."""
    endings_index = np.flatnonzero(compiled.is_ending)
    total_viewers = float(sum(viewer_counts))
    overall = np.zeros(endings_index.size)
    dropped = stuck = trapped = 0.0
    visits_total = np.zeros(compiled.scene_count)
    per_persona: dict[str, dict[str, float]] = {}
    dense = iterative = 0
    for tables, count in zip(all_tables, viewer_counts, strict=True):
        chain = _Chain(compiled, tables)
        components = _components(compiled, chain.edge_probability > 0)
        visits, trapped_here = chain.visits(components)
        finite = np.nan_to_num(visits, nan=0.0)
        ending_share = finite[endings_index] * (1.0 - tables.quit_chance[endings_index])
        dropped_here = float(np.dot(finite, tables.quit_chance))
        stuck_here = float(
            np.dot(
                finite[chain.stuck_scene], 1.0 - tables.quit_chance[chain.stuck_scene]
            )
        )
        weight = count / total_viewers
        overall += weight * ending_share
        dropped += weight * dropped_here
        stuck += weight * stuck_here
        trapped += weight * trapped_here
        visits_total += weight * finite
        per_persona[tables.persona.name] = {
            compiled.keys[i]: float(p)
            for i, p in zip(endings_index, ending_share, strict=True)
        } | {
            "(dropped)": dropped_here,
            "(stuck)": stuck_here,
            "(trapped)": trapped_here,
        }
        dense = max(dense, chain.loops_dense)
        iterative = max(iterative, chain.loops_iterative)
    method = "topological dynamic programming"
    if dense or iterative:
        method += (
            f" with {dense} loop(s) solved densely and {iterative} by Jacobi iteration"
        )
    return ExactEndings(
        endings={
            compiled.keys[i]: float(p)
            for i, p in zip(endings_index, overall, strict=True)
        },
        dropped=dropped,
        stuck=stuck,
        trapped=trapped,
        per_persona=per_persona,
        expected_visits=visits_total,
        method=method,
    )
