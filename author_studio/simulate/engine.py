"""Monte Carlo walks of simulated viewers, vectorised across viewers.

All viewers of a persona walk in lockstep: each step is a handful of numpy
operations over the arrays of viewers still watching. One step of one viewer is:

1. Watch the current scene. The viewer quits during it with the scene's quit
   chance ``1 - (1 - h) ** (minutes)``, where ``h`` is the persona's drop-off
   hazard per minute, multiplied by its mismatch factor when the scene's pacing
   is set and differs from the audience's. The moment of quitting inside the
   scene follows the same constant hazard.
2. At an ending, finish.
3. Otherwise choose among the choices on offer, which are those whose
   condition holds for the viewer's state. At a timed choice point whose
   default is on offer, the timer runs out with the persona's timeout rate and
   the default is taken. Else the choice is drawn from a softmax over the
   persona's preference scores of the choices' tags. With no choice on offer
   the viewer is stuck.
4. Apply the choice's effects and move to its target.

Reproducibility: each chunk of viewers draws from
``Generator(PCG64(SeedSequence([seed, persona, chunk])))``, choice weights are
integers (see :data:`~author_studio.simulate.compiled.WEIGHT_SCALE`) and
choosing is integer arithmetic, and nothing iterates over dicts or sets of
unordered keys. The same seed and numpy version give the same result on every
machine, independent of the thread count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from author_studio.domain.model import Persona
from author_studio.domain.story import Story
from author_studio.simulate.compiled import (
    DEFAULT_PERSONA,
    CompiledStory,
    PersonaTables,
    compile_story,
    persona_tables,
)
from author_studio.simulate.results import (
    Outcome,
    PersonaRun,
    SimulationResult,
    TopPath,
)

logger = logging.getLogger(__name__)

# Viewers walked together; it bounds memory (the state matrix and the step
# records of one chunk) and sets how often progress and cancel are checked.
CHUNK_SIZE = 131_072
DEFAULT_STEP_LIMIT = 1000
TOP_PATHS = 10
# Distinct walks kept with their choice sequence from each chunk; the overall
# top paths are looked up among them.
PATHS_KEPT_PER_CHUNK = 64
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


class SimulationCancelledError(Exception):
    """The cancel check returned True; the run stopped and returned nothing."""


@dataclass
class _Chunk:
    outcomes: np.ndarray
    last_scene: np.ndarray
    runtimes: np.ndarray
    keys: np.ndarray
    scene_visits: np.ndarray
    choice_visits: np.ndarray
    steps: int
    errors: int
    paths: dict[int, list[int]] = field(default_factory=dict)


def _group_bounds(groups: np.ndarray) -> tuple[np.ndarray, list[int], list[int]]:
    """Return the order that sorts ``groups`` stably and where each run of equal
    values starts and ends in that order."""
    # Small non-negative keys sort as uint16, for which numpy's stable sort is a
    # radix sort, several times faster than the merge sort of int64.
    keys = groups.astype(np.uint16) if groups.max() < 65_536 else groups
    order = np.argsort(keys, kind="stable")
    ordered = groups[order]
    bounds = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], bounds)).tolist()
    ends = np.concatenate((bounds, [ordered.size])).tolist()
    return order, starts, ends


def _grouped(
    group_of_row: np.ndarray,
    viewer_rows: np.ndarray,
    functions: list,
    state: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Evaluate each row's condition, one numpy call per distinct condition.

    Returns a mask of rows whose condition holds, and how many evaluations
    failed (those count as not holding)."""
    holds = np.zeros(group_of_row.size, dtype=bool)
    order, starts, ends = _group_bounds(group_of_row)
    failures = 0
    for start, end in zip(starts, ends, strict=True):
        rows = order[start:end]
        group = int(group_of_row[rows[0]])
        values, errors = functions[group](state, viewer_rows[rows])
        if errors is not None:
            failures += int(errors.sum())
            values = values & ~errors
        holds[rows] = values
    return holds, failures


def _apply_effects(
    compiled: CompiledStory, state: np.ndarray, viewers: np.ndarray, chosen: np.ndarray
) -> int:
    effect_of = compiled.effect_index[chosen]
    selected = np.flatnonzero(effect_of >= 0)
    if not selected.size:
        return 0
    groups = effect_of[selected]
    order, starts, ends = _group_bounds(groups)
    failures = 0
    for start, end in zip(starts, ends, strict=True):
        members = order[start:end]
        rows = viewers[selected[members]]
        failures += compiled.effects[int(groups[members[0]])].apply(state, rows)
    return failures


