"""A read-only snapshot of a whole project, for analysis, simulation and export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
    VariantStatus,
)


@dataclass
class Story:
    info: ProjectInfo
    scenes: list[Scene]
    choices: list[Choice]
    variables: list[Variable] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    personas: list[Persona] = field(default_factory=list)
    canon: list[CanonFact] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scene_by_id = {scene.id: scene for scene in self.scenes}
        self.scene_by_key = {scene.key: scene for scene in self.scenes}
        self.audience_by_id = {audience.id: audience for audience in self.audiences}
        self.audience_by_name = {audience.name: audience for audience in self.audiences}
        self.choices_by_source: dict[int, list[Choice]] = defaultdict(list)
        for choice in sorted(
            self.choices, key=lambda c: (c.source_id, c.position, c.id)
        ):
            self.choices_by_source[choice.source_id].append(choice)
        self._approved = {
            (v.scene_id, v.audience_id): v
            for v in self.variants
            if v.status is VariantStatus.APPROVED
        }

    @property
    def start(self) -> Scene | None:
        return next((s for s in self.scenes if s.kind is SceneKind.START), None)

    @property
    def endings(self) -> list[Scene]:
        return [s for s in self.scenes if s.kind is SceneKind.ENDING]

    def choices_from(self, scene_id: int) -> list[Choice]:
        return self.choices_by_source.get(scene_id, [])

    def approved_variant(self, scene_id: int, audience_id: int) -> Variant | None:
        return self._approved.get((scene_id, audience_id))

    def canon_terms_for(self, scene_id: int) -> list[str]:
        """Return the canon terms that bind one scene: its own and the global ones."""
        return [f.term for f in self.canon if f.scene_id in (None, scene_id)]
