"""Save a played run as a journey, and replay a journey against the current story."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from author_studio.domain.errors import DomainError
from author_studio.domain.journey import (
    Journey,
    JourneyChoice,
    JourneyEdit,
    JourneyStep,
    StepHow,
    UnreadableStep,
)
from author_studio.domain.model import Choice, SceneKind
from author_studio.domain.story import Story
from author_studio.preview.engine import PlayEngine

logger = logging.getLogger(__name__)


def journey_from_run(engine: PlayEngine, name: str) -> Journey:
    """Describe the run of ``engine`` as a journey named ``name``, not yet stored.

    Variables set by hand along the way become edit steps, so a replay reaches the
    same state. Edits made in the current scene after the last choice are kept too.
    """
    steps: list[JourneyStep] = []
    for step in engine.steps:
        steps.extend(_edit_steps(engine, step.source.key, step.edits))
        steps.append(
            JourneyChoice(
                choice_id=step.choice.id,
                source_key=step.source.key,
                label=step.choice.label,
                target_key=step.target.key,
                how=step.how,
            )
        )
    steps.extend(_edit_steps(engine, engine.scene.key, engine.pending_edits))
    return Journey(
        name=name,
        start_scene_id=engine.start_scene.id,
        audience_id=engine.audience.id if engine.audience else None,
        start_state=dict(engine.start_overrides),
        steps=steps,
        start_scene_key=engine.start_scene.key,
        audience_name=engine.audience.name if engine.audience else "",
    )


def _edit_steps(engine: PlayEngine, scene_key: str, edits) -> list[JourneyEdit]:
    return [JourneyEdit(scene_key, edit.name, edit.new) for edit in edits]


@dataclass(frozen=True)
class JourneyBreak:
    """The step at which a replay stopped, and the reason."""

    # 1-based position in the journey's steps; 0 when the journey cannot start.
    step_number: int
    step: JourneyStep | None
    reason: str

    def describe(self) -> str:
        if self.step_number == 0:
            return f"The journey cannot start: {self.reason}"
        return f"Step {self.step_number} ({self.step.describe()}) breaks: {self.reason}"


@dataclass(frozen=True)
class ReplayResult:
    """A replay: the engine where it stopped, and the break if it did not finish.

    ``engine`` is None only when the journey could not even start.
    """

    journey: Journey
    engine: PlayEngine | None
    steps_replayed: int
    broken: JourneyBreak | None
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.broken is None


def replay_journey(story: Story, journey: Journey) -> ReplayResult:
    """Play ``journey`` again on ``story`` as it is now.

    The replay takes each stored choice by id and checks that it still leaves the
    scene the run is in, still leads where it led, and is on offer in the current
    state. A step that timed out must find the same choice as the default. The
    first step that does not fit stops the replay with the reason.
    """
    notes: list[str] = []
    engine, problem = _start_engine(story, journey, notes)
    if engine is None:
        broken = JourneyBreak(0, None, problem)
        logger.info("Journey %r cannot start: %s", journey.name, problem)
        return ReplayResult(journey, None, 0, broken, tuple(notes))

    choices = {choice.id: choice for choice in story.choices}
    for number, step in enumerate(journey.steps, start=1):
        reason = _apply_step(engine, step, choices)
        if reason is not None:
            broken = JourneyBreak(number, step, reason)
            logger.info("Journey %r stops: %s", journey.name, broken.describe())
            return ReplayResult(journey, engine, number - 1, broken, tuple(notes))
    return ReplayResult(journey, engine, len(journey.steps), None, tuple(notes))


def _start_engine(
    story: Story, journey: Journey, notes: list[str]
) -> tuple[PlayEngine | None, str]:
    audience = None
    if journey.audience_id is not None:
        audience = story.audience_by_id.get(journey.audience_id)
        if audience is None:
            return None, f"its audience (id {journey.audience_id}) was deleted."
    elif journey.audience_name:
        return None, f"its audience {journey.audience_name!r} was deleted."

    start = story.scene_by_id.get(journey.start_scene_id or -1)
    if start is None:
        key = journey.start_scene_key or "unknown"
        return None, f"its start scene {key!r} was deleted."

    known = {variable.name for variable in story.variables}
    overrides = {}
    for name, value in journey.start_state.items():
        if name not in known:
            notes.append(
                f"The start value {name} = {value!r} was dropped: the story has no "
                "such variable any more."
            )
            continue
        overrides[name] = value
    try:
        engine = PlayEngine(story, audience, start, overrides)
    except DomainError as error:
        return None, f"its start values do not fit the story: {error}"
    return engine, ""


def _apply_step(
    engine: PlayEngine, step: JourneyStep, choices: dict[int, Choice]
) -> str | None:
    """Apply one step; return why it does not fit, or None."""
    if isinstance(step, UnreadableStep):
        return f"the stored step cannot be read ({step.problem})."
    if isinstance(step, JourneyEdit):
        return _apply_edit(engine, step)
    return _apply_choice(engine, step, choices.get(step.choice_id))


def _apply_edit(engine: PlayEngine, step: JourneyEdit) -> str | None:
    if engine.scene.key != step.scene_key:
        return (
            f"the value was set in {step.scene_key!r}, but the run is in "
            f"{engine.scene.key!r}."
        )
    try:
        engine.set_variable(step.name, step.value)
    except DomainError as error:
        return str(error)
    return None


def _apply_choice(
    engine: PlayEngine, step: JourneyChoice, choice: Choice | None
) -> str | None:
    story = engine.story
    here = engine.scene
    if here.kind is SceneKind.ENDING:
        return f"the run already reached the ending {here.title!r}."

    if choice is None:
        return (
            f"the choice {step.label!r} from {step.source_key!r} to "
            f"{step.target_key!r} was removed; on offer in {here.title!r}: "
            f"{engine.offer().describe()}."
        )
    if choice.source_id != here.id:
        source = story.scene_by_id.get(choice.source_id)
        return (
            f"the choice {choice.label!r} now leaves {source.key!r}, not the scene "
            f"the run is in ({here.key!r})."
        )
    target = story.scene_by_id.get(choice.target_id)
    if target is not None and target.key != step.target_key:
        return (
            f"the choice {choice.label!r} now leads to {target.key!r} instead of "
            f"{step.target_key!r}."
        )

    offered = engine.offer().by_choice_id(choice.id)
    if offered is None or not offered.on_offer:
        why = offered.blocked if offered else "it is not offered"
        return f"the choice {choice.label!r} is not on offer any more: {why}."
    if step.how is StepHow.TIMED_OUT:
        default = engine.offer().default
        if default is None or default.choice.id != choice.id:
            now = repr(default.choice.label) if default else "no choice"
            return (
                f"the window ran out here and took {step.label!r}, but the default "
                f"on offer is now {now}."
            )

    try:
        engine.choose(choice.id, step.how)
    except DomainError as error:
        return str(error)
    return None
