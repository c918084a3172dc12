"""Simulated viewer paths with the reason behind every step.

The simulation engine counts where many viewers go but keeps no reasons. This
module walks one viewer at a time with the same persona model (see
:mod:`author_studio.simulate.engine`): a quit chance per scene from the drop-off
hazard, a timeout at timed choice points that takes the default, and otherwise a
softmax over the persona's tag weights of the choices on offer. It reuses the
simulation's one-viewer walker and its compiled tables, and records for each
step whether the viewer chose, let the timer run out, or dropped off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import logging
import math
from dataclasses import dataclass

from author_studio.domain.expressions import ExpressionError, apply_effects
from author_studio.domain.journey import Journey, JourneyChoice, StepHow
from author_studio.domain.model import Audience, Choice, Persona, SceneKind
from author_studio.domain.story import Story
from author_studio.preview.engine import format_clock
from author_studio.simulate import simulate
from author_studio.simulate.compiled import compile_story, persona_tables
from author_studio.simulate.naive import NaiveWalker
from author_studio.simulate.results import Outcome, SimulationResult, TopPath

logger = logging.getLogger(__name__)

DEFAULT_STEP_LIMIT = 1000


class PathReason(enum.StrEnum):
    """The reason a viewer left a scene the way they did."""

    CHOSEN = "chosen"
    TIMED_OUT = "timed_out"
    DROPPED = "dropped"
    ENDED = "ended"
    STUCK = "stuck"
    STEP_LIMIT = "step_limit"


@dataclass(frozen=True)
class PathStep:
    """One scene of a viewer's path and how the viewer left it.

    ``choice_id`` is None at the last scene. ``share`` is the chance that this
    persona takes this choice here, given the state, or for the last scene the
    chance of the outcome where it is known.
    """

    scene_id: int
    choice_id: int | None
    reason: PathReason
    detail: str
    share: float | None
    started_s: float


@dataclass(frozen=True)
class ViewerPath:
    """A path of one persona: sampled with a seed, or one of a run's top paths."""

    persona: Persona
    audience: Audience | None
    steps: tuple[PathStep, ...]
    outcome: Outcome
    runtime_s: float
    seed: int | None = None
    # For a top path: how many simulated viewers walked it, out of ``viewers``.
    count: int | None = None
    viewers: int | None = None

    @property
    def scene_ids(self) -> list[int]:
        return [step.scene_id for step in self.steps]

    @property
    def choice_ids(self) -> list[int]:
        return [step.choice_id for step in self.steps if step.choice_id is not None]

    def to_journey(self, story: Story, name: str) -> Journey:
        """Describe the path as a journey, so that the play dock can show it as
        the viewer watched it. A drop-off is not a step, so the journey stops at
        the scene where the viewer quit.

        Raises ValueError when a choice or scene of the path was deleted since.
        """
        choices = {choice.id: choice for choice in story.choices}
        if any(scene_id not in story.scene_by_id for scene_id in self.scene_ids):
            raise ValueError("A scene of this path was deleted since it was walked.")
        steps = []
        for step in self.steps:
            if step.choice_id is None:
                continue
            choice = choices.get(step.choice_id)
            if choice is None:
                raise ValueError(
                    f"Choice {step.choice_id} of this path was deleted since it was "
                    "walked."
                )
            how = (
                StepHow.TIMED_OUT
                if step.reason is PathReason.TIMED_OUT
                else StepHow.CHOSEN
            )
            steps.append(
                JourneyChoice(
                    choice.id,
                    story.scene_by_id[choice.source_id].key,
                    choice.label,
                    story.scene_by_id[choice.target_id].key,
                    how,
                )
            )
        start = story.scene_by_id[self.steps[0].scene_id]
        return Journey(
            name=name,
            start_scene_id=start.id,
            audience_id=self.audience.id if self.audience else None,
            steps=steps,
            start_scene_key=start.key,
            audience_name=self.audience.name if self.audience else "",
        )

    def describe(self, story: Story) -> str:
        keys = []
        for scene_id in self.scene_ids:
            scene = story.scene_by_id.get(scene_id)
            keys.append(scene.key if scene is not None else "(deleted scene)")
        return " → ".join(keys) + f" ({_OUTCOME_WORDS[self.outcome]})"


_OUTCOME_WORDS = {
    Outcome.ENDED: "ending",
    Outcome.DROPPED: "dropped off",
    Outcome.STUCK: "stuck",
    Outcome.STEP_LIMIT: "step limit",
    Outcome.RUNNING: "running",
}


