"""Generate large synthetic stories for benchmarks and load tests.

The story is layered: every choice leads one to three layers further down, so it
has no cycle unless ``loops`` adds choices back up. Every scene that is not an
ending keeps at least one unconditional choice, so no viewer gets stuck.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

from author_studio.domain.model import (
    Audience,
    Choice,
    Pacing,
    Persona,
    ProjectInfo,
    Scene,
    SceneKind,
    Variable,
    VariableType,
)
from author_studio.domain.story import Story

logger = logging.getLogger(__name__)

TAGS = ["romance", "action", "mystery", "humour", "danger", "kindness"]
CONDITIONS = [
    "trust >= 2",
    "has_key",
    'ally == "Mara" or courage < 0',
    "trust - courage > 1 and not has_key",
    "courage >= 1",
    'ally != "Ines"',
    "trust * 2 > courage + 3",
]
EFFECTS = [
    "trust += 1",
    "courage -= 1",
    "has_key = true",
    'ally = "Mara"',
    'ally = "Ines"; trust -= 1',
    "courage += 2",
    "trust = trust / 2",
]


def generate_story(
    scene_count: int = 1000,
    *,
    seed: int = 0,
    variables: bool = True,
    loops: bool = False,
    layer_width: int = 40,
) -> Story:
    """Return an in-memory story of ``scene_count`` scenes, ids from 1."""
    rng = random.Random(seed)
    layers = max(2, scene_count // layer_width)
    scenes: list[Scene] = []
    layer_of: list[int] = []
    for index in range(scene_count):
        layer = (
            0
            if index == 0
            else min(
                layers - 1, 1 + (index - 1) * (layers - 1) // max(scene_count - 1, 1)
            )
        )
        kind = SceneKind.START if index == 0 else SceneKind.SCENE
        if index and (layer == layers - 1 or rng.random() < 0.03):
            kind = SceneKind.ENDING
        scenes.append(
            Scene(
                key=f"s{index}",
                title=f"Scene {index}",
                kind=kind,
                duration_s=float(rng.randint(30, 180)),
                pacing=rng.choice(
                    [None, None, Pacing.SLOW, Pacing.MEDIUM, Pacing.FAST]
                ),
                id=index + 1,
            )
        )
        layer_of.append(layer)
    by_layer: dict[int, list[int]] = {}
    for index, layer in enumerate(layer_of):
        by_layer.setdefault(layer, []).append(index)

    choices: list[Choice] = []
    for index, scene in enumerate(scenes):
        if scene.kind is SceneKind.ENDING:
            continue
        layer = layer_of[index]
        count = rng.choice([1, 2, 2, 3, 3, 4])
        timed = rng.random() < 0.2
        for position in range(count):
            next_layer = min(layers - 1, layer + rng.randint(1, 3))
            target = rng.choice(by_layer[next_layer])
            if loops and position > 0 and layer > 2 and rng.random() < 0.15:
                target = rng.choice(by_layer[rng.randint(1, layer - 1)])
            conditional = variables and position > 0 and rng.random() < 0.35
            choices.append(
                Choice(
                    source_id=scene.id,
                    target_id=target + 1,
                    label=f"Option {position + 1}",
                    condition=rng.choice(CONDITIONS) if conditional else "",
                    effects=rng.choice(EFFECTS)
                    if variables and rng.random() < 0.4
                    else "",
                    window_s=8.0 if timed else None,
                    is_default=timed and position == 0,
                    tags=rng.sample(TAGS, rng.randint(0, 2)),
                    position=position + 1,
                    id=len(choices) + 1,
                )
            )
    declared = []
    if variables:
        declared = [
            Variable("trust", VariableType.INT, 0, id=1),
            Variable("courage", VariableType.INT, 0, id=2),
            Variable("has_key", VariableType.BOOL, False, id=3),
            Variable("ally", VariableType.TEXT, "", id=4),
        ]
    audiences = [
        Audience("Thrill seekers", pacing=Pacing.FAST, id=1),
        Audience("Slow burners", pacing=Pacing.SLOW, id=2),
    ]
    personas = [
        Persona("Action fan", 1, {"action": 1.5, "danger": 1.0}, 0.15, 0.02, 2.0, id=1),
        Persona(
            "Romantic", 2, {"romance": 2.0, "kindness": 0.5}, 0.05, 0.015, 1.5, id=2
        ),
        Persona("Sleuth", 2, {"mystery": 1.8, "humour": -0.5}, 0.1, 0.01, 2.5, id=3),
        Persona("Channel hopper", 1, {}, 0.4, 0.05, 3.0, id=4),
    ]
    return Story(
        info=ProjectInfo(
            f"Generated story ({scene_count} scenes)",
            "GENERATED",
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
        scenes=scenes,
        choices=choices,
        variables=declared,
        audiences=audiences,
        personas=personas,
    )
