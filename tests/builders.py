"""Build small in-memory stories for analysis and simulation tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from author_studio.domain.model import (
    Audience,
    CanonFact,
    Choice,
    Persona,
    ProjectInfo,
    Scene,
    SceneKind,
    Variable,
    Variant,
)
from author_studio.domain.story import Story


def make_story(
    scenes: list[str | tuple[str, dict[str, Any]]],
    choices: list[tuple[str, str] | tuple[str, str, dict[str, Any]]],
    *,
    variables: list[Variable] = (),
    audiences: list[Audience] = (),
    personas: list[Persona] = (),
    canon: list[CanonFact] = (),
    variants: list[Variant] = (),
) -> Story:
    """Make a story from scene keys and (source key, target key, fields) choices.

    The first scene is the start; keys beginning with ``end`` are endings. Ids are
    assigned in order from 1.
    """
    built: list[Scene] = []
    for index, spec in enumerate(scenes):
        key, fields = (spec, {}) if isinstance(spec, str) else spec
        kind = SceneKind.START if index == 0 else SceneKind.SCENE
        if key.startswith("end"):
            kind = SceneKind.ENDING
        fields = {"kind": kind, **fields}
        built.append(
            Scene(key=key, title=key.replace("_", " ").title(), id=index + 1, **fields)
        )
    ids = {scene.key: scene.id for scene in built}
    made: list[Choice] = []
    for index, spec in enumerate(choices):
        source, target, fields = (*spec, {}) if len(spec) == 2 else spec
        fields = dict(fields)
        made.append(
            Choice(
                ids[source],
                ids[target],
                fields.pop("label", f"{source} to {target}"),
                id=index + 1,
                position=index + 1,
                **fields,
            )
        )
    for index, variable in enumerate(variables):
        variable.id = index + 1
    for index, audience in enumerate(audiences):
        audience.id = audience.id or index + 1
    for index, persona in enumerate(personas):
        persona.id = persona.id or index + 1
    for index, variant in enumerate(variants):
        variant.id = variant.id or index + 1
    for index, fact in enumerate(canon):
        fact.id = fact.id or index + 1
    return Story(
        info=ProjectInfo("Test story", "IFID", datetime(2026, 1, 1, tzinfo=UTC)),
        scenes=built,
        choices=made,
        variables=list(variables),
        audiences=list(audiences),
        personas=list(personas),
        canon=list(canon),
        variants=list(variants),
    )
