"""Exact ending probabilities of a story whose conditions do not depend on state.

Then each scene's choice probabilities are fixed, and a viewer's walk is an
absorbing Markov chain: every scene is a transient state, and "finished at
ending e", "quit in scene s" and "stuck in scene s" are absorbing. The expected
visits ``m`` of the transient states solve ``m = e_start + Tᵀ m``, where ``T``
contains the probabilities of moving between scenes (the chance of not quitting
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
import math
from collections.abc import Sequence

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
        # Plain lists: the one-scene components are most of the work, and
        # element-wise updates of Python floats are faster than of numpy scalars.
        inflow = [0.0] * compiled.scene_count
        inflow[compiled.start] = 1.0
        visits = [0.0] * compiled.scene_count
        trapped = 0.0
        ptr = compiled.ptr.tolist()
        target = compiled.target.tolist()
        probability = self.edge_probability.tolist()
        looping = (compiled.source == compiled.target) & (self.edge_probability > 0)
        self_loop = set(compiled.source[looping].tolist())
        for nodes in components:
            if len(nodes) == 1 and nodes[0] not in self_loop:
                node = nodes[0]
                mass = inflow[node]
                visits[node] = mass
                if mass:
                    for edge in range(ptr[node], ptr[node + 1]):
                        inflow[target[edge]] += mass * probability[edge]
                continue
            trapped += self._solve_component(nodes, inflow, visits)
        return np.array(visits), trapped

    def _solve_component(
        self, nodes: list[int], inflow: list[float], visits: list[float]
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
        entering = np.array([inflow[n] for n in nodes])
        leaks = bool((self.edge_probability[outer] > 0).any()) or bool(
            self.quit[members].any()
        )
        if not leaks:
            for node in nodes:
                visits[node] = math.nan
            return float(entering.sum())
        if members.size <= DENSE_LIMIT:
            self.loops_dense += 1
            matrix = np.zeros((members.size, members.size))
            np.add.at(matrix, (target_local, source_local), weights)
            solution = np.linalg.solve(np.eye(members.size) - matrix, entering)
        else:
            self.loops_iterative += 1
            solution = self._jacobi(entering, source_local, target_local, weights)
        for node, value in zip(nodes, solution.tolist(), strict=True):
            visits[node] = value
        pushed = solution[local[compiled.source[outer]]] * self.edge_probability[outer]
        for node, mass in zip(
            compiled.target[outer].tolist(), pushed.tolist(), strict=True
        ):
            inflow[node] += mass
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
    positive probability, in topological order (Tarjan's algorithm, iterative).

    Written out rather than taken from networkx because building a networkx
    graph of 10,000 scenes costs more than the whole solve.
    """
    count = compiled.scene_count
    ptr = compiled.ptr.tolist()
    target = compiled.target.tolist()
    allowed = possible.tolist()
    index_of = [-1] * count
    lowlink = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(count):
        if index_of[root] >= 0:
            continue
        work = [(root, ptr[root])]
        index_of[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, edge = work[-1]
            if edge < ptr[node + 1]:
                work[-1] = (node, edge + 1)
                if not allowed[edge]:
                    continue
                child = target[edge]
                if index_of[child] < 0:
                    index_of[child] = lowlink[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, ptr[child]))
                elif on_stack[child]:
                    lowlink[node] = min(lowlink[node], index_of[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    # Tarjan emits a component after every component reachable from it.
    found.reverse()
    return found


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
