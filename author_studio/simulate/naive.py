"""A plain one-viewer-at-a-time walk with the same rules as the vectorised engine.

It evaluates conditions and effects with :mod:`author_studio.domain.expressions`
and draws from Python's ``random.Random``, so it shares no code path with the
engine beyond the persona tables. The benchmark times it as the baseline, and a
test checks that both produce the same distribution.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random

from author_studio.analysis.graph import parse_choices
from author_studio.domain.expressions import ExpressionError, apply_effects, evaluate
from author_studio.domain.model import Persona, SceneKind
from author_studio.domain.story import Story
from author_studio.simulate.compiled import WEIGHT_SCALE
from author_studio.simulate.results import Outcome

logger = logging.getLogger(__name__)


class NaiveWalker:
    """Walk viewers of one persona one at a time."""

    def __init__(self, story: Story, persona: Persona, seed: int) -> None:
        self.story = story
        self.persona = persona
        self.random = random.Random(seed)
        self.parsed = parse_choices(story)
        self.audience = story.audience_by_id.get(persona.audience_id)
        self.initial = {v.name: v.initial for v in story.variables}

    def duration(self, scene_id: int) -> float:
        scene = self.story.scene_by_id[scene_id]
        if self.audience is not None:
            variant = self.story.approved_variant(scene_id, self.audience.id)
            if variant is not None:
                return variant.duration_s
        return scene.duration_s

    def hazard(self, scene_id: int) -> float:
        scene = self.story.scene_by_id[scene_id]
        hazard = self.persona.dropoff_per_minute
        if (
            self.audience is not None
            and scene.pacing is not None
            and scene.pacing is not self.audience.pacing
        ):
            hazard *= self.persona.mismatch_factor
        return min(hazard, 1.0)

    def offered(self, scene_id: int, state: dict) -> list:
        offered = []
        for choice in self.story.choices_from(scene_id):
            if choice.id in self.parsed.condition_errors:
                continue
            try:
                if evaluate(self.parsed.conditions[choice.id], state) is True:
                    offered.append(choice)
            except ExpressionError:
                continue
        return offered

    def pick(self, scene_id: int, offered: list):
        timed = any(c.window_s is not None for c in self.story.choices_from(scene_id))
        default = next(
            (c for c in self.story.choices_from(scene_id) if c.is_default), None
        )
        if (
            timed
            and default in offered
            and self.random.random() < self.persona.timeout_rate
        ):
            return default
        scores = [
            sum(self.persona.tag_weights.get(tag, 0.0) for tag in c.tags)
            for c in self.story.choices_from(scene_id)
        ]
        top = max(scores)
        by_id = dict(
            zip((c.id for c in self.story.choices_from(scene_id)), scores, strict=True)
        )
        weights = [
            max(1, round(WEIGHT_SCALE * math.exp(by_id[c.id] - top))) for c in offered
        ]
        return self.random.choices(offered, weights=weights)[0]

    def walk(self, step_limit: int) -> tuple[Outcome, int, float]:
        """Walk one viewer; return the outcome, the last scene id and the runtime."""
        scene_id = self.story.start.id
        state = dict(self.initial)
        elapsed = 0.0
        for _ in range(step_limit):
            duration = self.duration(scene_id)
            hazard = self.hazard(scene_id)
            if hazard > 0 and duration > 0:
                quit_chance = 1.0 - (1.0 - hazard) ** (duration / 60.0)
                draw = self.random.random()
                if draw < quit_chance:
                    if hazard >= 1.0:
                        return Outcome.DROPPED, scene_id, elapsed
                    minutes = math.log1p(-draw) / math.log1p(-hazard)
                    return (
                        Outcome.DROPPED,
                        scene_id,
                        elapsed + min(minutes * 60, duration),
                    )
            elapsed += duration
            if self.story.scene_by_id[scene_id].kind is SceneKind.ENDING:
                return Outcome.ENDED, scene_id, elapsed
            offered = self.offered(scene_id, state)
            if not offered:
                return Outcome.STUCK, scene_id, elapsed
            choice = self.pick(scene_id, offered)
            for assignment in self.parsed.effects.get(choice.id, []):
                # A failing assignment is skipped, as the engine does.
                with contextlib.suppress(ExpressionError):
                    state = apply_effects([assignment], state)
            scene_id = choice.target_id
        return Outcome.STEP_LIMIT, scene_id, elapsed
