"""Journeys: played paths through a story, saved under a name and replayed later.

A journey stores each choice by id and also by what the writer saw (the source
scene key, the label and the target key), so that a replay against an edited graph
can report which step no longer fits and why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from author_studio.domain.model import VariableValue


class StepHow(enum.StrEnum):
    """The way the viewer left a scene: a choice, or the window running out."""

    CHOSEN = "chosen"
    # The choice window ran out and the default choice was taken.
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class JourneyChoice:
    """One choice taken, with what the viewer saw when taking it."""

    choice_id: int
    source_key: str
    label: str
    target_key: str
    how: StepHow = StepHow.CHOSEN

    def describe(self) -> str:
        how = " (timed out, default taken)" if self.how is StepHow.TIMED_OUT else ""
        return f"{self.source_key} → {self.label!r} → {self.target_key}{how}"


@dataclass(frozen=True)
class JourneyEdit:
    """A story variable set by hand in one scene, before the next choice."""

    scene_key: str
    name: str
    value: VariableValue

    def describe(self) -> str:
        return f"{self.scene_key}: set {self.name} = {self.value!r}"


@dataclass(frozen=True)
class UnreadableStep:
    """A stored step that cannot be read back; a replay stops at it."""

    raw: Any
    problem: str

    def describe(self) -> str:
        return f"unreadable step ({self.problem})"


JourneyStep = JourneyChoice | JourneyEdit | UnreadableStep


@dataclass
class Journey:
    """A named played path.

    ``audience_id`` of ``None`` means the base script. ``start_scene_key`` and
    ``audience_name`` repeat what the ids named when the journey was saved, so that
    a replay can name a start scene or an audience that was deleted since.
    """

    name: str
    start_scene_id: int | None
    audience_id: int | None = None
    start_state: dict[str, VariableValue] = field(default_factory=dict)
    steps: list[JourneyStep] = field(default_factory=list)
    start_scene_key: str = ""
    audience_name: str = ""
    created_at: datetime | None = None
    id: int | None = None

    @property
    def choice_count(self) -> int:
        return sum(isinstance(step, JourneyChoice) for step in self.steps)


def step_to_json(step: JourneyStep) -> dict[str, Any]:
    if isinstance(step, JourneyChoice):
        return {
            "kind": "choice",
            "choice_id": step.choice_id,
            "source_key": step.source_key,
            "label": step.label,
            "target_key": step.target_key,
            "how": step.how.value,
        }
    if isinstance(step, JourneyEdit):
        return {
            "kind": "set",
            "scene_key": step.scene_key,
            "name": step.name,
            "value": step.value,
        }
    if isinstance(step.raw, dict):
        return step.raw
    return {"kind": "unreadable", "raw": step.raw}


def step_from_json(raw: Any) -> JourneyStep:
    """Read one stored step; anything malformed becomes an :class:`UnreadableStep`."""
    if not isinstance(raw, dict):
        return UnreadableStep(raw, f"expected an object, found {type(raw).__name__}")
    kind = raw.get("kind")
    try:
        if kind == "choice":
            return JourneyChoice(
                choice_id=_typed(raw, "choice_id", int),
                source_key=_typed(raw, "source_key", str),
                label=_typed(raw, "label", str),
                target_key=_typed(raw, "target_key", str),
                how=StepHow(raw.get("how", StepHow.CHOSEN.value)),
            )
        if kind == "set":
            value = raw.get("value")
            if not isinstance(value, bool | int | str):
                raise ValueError(f"the value {value!r} is not true/false, int or text")
            return JourneyEdit(
                scene_key=_typed(raw, "scene_key", str),
                name=_typed(raw, "name", str),
                value=value,
            )
    except ValueError as error:
        return UnreadableStep(raw, str(error))
    return UnreadableStep(raw, f"unknown step kind {kind!r}")


def _typed(raw: dict[str, Any], key: str, type_: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, type_) or (type_ is int and isinstance(value, bool)):
        raise ValueError(f"{key!r} is missing or not {type_.__name__}")
    return value
