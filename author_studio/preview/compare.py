"""Compare where the viewers of two audiences go, scene by scene."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from author_studio.domain.model import Audience, Persona
from author_studio.domain.story import Story
from author_studio.simulate import simulate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneDifference:
    scene_id: int
    key: str
    title: str
    share_a: float
    share_b: float

    @property
    def difference(self) -> float:
        """``share_a - share_b``: positive where audience A goes more often."""
        return self.share_a - self.share_b


@dataclass(frozen=True)
class AudienceComparison:
    """Visit shares per scene id for two audiences, and the scenes by how much
    they differ, largest first."""

    audience_a: Audience
    audience_b: Audience
    shares_a: dict[int, float]
    shares_b: dict[int, float]
    scenes: tuple[SceneDifference, ...]
    viewers: int
    seed: int
    # Audiences without personas were walked by one neutral persona.
    neutral: tuple[str, ...] = ()


def audience_personas(story: Story, audience: Audience) -> tuple[list[Persona], bool]:
    """Return the audience's personas, or one neutral persona when it has none
    (then the second value is True)."""
    personas = sorted(
        (p for p in story.personas if p.audience_id == audience.id),
        key=lambda p: p.id or 0,
    )
    if personas:
        return personas, False
    return [
        Persona(name=f"Typical {audience.name} viewer", audience_id=audience.id)
    ], True


def audience_visit_shares(
    story: Story, audience: Audience, viewers: int, seed: int
) -> tuple[dict[int, float], bool]:
    """Simulate ``viewers`` viewers for each persona of ``audience``.

    Returns the visit share of every scene id (visits per viewer, capped at 1) and
    whether a neutral persona replaced missing personas.
    """
    personas, neutral = audience_personas(story, audience)
    only = dataclasses.replace(story, personas=personas)
    result = simulate(only, viewers, seed, exact=False)
    return result.visit_shares(), neutral


def compare_audiences(
    story: Story, audience_a: Audience, audience_b: Audience, viewers: int, seed: int
) -> AudienceComparison:
    """Simulate both audiences with the same seed and rank the scenes by the gap
    between their visit shares."""
    shares_a, neutral_a = audience_visit_shares(story, audience_a, viewers, seed)
    shares_b, neutral_b = audience_visit_shares(story, audience_b, viewers, seed)
    rows = [
        SceneDifference(
            scene.id,
            scene.key,
            scene.title,
            shares_a.get(scene.id, 0.0),
            shares_b.get(scene.id, 0.0),
        )
        for scene in story.scenes
    ]
    rows.sort(key=lambda row: (-abs(row.difference), row.key))
    neutral = tuple(
        audience.name
        for audience, flag in ((audience_a, neutral_a), (audience_b, neutral_b))
        if flag
    )
    logger.info(
        "Compared audiences %s and %s over %d viewers each (seed %d)",
        audience_a.name,
        audience_b.name,
        viewers,
        seed,
    )
    return AudienceComparison(
        audience_a, audience_b, shares_a, shares_b, tuple(rows), viewers, seed, neutral
    )
