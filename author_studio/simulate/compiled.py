"""A story turned into arrays for simulation, and the per-persona tables.

Scenes are numbered by ascending id and choices grouped by source scene in the
order the player shows them (position, then id), in compressed sparse row form:
the choices of scene ``s`` are ``ptr[s]`` up to ``ptr[s + 1]``. Nothing depends
on dict or hash order, so the same story always compiles to the same arrays.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from author_studio.analysis.graph import parse_choices
from author_studio.domain.expressions import evaluate, names_read, names_written
from author_studio.domain.model import Pacing, Persona, SceneKind, VariableType
from author_studio.domain.story import Story
from author_studio.simulate.vectorize import (
    Compiled,
    CompiledEffects,
    TextCodes,
    collect_texts,
    compile_effects,
    compile_expr,
    encode,
)

logger = logging.getLogger(__name__)

# Choice weights are integers, so that choosing among them is exact integer
# arithmetic and gives the same result on every machine. The most likely choice
# of a scene weighs 2**24; any choice on offer weighs at least 1.
WEIGHT_SCALE = 2**24

# The persona used when a story has none: neutral preferences and the default
# rates of :class:`Persona`.
DEFAULT_PERSONA = Persona(name="Typical viewer", audience_id=-1)


@dataclass
class CompiledStory:
    scene_ids: np.ndarray
    keys: list[str]
    is_ending: np.ndarray
    start: int
    choice_ids: np.ndarray
    ptr: np.ndarray
    target: np.ndarray
    source: np.ndarray
    default_choice: np.ndarray
    timed_scene: np.ndarray
    choice_tags: list[list[str]]
    condition_index: np.ndarray
    conditions: list[Compiled]
    effect_index: np.ndarray
    effects: list[CompiledEffects]
    initial_state: np.ndarray
    variable_names: list[str]
    stateful: bool
    static_offer: np.ndarray
    invalid_choices: list[int] = field(default_factory=list)

    @property
    def scene_count(self) -> int:
        return int(self.scene_ids.size)

    @property
    def choice_count(self) -> int:
        return int(self.choice_ids.size)


def compile_story(story: Story) -> CompiledStory:
    """Compile ``story``; raises ValueError when it has no start scene.

    A choice whose condition does not type-check is never offered, and effects
    that do not type-check do nothing; lint reports both.
    """
    if story.start is None:
        raise ValueError("The story has no start scene; set one before simulating.")
    scenes = sorted(story.scenes, key=lambda s: s.id)
    index_of = {scene.id: index for index, scene in enumerate(scenes)}
    parsed = parse_choices(story)

    choices = []
    counts = np.zeros(len(scenes), dtype=np.int64)
    for scene in scenes:
        if scene.kind is SceneKind.ENDING:
            continue
        for choice in story.choices_from(scene.id):
            if choice.target_id in index_of:
                choices.append(choice)
                counts[index_of[scene.id]] += 1
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    variables = sorted(story.variables, key=lambda v: v.name)
    columns = {v.name: i for i, v in enumerate(variables)}
    bool_names = {v.name for v in variables if v.type is VariableType.BOOL}
    conditions_used = {
        c.id: parsed.conditions[c.id]
        for c in choices
        if c.condition.strip() and c.id in parsed.conditions
    }
    effects_used = {
        c.id: parsed.effects[c.id] for c in choices if parsed.effects.get(c.id)
    }
    expressions = list(conditions_used.values()) + [
        a.value for group in effects_used.values() for a in group
    ]
    codes: TextCodes = collect_texts(variables, expressions)
    initial = {v.name: v.initial for v in variables}
    written = set()
    for group in effects_used.values():
        written |= names_written(group)
    stateful = any(names_read(expr) & written for expr in conditions_used.values())

    condition_index = np.full(len(choices), -1, dtype=np.int64)
    effect_index = np.full(len(choices), -1, dtype=np.int64)
    static_offer = np.ones(len(choices), dtype=bool)
    compiled_conditions: list[Compiled] = []
    compiled_effects: list[CompiledEffects] = []
    invalid: list[int] = []
    for index, choice in enumerate(choices):
        if choice.id in parsed.condition_errors:
            static_offer[index] = False
            invalid.append(choice.id)
            continue
        expr = conditions_used.get(choice.id)
        if expr is not None:
            if stateful:
                condition_index[index] = len(compiled_conditions)
                compiled_conditions.append(
                    compile_expr(expr, columns, bool_names, codes)
                )
            else:
                static_offer[index] = _holds_initially(expr, initial)
        if stateful and choice.id in effects_used:
            effect_index[index] = len(compiled_effects)
            compiled_effects.append(
                compile_effects(effects_used[choice.id], columns, bool_names, codes)
            )
        if choice.id in parsed.effect_errors:
            invalid.append(choice.id)

    default_choice = np.full(len(scenes), -1, dtype=np.int64)
    timed_scene = np.zeros(len(scenes), dtype=bool)
    for index, choice in enumerate(choices):
        scene = index_of[choice.source_id]
        if choice.is_default and default_choice[scene] < 0:
            default_choice[scene] = index
        if choice.window_s is not None:
            timed_scene[scene] = True

    return CompiledStory(
        scene_ids=np.array([s.id for s in scenes], dtype=np.int64),
        keys=[s.key for s in scenes],
        is_ending=np.array([s.kind is SceneKind.ENDING for s in scenes], dtype=bool),
        start=index_of[story.start.id],
        choice_ids=np.array([c.id for c in choices], dtype=np.int64),
        ptr=ptr,
        target=np.array([index_of[c.target_id] for c in choices], dtype=np.int64),
        source=np.array([index_of[c.source_id] for c in choices], dtype=np.int64),
        default_choice=default_choice,
        timed_scene=timed_scene,
        choice_tags=[list(c.tags) for c in choices],
        condition_index=condition_index,
        conditions=compiled_conditions,
        effect_index=effect_index,
        effects=compiled_effects,
        initial_state=np.array(
            [encode(v.initial, codes) for v in variables], dtype=np.int64
        ),
        variable_names=[v.name for v in variables],
        stateful=stateful,
        static_offer=static_offer,
        invalid_choices=sorted(set(invalid)),
    )


def _holds_initially(expr, initial: dict) -> bool:
    try:
        return evaluate(expr, initial) is True
    except ValueError:
        return False


@dataclass
class PersonaTables:
    """Per-persona tables for a compiled story: durations from its audience's
    approved variants, the chance to quit during each scene, the per-minute
    log-survival used to place a quit inside the scene, and choice weights."""

    persona: Persona
    duration_s: np.ndarray
    quit_chance: np.ndarray
    log_keep_per_minute: np.ndarray
    weight: np.ndarray
    timeout_rate: float


def persona_tables(
    story: Story, compiled: CompiledStory, persona: Persona
) -> PersonaTables:
    audience = story.audience_by_id.get(persona.audience_id)
    scenes = [story.scene_by_id[int(i)] for i in compiled.scene_ids]
    duration = np.empty(len(scenes))
    quit_chance = np.zeros(len(scenes))
    log_keep = np.zeros(len(scenes))
    for index, scene in enumerate(scenes):
        variant = story.approved_variant(scene.id, audience.id) if audience else None
        duration[index] = variant.duration_s if variant else scene.duration_s
        hazard = persona.dropoff_per_minute
        if audience is not None and _mismatch(scene.pacing, audience.pacing):
            hazard *= persona.mismatch_factor
        hazard = min(hazard, 1.0)
        if hazard <= 0 or duration[index] <= 0:
            continue
        if hazard >= 1.0:
            quit_chance[index] = 1.0
            log_keep[index] = -math.inf
            continue
        log_keep[index] = math.log1p(-hazard)
        quit_chance[index] = -math.expm1(log_keep[index] * duration[index] / 60.0)
    return PersonaTables(
        persona=persona,
        duration_s=duration,
        quit_chance=quit_chance,
        log_keep_per_minute=log_keep,
        weight=_choice_weights(compiled, persona),
        timeout_rate=float(persona.timeout_rate),
    )


def _mismatch(scene_pacing: Pacing | None, audience_pacing: Pacing) -> bool:
    return scene_pacing is not None and scene_pacing is not audience_pacing


def _choice_weights(compiled: CompiledStory, persona: Persona) -> np.ndarray:
    """Return softmax numerators over each scene's choices as integers.

    A choice's score is the sum of the persona's weights of its tags. The
    largest score of a scene maps to WEIGHT_SCALE, so no exponent overflows; a
    choice not statically on offer gets weight 0.
    """
    weights = np.zeros(compiled.choice_count, dtype=np.int64)
    tag_weights = persona.tag_weights
    for scene in range(compiled.scene_count):
        first, last = int(compiled.ptr[scene]), int(compiled.ptr[scene + 1])
        if first == last:
            continue
        scores = [
            math.fsum(tag_weights.get(tag, 0.0) for tag in compiled.choice_tags[c])
            for c in range(first, last)
        ]
        top = max(scores)
        for offset, score in enumerate(scores):
            choice = first + offset
            if not compiled.static_offer[choice]:
                continue
            weights[choice] = max(1, round(WEIGHT_SCALE * math.exp(score - top)))
    return weights
