"""Plain records for the terms of a branching show: scenes, choices, variables,
audiences, variants, reviews, personas and canon facts.

These records carry no database or Qt state. The store converts them to and from
rows, and the services validate them before anything is written. An ``id`` of
``None`` means the record has not been stored yet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class SceneKind(enum.StrEnum):
    START = "start"
    SCENE = "scene"
    ENDING = "ending"


class Pacing(enum.StrEnum):
    SLOW = "slow"
    MEDIUM = "medium"
    FAST = "fast"


class ContentRating(enum.StrEnum):
    """Content ratings in the order of the MPA scale, from the mildest."""

    G = "G"
    PG = "PG"
    PG13 = "PG-13"
    R = "R"

    @property
    def rank(self) -> int:
        return list(ContentRating).index(self)


class VariableType(enum.StrEnum):
    BOOL = "bool"
    INT = "int"
    TEXT = "text"


class VariantOrigin(enum.StrEnum):
    AI = "ai"
    HUMAN = "human"
    HUMAN_EDITED = "human_edited"


class VariantStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class ReviewDecision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EDITED = "edited"
    REOPENED = "reopened"


class LinkKind(enum.StrEnum):
    """How a choice was written: a plain link, or a navigation macro of a story format
    (Harlowe ``(go-to:)``, SugarCube ``<<goto>>``) found on import."""

    LINK = "link"
    MACRO = "macro"


VariableValue = bool | int | str


@dataclass
class ProjectInfo:
    title: str
    ifid: str
    created_at: datetime
    description: str = ""
    author: str = ""
    story_format: str = ""
    story_format_version: str = ""
    tag_colors: dict[str, str] = field(default_factory=dict)


@dataclass
class Scene:
    key: str
    title: str
    kind: SceneKind = SceneKind.SCENE
    synopsis: str = ""
    script: str = ""
    duration_s: float = 60.0
    tags: list[str] = field(default_factory=list)
    canon: bool = False
    notes: str = ""
    pacing: Pacing | None = None
    x: float = 0.0
    y: float = 0.0
    id: int | None = None


@dataclass
class Choice:
    """A directed edge of the plot graph.

    ``condition`` and ``effects`` are expressions in the story-state language, kept
    as the writer typed them. ``window_s`` is the on-screen choice window in seconds,
    or ``None`` for a choice that waits for the viewer.
    """

    source_id: int
    target_id: int
    label: str
    condition: str = ""
    effects: str = ""
    window_s: float | None = None
    is_default: bool = False
    tags: list[str] = field(default_factory=list)
    position: int = 0
    link_kind: LinkKind = LinkKind.LINK
    id: int | None = None


@dataclass
class Variable:
    name: str
    type: VariableType
    initial: VariableValue
    description: str = ""
    id: int | None = None


@dataclass
class Audience:
    """A viewer segment that variants are written for."""

    name: str
    pacing: Pacing = Pacing.MEDIUM
    tone: str = ""
    rating: ContentRating = ContentRating.PG13
    interests: list[str] = field(default_factory=list)
    language: str = "en"
    description: str = ""
    id: int | None = None


@dataclass
class CanonFact:
    """A locked fact or name that every variant must keep.

    A fact with a ``scene_id`` binds only that scene's variants; one without binds
    the whole project. ``term`` is the literal text that lint looks for.
    """

    term: str
    note: str = ""
    scene_id: int | None = None
    id: int | None = None


@dataclass
class Provenance:
    """Where an AI-drafted variant came from and what it cost."""

    provider: str
    model: str
    prompt_hash: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0


@dataclass
class Variant:
    scene_id: int
    audience_id: int
    script: str
    duration_s: float
    origin: VariantOrigin = VariantOrigin.HUMAN
    status: VariantStatus = VariantStatus.PROPOSED
    summary: str = ""
    canon_kept: list[str] = field(default_factory=list)
    provenance: Provenance | None = None
    parent_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class Review:
    """One decision on a variant: who made it, when and why."""

    variant_id: int
    decision: ReviewDecision
    reviewer: str
    decided_at: datetime
    note: str = ""
    id: int | None = None


@dataclass
class Persona:
    """A simulated viewer of one audience.

    ``tag_weights`` maps choice tags to preference scores (0 is neutral).
    ``timeout_rate`` is the probability of letting a timed choice run out.
    ``dropoff_per_minute`` is the base hazard of quitting per minute watched, and
    ``mismatch_factor`` multiplies it while a scene's pacing differs from the
    audience's.
    """

    name: str
    audience_id: int
    tag_weights: dict[str, float] = field(default_factory=dict)
    timeout_rate: float = 0.1
    dropoff_per_minute: float = 0.01
    mismatch_factor: float = 2.0
    description: str = ""
    id: int | None = None
