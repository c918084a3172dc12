"""A headless play engine: runs a story the way a viewer would see it.

The engine keeps the current scene and the story state. It shows the text the
viewer would get (the approved variant for the chosen audience, or the base script),
offers the choices whose conditions hold, and applies a choice's effects when it is
taken. Every move is recorded with how it was taken, so that the path can be undone
step by step and saved as a journey.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from author_studio.domain import expressions
from author_studio.domain.errors import DomainError, NotFoundError, ValidationError
from author_studio.domain.journey import StepHow
from author_studio.domain.model import (
    Audience,
    Choice,
    Scene,
    SceneKind,
    VariableType,
    VariableValue,
    Variant,
)
from author_studio.domain.story import Story
from author_studio.domain.validation import coerce_value

logger = logging.getLogger(__name__)

State = dict[str, VariableValue]

_TYPE_WORDS = {
    VariableType.BOOL: "a true/false",
    VariableType.INT: "a whole-number",
    VariableType.TEXT: "a text",
}


class PlayError(DomainError):
    """A move that the current state of a run does not allow."""


class RunStatus(enum.StrEnum):
    PLAYING = "playing"
    # The current scene is an ending.
    ENDED = "ended"
    # The current scene is not an ending but offers no choice: a dead end.
    STUCK = "stuck"


@dataclass(frozen=True)
class SceneText:
    """The text shown to one audience for one scene."""

    scene: Scene
    text: str
    duration_s: float
    audience: Audience | None
    variant: Variant | None

    @property
    def is_base(self) -> bool:
        return self.variant is None

    @property
    def source_label(self) -> str:
        """Say where the text comes from, as the play views print it."""
        if self.audience is None:
            return "Base script"
        if self.variant is None:
            return f"Base script (no approved variant for {self.audience.name})"
        return f"Variant for {self.audience.name} (variant {self.variant.id})"


@dataclass(frozen=True)
class OfferedChoice:
    """One outgoing choice of the current scene, on offer or not."""

    choice: Choice
    target: Scene
    # 1-based number among the choices on offer; None when the choice is not on offer.
    number: int | None
    # Why the choice is not on offer, or None when it is.
    blocked: str | None = None

    @property
    def on_offer(self) -> bool:
        return self.blocked is None


@dataclass(frozen=True)
class Offer:
    """The choices of the current scene evaluated against the current state."""

    choices: tuple[OfferedChoice, ...]

    @property
    def on_offer(self) -> list[OfferedChoice]:
        return [c for c in self.choices if c.on_offer]

    @property
    def default(self) -> OfferedChoice | None:
        """The default choice, when it is on offer."""
        return next((c for c in self.on_offer if c.choice.is_default), None)

    @property
    def window_s(self) -> float | None:
        """Seconds the viewer has before the default is taken, or None for a choice
        point that waits.

        The window is the default choice's own; when only its siblings carry a
        window, the longest of theirs applies. With no default on offer there is
        nothing to take, so the point waits.
        """
        default = self.default
        if default is None:
            return None
        if default.choice.window_s is not None:
            return default.choice.window_s
        windows = [c.choice.window_s for c in self.on_offer if c.choice.window_s]
        return max(windows) if windows else None

    def by_number(self, number: int) -> OfferedChoice | None:
        return next((c for c in self.on_offer if c.number == number), None)

    def by_choice_id(self, choice_id: int) -> OfferedChoice | None:
        return next((c for c in self.choices if c.choice.id == choice_id), None)

    def describe(self) -> str:
        """List the choices on offer as ``1) label, 2) label``, for messages."""
        if not self.on_offer:
            return "no choice is on offer"
        return ", ".join(f"{c.number}) {c.choice.label}" for c in self.on_offer)


@dataclass(frozen=True)
class VariableEdit:
    """A variable set by hand while the run stood in one scene."""

    scene_id: int
    name: str
    old: VariableValue
    new: VariableValue


@dataclass(frozen=True)
class PlayStep:
    """One move from a scene to the next, and how it was taken."""

    source: Scene
    choice: Choice
    target: Scene
    how: StepHow
    # The state when the choice was taken, after any edits made in ``source``.
    state_before: Mapping[str, VariableValue]
    state_after: Mapping[str, VariableValue]
    # Edits made by hand in ``source`` before the choice, in order.
    edits: tuple[VariableEdit, ...] = ()


@dataclass
class _Position:
    scene: Scene
    state: State
    edits: list[VariableEdit] = field(default_factory=list)


def scene_text(story: Story, scene: Scene, audience: Audience | None) -> SceneText:
    """Return the text of ``scene`` for ``audience``: its approved variant, or
    the base script when there is no variant or no audience."""
    variant = (
        story.approved_variant(scene.id, audience.id) if audience is not None else None
    )
    if variant is None:
        return SceneText(scene, scene.script, scene.duration_s, audience, None)
    return SceneText(scene, variant.script, variant.duration_s, audience, variant)


def resolve_audience(
    story: Story, audience: Audience | int | str | None
) -> Audience | None:
    """Find an audience by record, id or name; None means the base script."""
    if audience is None or isinstance(audience, Audience):
        return audience
    found = (
        story.audience_by_id.get(audience)
        if isinstance(audience, int)
        else story.audience_by_name.get(audience)
    )
    if found is None:
        names = ", ".join(a.name for a in story.audiences) or "none"
        raise NotFoundError(
            f"Unknown audience {audience!r}; the project's audiences are: {names}."
        )
    return found


def resolve_scene(story: Story, scene: Scene | int | str | None) -> Scene:
    """Find a scene by record, id or key; None means the start scene."""
    if scene is None:
        if story.start is None:
            raise NotFoundError(
                "The story has no start scene; mark one scene as the start."
            )
        return story.start
    if isinstance(scene, Scene):
        scene = scene.id
    found = (
        story.scene_by_id.get(scene)
        if isinstance(scene, int)
        else story.scene_by_key.get(scene)
    )
    if found is None:
        raise NotFoundError(
            f"No scene with {'id' if isinstance(scene, int) else 'key'} {scene!r}."
        )
    return found


def initial_state(
    story: Story, overrides: Mapping[str, VariableValue] | None = None
) -> State:
    """Return every story variable at its initial value, with ``overrides`` applied.

    Raises ValidationError naming the variable when an override names no variable or
    has the wrong type.
    """
    state: State = {v.name: v.initial for v in story.variables}
    for name, value in (overrides or {}).items():
        state[name] = coerce_variable(story, name, value)
    return state


def coerce_variable(story: Story, name: str, value: VariableValue) -> VariableValue:
    variable = next((v for v in story.variables if v.name == name), None)
    if variable is None:
        names = ", ".join(sorted(v.name for v in story.variables)) or "none"
        raise ValidationError(
            f"The story has no variable {name!r}; its variables are: {names}.",
            field=name,
        )
    try:
        return coerce_value(variable.type, value, name)
    except ValidationError as error:
        raise ValidationError(
            f"{name} is {_TYPE_WORDS[variable.type]} variable, and {error}", field=name
        ) from error


class PlayEngine:
    """One run through a story for one audience (or the base script)."""

    def __init__(
        self,
        story: Story,
        audience: Audience | int | str | None = None,
        start_scene: Scene | int | str | None = None,
        start_state: Mapping[str, VariableValue] | None = None,
    ) -> None:
        self.story = story
        self.audience = resolve_audience(story, audience)
        self.start_scene = resolve_scene(story, start_scene)
        self.start_overrides: State = dict(start_state or {})
        self._start_state = initial_state(story, self.start_overrides)
        self._condition_cache: dict[str, expressions.Expr | ExpressionProblem] = {}
        self._steps: list[PlayStep] = []
        self._here = _Position(self.start_scene, dict(self._start_state))
        self._offer: Offer | None = None
        logger.debug(
            "Play starts at %s for %s",
            self.start_scene.key,
            self.audience.name if self.audience else "the base script",
        )

    # What the viewer sees now.

    @property
    def scene(self) -> Scene:
        return self._here.scene

    @property
    def state(self) -> State:
        """A copy of the current story state."""
        return dict(self._here.state)

    @property
    def start_state(self) -> State:
        return dict(self._start_state)

    @property
    def steps(self) -> tuple[PlayStep, ...]:
        return tuple(self._steps)

    @property
    def pending_edits(self) -> tuple[VariableEdit, ...]:
        """Variables set by hand in the current scene since the run arrived here."""
        return tuple(self._here.edits)

    @property
    def path(self) -> list[Scene]:
        """The scenes of the run so far, the current one last."""
        return [step.source for step in self._steps] + [self.scene]

    @property
    def elapsed_s(self) -> float:
        """Runtime of the scenes already watched, in seconds (the current one
        excluded)."""
        return sum(self.text_for(step.source).duration_s for step in self._steps)

    @property
    def status(self) -> RunStatus:
        if self.scene.kind is SceneKind.ENDING:
            return RunStatus.ENDED
        if not self.offer().on_offer:
            return RunStatus.STUCK
        return RunStatus.PLAYING

    @property
    def finished(self) -> bool:
        return self.status != RunStatus.PLAYING

    def text(self) -> SceneText:
        return self.text_for(self.scene)

    def text_for(self, scene: Scene) -> SceneText:
        return scene_text(self.story, scene, self.audience)

    def offer(self) -> Offer:
        """Return the current scene's choices, evaluated against the current state.

        An ending offers nothing, even if choices leave it.
        """
        if self._offer is None:
            self._offer = self.offer_at(self.scene, self._here.state)
        return self._offer

    # Moves.

    def choose(self, choice_id: int, how: StepHow = StepHow.CHOSEN) -> PlayStep:
        """Take the choice ``choice_id`` of the current scene and apply its effects.

        Raises PlayError when the run has ended, the choice is not on offer, or its
        effects cannot be applied. The run then stays where it was.
        """
        if self.scene.kind is SceneKind.ENDING:
            raise PlayError(
                f"The run has reached the ending {self.scene.title!r}; go back or "
                "restart to choose again."
            )
        offered = self.offer().by_choice_id(choice_id)
        if offered is None:
            raise PlayError(
                f"Choice {choice_id} does not leave {self.scene.title!r}; on offer: "
                f"{self.offer().describe()}."
            )
        if not offered.on_offer:
            raise PlayError(
                f"{offered.choice.label!r} is not on offer in {self.scene.title!r}: "
                f"{offered.blocked}."
            )
        after = self._apply_effects(offered.choice)
        step = PlayStep(
            source=self.scene,
            choice=offered.choice,
            target=offered.target,
            how=how,
            state_before=dict(self._here.state),
            state_after=dict(after),
            edits=tuple(self._here.edits),
        )
        self._steps.append(step)
        self._here = _Position(offered.target, after)
        self._offer = None
        logger.debug("Play %s: %s → %s", how.value, step.source.key, step.target.key)
        return step

    def choose_number(self, number: int) -> PlayStep:
        """Take the choice shown as ``number`` (1-based) among those on offer."""
        offered = self.offer().by_number(number)
        if offered is None:
            raise PlayError(
                f"There is no choice {number} on offer in {self.scene.title!r}; on "
                f"offer: {self.offer().describe()}."
            )
        return self.choose(offered.choice.id)

    def time_out(self) -> PlayStep:
        """Let the choice window run out: take the default choice on offer."""
        default = self.offer().default
        if default is None:
            raise PlayError(
                f"{self.scene.title!r} has no default choice on offer, so the window "
                "cannot run out; pick a choice or mark one as the default."
            )
        return self.choose(default.choice.id, StepHow.TIMED_OUT)

    def back(self) -> PlayStep | None:
        """Undo the last move: return to its scene with the state as it was when
        the choice was taken. Returns the undone step, or None at the start."""
        if not self._steps:
            return None
        step = self._steps.pop()
        self._here = _Position(step.source, dict(step.state_before), list(step.edits))
        self._offer = None
        return step

    def restart(self) -> None:
        """Go back to the start scene and the start state."""
        self._steps.clear()
        self._here = _Position(self.start_scene, dict(self._start_state))
        self._offer = None

    def set_variable(self, name: str, value: VariableValue) -> VariableEdit:
        """Set one story variable by hand; the offer is recomputed.

        Before the first choice the value becomes a start value, so that restart
        keeps it. Raises ValidationError when the story has no such variable or the
        value has the wrong type.
        """
        value = coerce_variable(self.story, name, value)
        edit = VariableEdit(self.scene.id, name, self._here.state.get(name), value)
        self._here.state[name] = value
        if self._steps:
            self._here.edits.append(edit)
        else:
            self.start_overrides[name] = value
            self._start_state[name] = value
        self._offer = None
        return edit

    def reset_start_values(self) -> None:
        """Drop the start values set by hand and restart from the initial values."""
        self.start_overrides.clear()
        self._start_state = initial_state(self.story)
        self.restart()

    def rebind(self, story: Story) -> bool:
        """Continue the run on a newer snapshot of the same project.

        The current scene and state are kept when the scene still exists and the
        audience is still there, and the recorded steps keep their old records.
        Returns False when the run had to restart from the new start scene.
        """
        self.story = story
        self._condition_cache.clear()
        self._offer = None
        if self.audience is not None:
            self.audience = story.audience_by_id.get(self.audience.id)
        scene = story.scene_by_id.get(self.scene.id)
        start = story.scene_by_id.get(self.start_scene.id) or story.start
        if scene is None or start is None:
            if start is None:
                raise NotFoundError(
                    "The story has no start scene; mark one scene as the start."
                )
            self.start_scene = start
            self._start_state = self._rebuild_start_state()
            self.restart()
            return False
        self.start_scene = start
        self._here.scene = scene
        return True

    def offer_at(self, scene: Scene, state: Mapping[str, VariableValue]) -> Offer:
        """Evaluate the choices of ``scene`` against ``state``, as the offer would
        be if the run stood there."""
        if scene.kind is SceneKind.ENDING:
            return Offer(())
        evaluated: list[OfferedChoice] = []
        number = 0
        for choice in self.story.choices_from(scene.id):
            target = self.story.scene_by_id.get(choice.target_id)
            if target is None:
                continue
            blocked = self._why_blocked(choice, state)
            if blocked is None:
                number += 1
                evaluated.append(OfferedChoice(choice, target, number))
            else:
                evaluated.append(OfferedChoice(choice, target, None, blocked))
        return Offer(tuple(evaluated))

    def history(self) -> list[Stop]:
        """Return every scene of the run with the offer it had and the step taken
        from it. The last stop is the current scene, which has no step."""
        stops = [
            Stop(
                step.source,
                self.text_for(step.source),
                self.offer_at(step.source, step.state_before),
                step,
            )
            for step in self._steps
        ]
        stops.append(Stop(self.scene, self.text(), self.offer(), None))
        return stops

    # Internals.

    def _rebuild_start_state(self) -> State:
        overrides = {
            name: value
            for name, value in self.start_overrides.items()
            if any(v.name == name for v in self.story.variables)
        }
        self.start_overrides = overrides
        return initial_state(self.story, overrides)

    def _why_blocked(
        self, choice: Choice, state: Mapping[str, VariableValue]
    ) -> str | None:
        text = choice.condition.strip()
        if not text:
            return None
        parsed = self._parse_condition(text)
        if isinstance(parsed, ExpressionProblem):
            return f"its condition `{text}` is invalid: {parsed.message}"
        try:
            value = expressions.evaluate(parsed, state)
        except expressions.ExpressionError as error:
            return f"its condition `{text}` cannot be evaluated: {error}"
        if not isinstance(value, bool):
            return f"its condition `{text}` gives {value!r}, not true or false"
        if not value:
            values = _names_and_values(parsed, state)
            return f"its condition `{text}` is false when {values}"
        return None

    def _parse_condition(self, text: str) -> expressions.Expr | ExpressionProblem:
        if text not in self._condition_cache:
            try:
                self._condition_cache[text] = expressions.parse_condition(text)
            except expressions.ExpressionError as error:
                self._condition_cache[text] = ExpressionProblem(str(error))
        return self._condition_cache[text]

    def _apply_effects(self, choice: Choice) -> State:
        text = choice.effects.strip()
        if not text:
            return dict(self._here.state)
        try:
            assignments = expressions.parse_effects(text)
            return dict(expressions.apply_effects(assignments, self._here.state))
        except expressions.ExpressionError as error:
            raise PlayError(
                f"The effects `{text}` of {choice.label!r} cannot be applied: {error}. "
                "Fix them in the choice's properties."
            ) from error


@dataclass(frozen=True)
class ExpressionProblem:
    """A condition that does not parse, cached so that it is parsed only once."""

    message: str


@dataclass(frozen=True)
class Stop:
    """One scene of a run as the viewer met it: its text, the offer, the step."""

    scene: Scene
    text: SceneText
    offer: Offer
    step: PlayStep | None


def _names_and_values(
    parsed: expressions.Expr, state: Mapping[str, VariableValue]
) -> str:
    names = sorted(expressions.names_read(parsed))
    shown = [f"{name} = {format_value(state[name])}" for name in names if name in state]
    return ", ".join(shown) if shown else "no variable is set"


def format_value(value: VariableValue) -> str:
    """Write a value as a literal of the story-state language."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return str(value)


def format_clock(seconds: float) -> str:
    """Write a duration as minutes and seconds, ``m:ss``."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
