"""Checks of single records that need no other record to decide.

Rules that compare records (a duplicate scene key, a choice to a missing scene, a
second approved variant) live in the services, which can see the whole project.
Each check raises :class:`ValidationError` naming the field and the fix.
"""

from __future__ import annotations

import math
import re

from author_studio.domain.errors import ValidationError
from author_studio.domain.expressions import KEYWORDS
from author_studio.domain.model import (
    Audience,
    CanonFact,
    Choice,
    Persona,
    Scene,
    Variable,
    VariableType,
    VariableValue,
    Variant,
)

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
VARIABLE_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DURATION_S = 24 * 3600


def make_scene_key(title: str) -> str:
    """Return a key derived from a title: lower case, words joined by underscores."""
    words = re.findall(r"[A-Za-z0-9]+", title.lower())
    return "_".join(words)[:60] or "scene"


def validate_duration(value: float, field: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValidationError(f"{field} must be a number of seconds.", field=field)
    if math.isnan(value) or math.isinf(value):
        raise ValidationError(
            f"{field} must be a finite number of seconds.", field=field
        )
    if value < 0:
        raise ValidationError(
            f"{field} is {value:g} seconds; a duration cannot be negative.", field=field
        )
    if value > MAX_DURATION_S:
        raise ValidationError(
            f"{field} is {value:g} seconds; the maximum is {MAX_DURATION_S} "
            "(24 hours).",
            field=field,
        )


def validate_scene(scene: Scene) -> None:
    if not scene.title.strip():
        raise ValidationError("The scene title is empty; type a title.", field="title")
    if not KEY_PATTERN.match(scene.key):
        raise ValidationError(
            f"The scene key {scene.key!r} is invalid; use letters, digits, '_', '-' "
            "or '.', with no spaces.",
            field="key",
        )
    validate_duration(scene.duration_s, "duration_s")
    for tag in scene.tags:
        validate_tag(tag)


def validate_tag(tag: str) -> None:
    if not tag or any(ch.isspace() for ch in tag):
        raise ValidationError(
            f"The tag {tag!r} is invalid; a tag is one word with no spaces.",
            field="tags",
        )


def validate_choice(choice: Choice) -> None:
    if not choice.label.strip():
        raise ValidationError(
            "The choice label is empty; type the text the viewer sees.", field="label"
        )
    if choice.window_s is not None:
        validate_duration(choice.window_s, "window_s")
        if choice.window_s == 0:
            raise ValidationError(
                "The choice window is 0 seconds; leave it empty for an untimed choice.",
                field="window_s",
            )
    for tag in choice.tags:
        validate_tag(tag)


def coerce_value(
    type_: VariableType, value: VariableValue, field: str
) -> VariableValue:
    """Return ``value`` as the Python type of ``type_``, or raise if it does not fit."""
    if type_ is VariableType.BOOL:
        if isinstance(value, bool):
            return value
        raise ValidationError(f"{value!r} is not true or false.", field=field)
    if type_ is VariableType.INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValidationError(f"{value!r} is not a whole number.", field=field)
    if isinstance(value, str):
        return value
    raise ValidationError(f"{value!r} is not text.", field=field)


def validate_variable(variable: Variable) -> None:
    if not VARIABLE_NAME_PATTERN.match(variable.name):
        raise ValidationError(
            f"The variable name {variable.name!r} is invalid; start with a letter or "
            "'_' and use letters, digits and '_'.",
            field="name",
        )
    if variable.name in KEYWORDS:
        raise ValidationError(
            f"{variable.name!r} is a keyword of conditions and effects; choose "
            "another variable name.",
            field="name",
        )
    variable.initial = coerce_value(variable.type, variable.initial, "initial")


def validate_audience(audience: Audience) -> None:
    if not audience.name.strip():
        raise ValidationError("The audience name is empty; type a name.", field="name")
    if not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", audience.language):
        raise ValidationError(
            f"The language {audience.language!r} is not a language tag; use one such "
            "as 'en' or 'pt-BR'.",
            field="language",
        )


def validate_persona(persona: Persona) -> None:
    if not persona.name.strip():
        raise ValidationError("The persona name is empty; type a name.", field="name")
    if not 0.0 <= persona.timeout_rate <= 1.0:
        raise ValidationError(
            f"The timeout rate is {persona.timeout_rate:g}; use a share from 0 to 1.",
            field="timeout_rate",
        )
    if persona.dropoff_per_minute < 0 or persona.dropoff_per_minute > 1:
        raise ValidationError(
            f"The drop-off hazard is {persona.dropoff_per_minute:g} per minute; use a "
            "share from 0 to 1.",
            field="dropoff_per_minute",
        )
    if persona.mismatch_factor < 1:
        raise ValidationError(
            f"The pacing mismatch factor is {persona.mismatch_factor:g}; use 1 (no "
            "effect) or more.",
            field="mismatch_factor",
        )
    for tag, weight in persona.tag_weights.items():
        validate_tag(tag)
        if math.isnan(weight) or math.isinf(weight):
            raise ValidationError(
                f"The weight of tag {tag!r} is not a finite number.",
                field="tag_weights",
            )


def validate_variant(variant: Variant) -> None:
    if not variant.script.strip():
        raise ValidationError(
            "The variant script is empty; write the scene text for this audience.",
            field="script",
        )
    validate_duration(variant.duration_s, "duration_s")


def validate_canon_fact(fact: CanonFact) -> None:
    if not fact.term.strip():
        raise ValidationError(
            "The canon term is empty; type the name or phrase that must stay.",
            field="term",
        )