class _ChoiceModel:
    """The persona's choice rule at one scene, from the simulation's compiled
    tables: whether the timer applies, the default, and the softmax weights."""

    def __init__(self, story: Story, persona: Persona) -> None:
        compiled = compile_story(story)
        tables = persona_tables(story, compiled, persona)
        self.timeout_rate = tables.timeout_rate
        self.weight = dict(
            zip(compiled.choice_ids.tolist(), tables.weight.tolist(), strict=True)
        )
        self.timed: dict[int, bool] = {}
        self.default: dict[int, int] = {}
        for index, scene_id in enumerate(compiled.scene_ids.tolist()):
            self.timed[scene_id] = bool(compiled.timed_scene[index])
            default = int(compiled.default_choice[index])
            if default >= 0:
                self.default[scene_id] = int(compiled.choice_ids[default])

    def timer_applies(self, scene_id: int, offered: list[Choice]) -> bool:
        default = self.default.get(scene_id)
        return self.timed[scene_id] and any(c.id == default for c in offered)

    def weights(self, offered: list[Choice]) -> list[int]:
        return [self.weight[c.id] for c in offered]

    def share(self, scene_id: int, offered: list[Choice], choice: Choice) -> tuple:
        """Return the chance of taking ``choice`` here and the part of it that
        comes from the timer running out."""
        timeout = self.timeout_rate if self.timer_applies(scene_id, offered) else 0.0
        weights = self.weights(offered)
        softmax = self.weight[choice.id] / sum(weights)
        from_timer = timeout if choice.id == self.default.get(scene_id) else 0.0
        return from_timer + (1.0 - timeout) * softmax, from_timer


class PathSampler(NaiveWalker):
    """Walk one viewer of ``persona`` with ``seed`` and record every reason.

    The walk draws its random numbers in the same order as
    :class:`~author_studio.simulate.naive.NaiveWalker`, so the same seed gives the
    same path, outcome and runtime as that walker.
    """

    def __init__(self, story: Story, persona: Persona, seed: int) -> None:
        super().__init__(story, persona, seed)
        self.seed = seed
        self.model = _ChoiceModel(story, persona)

    def pick_with_reason(
        self, scene_id: int, offered: list[Choice]
    ) -> tuple[Choice, PathReason]:
        model = self.model
        if (
            model.timer_applies(scene_id, offered)
            and self.random.random() < self.persona.timeout_rate
        ):
            default = next(c for c in offered if c.id == model.default[scene_id])
            return default, PathReason.TIMED_OUT
        choice = self.random.choices(offered, weights=model.weights(offered))[0]
        return choice, PathReason.CHOSEN

    def pick(self, scene_id: int, offered: list[Choice]) -> Choice:
        return self.pick_with_reason(scene_id, offered)[0]

    def reseed(self, seed: int) -> None:
        """Start over with ``seed``, as a new sampler with that seed would, but
        without compiling the story again."""
        self.seed = seed
        self.random.seed(seed)

    def sample(self, step_limit: int = DEFAULT_STEP_LIMIT) -> ViewerPath:
        scene_id = self.story.start.id
        state = dict(self.initial)
        elapsed = 0.0
        steps: list[PathStep] = []
        for _ in range(step_limit):
            duration = self.duration(scene_id)
            hazard = self.hazard(scene_id)
            if hazard > 0 and duration > 0:
                quit_chance = 1.0 - (1.0 - hazard) ** (duration / 60.0)
                draw = self.random.random()
                if draw < quit_chance:
                    watched = duration
                    if hazard < 1.0:
                        minutes = math.log1p(-draw) / math.log1p(-hazard)
                        watched = min(minutes * 60, duration)
                    detail = (
                        f"Dropped off {format_clock(watched)} into the scene (a "
                        f"{quit_chance:.0%} chance here for this persona)."
                    )
                    steps.append(
                        PathStep(
                            scene_id,
                            None,
                            PathReason.DROPPED,
                            detail,
                            quit_chance,
                            elapsed,
                        )
                    )
                    return self._path(steps, Outcome.DROPPED, elapsed + watched)
            started = elapsed
            elapsed += duration
            if self.story.scene_by_id[scene_id].kind is SceneKind.ENDING:
                steps.append(_last_step(scene_id, Outcome.ENDED, started))
                return self._path(steps, Outcome.ENDED, elapsed)
            offered = self.offered(scene_id, state)
            if not offered:
                steps.append(_last_step(scene_id, Outcome.STUCK, started))
                return self._path(steps, Outcome.STUCK, elapsed)
            choice, reason = self.pick_with_reason(scene_id, offered)
            share, _ = self.model.share(scene_id, offered, choice)
            steps.append(
                PathStep(
                    scene_id,
                    choice.id,
                    reason,
                    _choice_detail(choice, reason, share),
                    share,
                    started,
                )
            )
            state = _apply(self, choice, state)
            scene_id = choice.target_id
        steps.append(_last_step(scene_id, Outcome.STEP_LIMIT, elapsed))
        return self._path(steps, Outcome.STEP_LIMIT, elapsed)

    def _path(self, steps: list[PathStep], outcome: Outcome, runtime: float):
        return ViewerPath(
            self.persona, self.audience, tuple(steps), outcome, runtime, self.seed
        )