def _choose(
    compiled: CompiledStory,
    tables: PersonaTables,
    state: np.ndarray | None,
    active: np.ndarray,
    scenes: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return, for each active viewer, the chosen choice index (or -1 when no
    choice is on offer), the stuck mask and the count of failed evaluations."""
    count = active.size
    first = compiled.ptr[scenes]
    degree = compiled.ptr[scenes + 1] - first
    seg_start = np.cumsum(degree) - degree
    rows = int(degree.sum())
    if rows == 0:
        return np.full(count, -1), np.ones(count, dtype=bool), 0
    row_choice = np.arange(rows) + np.repeat(first - seg_start, degree)
    weight = tables.weight[row_choice]
    failures = 0
    if compiled.conditions:
        condition_of = compiled.condition_index[row_choice]
        selected = np.flatnonzero(condition_of >= 0)
        if selected.size:
            owner = np.repeat(np.arange(count), degree)
            holds, failures = _grouped(
                condition_of[selected],
                active[owner[selected]],
                compiled.conditions,
                state,
            )
            weight[selected[~holds]] = 0
    cumulative = np.cumsum(weight)
    has_rows = degree > 0
    head = np.minimum(seg_start, rows - 1)
    tail = np.minimum(seg_start + degree - 1, rows - 1)
    before = np.where(has_rows, cumulative[head] - weight[head], 0)
    totals = np.where(has_rows, cumulative[tail] - before, 0)
    stuck = totals == 0

    draw = rng.random(count)
    offset = np.minimum((draw * totals).astype(np.int64), np.maximum(totals - 1, 0))
    pick = np.searchsorted(cumulative, before + offset, side="right")
    pick = np.minimum(pick, rows - 1)

    if tables.timeout_rate > 0:
        defaults = compiled.default_choice[scenes]
        timed = np.flatnonzero(compiled.timed_scene[scenes] & (defaults >= 0) & ~stuck)
        if timed.size:
            default_row = seg_start[timed] + (defaults[timed] - first[timed])
            runs_out = rng.random(timed.size) < tables.timeout_rate
            take = runs_out & (weight[default_row] > 0)
            pick[timed[take]] = default_row[take]

    chosen = np.where(stuck, -1, row_choice[pick])
    return chosen, stuck, failures


def _run_chunk(
    compiled: CompiledStory,
    tables: PersonaTables,
    count: int,
    rng: np.random.Generator,
    step_limit: int,
    cancel: CancelCheck | None,
) -> _Chunk:
    scene_total, choice_total = compiled.scene_count, compiled.choice_count
    state = None
    if compiled.stateful:
        state = np.tile(compiled.initial_state, (count, 1))
    current = np.full(count, compiled.start, dtype=np.int64)
    elapsed = np.zeros(count)
    runtimes = np.zeros(count)
    outcomes = np.zeros(count, dtype=np.int64)
    last_scene = np.zeros(count, dtype=np.int64)
    hashes = np.zeros(count, dtype=np.uint64)
    scene_visits = np.zeros(scene_total, dtype=np.int64)
    choice_visits = np.zeros(choice_total, dtype=np.int64)
    active = np.arange(count, dtype=np.int64)
    records: list[tuple[np.ndarray, np.ndarray]] = []
    steps = 0
    failures = 0

    for _ in range(step_limit):
        if not active.size:
            break
        if cancel is not None and cancel():
            raise SimulationCancelledError
        scenes = current[active]
        scene_visits += np.bincount(scenes, minlength=scene_total)

        # 1. Quit during the scene.
        draw = rng.random(active.size)
        quits = draw < tables.quit_chance[scenes]
        if quits.any():
            who, where = active[quits], scenes[quits]
            with np.errstate(divide="ignore", invalid="ignore"):
                minutes = np.log1p(-draw[quits]) / tables.log_keep_per_minute[where]
            minutes = np.nan_to_num(minutes, nan=0.0)
            # Rounded to milliseconds so that last-bit differences of log1p
            # between CPUs cannot change a runtime.
            offset = np.minimum(np.round(minutes * 60.0, 3), tables.duration_s[where])
            runtimes[who] = elapsed[who] + offset
            outcomes[who] = Outcome.DROPPED
            last_scene[who] = where
            active, scenes = active[~quits], scenes[~quits]
        elapsed[active] += tables.duration_s[scenes]

        # 2. Finish at an ending.
        ended = compiled.is_ending[scenes]
        if ended.any():
            who = active[ended]
            runtimes[who] = elapsed[who]
            outcomes[who] = Outcome.ENDED
            last_scene[who] = scenes[ended]
            active, scenes = active[~ended], scenes[~ended]
        if not active.size:
            break

        # 3. Choose, or get stuck.
        chosen, stuck, failed = _choose(compiled, tables, state, active, scenes, rng)
        failures += failed
        if stuck.any():
            who = active[stuck]
            runtimes[who] = elapsed[who]
            outcomes[who] = Outcome.STUCK
            last_scene[who] = scenes[stuck]
            active, chosen = active[~stuck], chosen[~stuck]

        # 4. Apply effects and move.
        choice_visits += np.bincount(chosen, minlength=choice_total)
        hashes[active] = hashes[active] * _HASH_MULTIPLIER + (chosen + 1).astype(
            np.uint64
        )
        if state is not None and compiled.effects:
            failures += _apply_effects(compiled, state, active, chosen)
        current[active] = compiled.target[chosen]
        records.append((active.astype(np.int32), chosen.astype(np.int32)))
        steps += int(active.size)

    if active.size:
        runtimes[active] = elapsed[active]
        outcomes[active] = Outcome.STEP_LIMIT
        last_scene[active] = current[active]

    keys = hashes * _HASH_MULTIPLIER + (last_scene * 8 + outcomes + 1).astype(np.uint64)
    # Narrow types for what is kept per viewer: a run of millions keeps them all.
    chunk = _Chunk(
        outcomes.astype(np.int8),
        last_scene.astype(np.int32),
        runtimes,
        keys,
        scene_visits,
        choice_visits,
        steps,
        failures,
    )
    chunk.paths = _frequent_paths(keys, records)
    return chunk


def _frequent_paths(
    keys: np.ndarray, records: list[tuple[np.ndarray, np.ndarray]]
) -> dict[int, list[int]]:
    """Return the choice sequence of the chunk's most frequent walks, by key."""
    unique, first, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.lexsort((unique, -counts))[:PATHS_KEPT_PER_CHUNK]
    paths = {}
    for index in order.tolist():
        viewer = int(first[index])
        sequence = []
        for viewers, chosen in records:
            position = int(np.searchsorted(viewers, viewer))
            if position >= viewers.size or viewers[position] != viewer:
                break
            sequence.append(int(chosen[position]))
        paths[int(unique[index])] = sequence
    return paths


def resolve_personas(story: Story, name: str | None = None) -> list[Persona]:
    """Return the personas to simulate: all of the story's (by id), the one
    named, or a neutral default when the story has none."""
    personas = sorted(story.personas, key=lambda p: p.id or 0)
    if name is not None:
        chosen = [p for p in personas if p.name == name]
        if not chosen:
            names = ", ".join(repr(p.name) for p in personas) or "none"
            raise ValueError(
                f"Unknown persona {name!r}; the story's personas are: {names}."
            )
        return chosen
    return personas or [DEFAULT_PERSONA]


def simulate(
    story: Story,
    viewers: int,
    seed: int,
    *,
    step_limit: int = DEFAULT_STEP_LIMIT,
    persona: str | None = None,
    exact: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> SimulationResult:
    """Walk ``viewers`` simulated viewers per persona through ``story``.

    ``step_limit`` caps the choices one viewer takes. With ``exact`` and a story
    whose conditions do not depend on state, the exact ending probabilities are
    computed too. ``progress(done, total)`` is called after each chunk of
    viewers, and ``cancel()`` is polled every step; when it returns True the run
    raises :class:`SimulationCancelledError`.
    """
    if viewers < 1:
        raise ValueError(f"The viewer count is {viewers}; simulate at least 1 viewer.")
    if seed < 0:
        raise ValueError(f"The seed is {seed}; use a whole number of 0 or more.")
    if step_limit < 1:
        raise ValueError(f"The step limit is {step_limit}; use 1 or more.")
    started = time.perf_counter()
    compiled = compile_story(story)
    personas = resolve_personas(story, persona)
    total = viewers * len(personas)
    done = 0
    chunks: list[_Chunk] = []
    runs: list[PersonaRun] = []
    all_tables = []
    for persona_index, person in enumerate(personas):
        tables = persona_tables(story, compiled, person)
        all_tables.append(tables)
        persona_chunks = []
        for chunk_index, first in enumerate(range(0, viewers, CHUNK_SIZE)):
            count = min(CHUNK_SIZE, viewers - first)
            sequence = np.random.SeedSequence([seed, persona_index, chunk_index])
            rng = np.random.Generator(np.random.PCG64(sequence))
            persona_chunks.append(
                _run_chunk(compiled, tables, count, rng, step_limit, cancel)
            )
            done += count
            if progress is not None:
                progress(done, total)
        runs.append(_persona_run(compiled, person.name, persona_chunks))
        chunks += persona_chunks

    result = _combine(compiled, chunks, runs, total, seed, step_limit)
    if exact and not compiled.stateful:
        from author_studio.simulate.exact import exact_endings

        result.exact = exact_endings(compiled, all_tables, [viewers] * len(personas))
    elif exact:
        result.notes.append(
            "Exact ending probabilities need conditions that do not depend on "
            "state; this story's conditions read variables that effects change."
        )
    if compiled.invalid_choices:
        result.notes.append(
            f"{len(compiled.invalid_choices)} choice(s) have an invalid condition or "
            "effects; they were treated as never offered or as having no effects."
        )
    result.elapsed_s = time.perf_counter() - started
    logger.info(
        "Simulated %d viewers (seed %d) in %.2f s", total, seed, result.elapsed_s
    )
    return result


def _persona_run(
    compiled: CompiledStory, name: str, chunks: list[_Chunk]
) -> PersonaRun:
    outcomes = np.concatenate([c.outcomes for c in chunks])
    last = np.concatenate([c.last_scene for c in chunks])
    scenes = compiled.scene_count

    def per_scene(outcome: Outcome) -> dict[str, int]:
        counts = np.bincount(last[outcomes == outcome], minlength=scenes)
        return {compiled.keys[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    return PersonaRun(
        name=name,
        viewers=int(outcomes.size),
        endings=per_scene(Outcome.ENDED),
        dropped_in=per_scene(Outcome.DROPPED),
        stuck_in=per_scene(Outcome.STUCK),
        step_limit=int(np.count_nonzero(outcomes == Outcome.STEP_LIMIT)),
    )


def _combine(
    compiled: CompiledStory,
    chunks: list[_Chunk],
    runs: list[PersonaRun],
    total: int,
    seed: int,
    step_limit: int,
) -> SimulationResult:
    keys = np.concatenate([c.keys for c in chunks])
    outcomes = np.concatenate([c.outcomes for c in chunks])
    last = np.concatenate([c.last_scene for c in chunks])
    unique, first, counts = np.unique(keys, return_index=True, return_counts=True)
    known: dict[int, list[int]] = {}
    for chunk in chunks:
        for key, path in chunk.paths.items():
            known.setdefault(key, path)
    top = []
    for index in np.lexsort((unique, -counts))[:TOP_PATHS].tolist():
        viewer = int(first[index])
        sequence = known.get(int(unique[index]))
        top.append(
            TopPath(
                count=int(counts[index]),
                choice_ids=(
                    [int(compiled.choice_ids[c]) for c in sequence]
                    if sequence is not None
                    else None
                ),
                outcome=Outcome(int(outcomes[viewer])),
                last_scene=compiled.keys[int(last[viewer])],
            )
        )
    return SimulationResult(
        viewers=total,
        seed=seed,
        step_limit=step_limit,
        scene_keys=list(compiled.keys),
        scene_ids=[int(i) for i in compiled.scene_ids],
        choice_ids=[int(i) for i in compiled.choice_ids],
        personas=runs,
        scene_visits=sum(c.scene_visits for c in chunks),
        choice_visits=sum(c.choice_visits for c in chunks),
        runtimes_s=np.concatenate([c.runtimes for c in chunks]),
        outcomes=outcomes,
        top_paths=top,
        steps=sum(c.steps for c in chunks),
        expression_errors=sum(c.errors for c in chunks),
        elapsed_s=0.0,
    )