def sample_path(
    story: Story, persona: Persona, seed: int, step_limit: int = DEFAULT_STEP_LIMIT
) -> ViewerPath:
    """Walk one simulated viewer of ``persona``; the same seed gives the same path."""
    return PathSampler(story, persona, seed).sample(step_limit)


def explain_top_path(
    story: Story, persona: Persona, path: TopPath, viewers: int
) -> ViewerPath | None:
    """Give each step of a simulation's top path its likely reason.

    A top path groups many viewers, so a default choice at a timed point was
    taken by some because the timer ran out and by others on purpose. The step
    is marked as timed out when the timer accounts for most of its chance, and
    the detail gives the split. Returns None when the run kept no choice
    sequence for the path, or the sequence no longer fits the story.
    """
    if path.choice_ids is None or story.start is None:
        return None
    walker = NaiveWalker(story, persona, 0)
    model = _ChoiceModel(story, persona)
    choices = {choice.id: choice for choice in story.choices}
    scene_id, state, elapsed = story.start.id, dict(walker.initial), 0.0
    steps: list[PathStep] = []
    for choice_id in path.choice_ids:
        choice = choices.get(choice_id)
        offered = walker.offered(scene_id, state)
        if choice is None or choice.source_id != scene_id or choice not in offered:
            logger.info("Top path no longer fits the story at choice %s", choice_id)
            return None
        share, from_timer = model.share(scene_id, offered, choice)
        if from_timer > share / 2:
            reason = PathReason.TIMED_OUT
            detail = (
                f"Timer ran out, so the default “{choice.label}” was taken "
                f"({from_timer / share:.0%} of the viewers who took it let the timer "
                "run out; the rest chose it)."
            )
        else:
            reason = PathReason.CHOSEN
            detail = _choice_detail(choice, PathReason.CHOSEN, share)
            if from_timer:
                detail += (
                    f" For {from_timer / share:.0%} of the viewers who took it, the "
                    "timer ran out."
                )
        steps.append(PathStep(scene_id, choice.id, reason, detail, share, elapsed))
        elapsed += walker.duration(scene_id)
        state = _apply(walker, choice, state)
        scene_id = choice.target_id
    steps.append(_last_step(scene_id, path.outcome, elapsed))
    # NOTE: a top path keeps no quit time, so for a path that ends in a drop-off
    # this counts the whole last scene and overstates the runtime.
    runtime = elapsed + walker.duration(scene_id)
    return ViewerPath(
        persona,
        walker.audience,
        tuple(steps),
        path.outcome,
        runtime,
        count=path.count,
        viewers=viewers,
    )


def persona_top_paths(
    story: Story, persona: Persona, viewers: int, seed: int
) -> tuple[SimulationResult, list[ViewerPath]]:
    """Simulate ``viewers`` viewers of ``persona`` and explain its top paths."""
    only = dataclasses.replace(story, personas=[persona])
    result = simulate(only, viewers, seed, persona=persona.name, exact=False)
    paths = []
    for top in result.top_paths:
        explained = explain_top_path(story, persona, top, result.viewers)
        if explained is not None:
            paths.append(explained)
    return result, paths


def _last_step(scene_id: int, outcome: Outcome, started: float) -> PathStep:
    detail = {
        Outcome.ENDED: "Reached this ending.",
        Outcome.DROPPED: "Dropped off during this scene.",
        Outcome.STUCK: "Stuck: no choice is on offer here.",
        Outcome.STEP_LIMIT: "Stopped at the step limit, probably in a loop.",
        Outcome.RUNNING: "Still watching.",
    }[outcome]
    reason = {
        Outcome.ENDED: PathReason.ENDED,
        Outcome.DROPPED: PathReason.DROPPED,
        Outcome.STUCK: PathReason.STUCK,
    }.get(outcome, PathReason.STEP_LIMIT)
    return PathStep(scene_id, None, reason, detail, None, started)


def _choice_detail(choice: Choice, reason: PathReason, share: float) -> str:
    if reason is PathReason.TIMED_OUT:
        return f"Timer ran out, so the default “{choice.label}” was taken."
    return f"Chose “{choice.label}” ({share:.0%} chance here for this persona)."


def _apply(walker: NaiveWalker, choice: Choice, state: dict) -> dict:
    for assignment in walker.parsed.effects.get(choice.id, []):
        # A failing assignment is skipped, as the simulation engine does.
        with contextlib.suppress(ExpressionError):
            state = apply_effects([assignment], state)
    return state
