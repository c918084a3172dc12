"""SQLModel mappings of the tables that the migrations create.

The migrations own the schema, so these classes never create tables. A test checks
that every column declared here exists in a freshly migrated file. List and mapping
fields are JSON text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ProjectRow(SQLModel, table=True):
    __tablename__ = "project"

    id: int = Field(default=1, primary_key=True)
    title: str
    ifid: str
    description: str = ""
    author: str = ""
    story_format: str = ""
    story_format_version: str = ""
    tag_colors: dict[str, str] = _json_dict()
    created_at: str


class SceneRow(SQLModel, table=True):
    __tablename__ = "scene"

    id: int | None = Field(default=None, primary_key=True)
    key: str
    title: str
    kind: str
    synopsis: str = ""
    script: str = ""
    duration_s: float = 60.0
    tags: list[str] = _json_list()
    canon: bool = False
    notes: str = ""
    x: float = 0.0
    y: float = 0.0
    pacing: str | None = None


class ChoiceRow(SQLModel, table=True):
    __tablename__ = "choice"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="scene.id")
    target_id: int = Field(foreign_key="scene.id")
    label: str
    condition: str = ""
    effects: str = ""
    window_s: float | None = None
    is_default: bool = False
    tags: list[str] = _json_list()
    position: int = 0
    link_kind: str = "link"


class VariableRow(SQLModel, table=True):
    __tablename__ = "variable"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    type: str
    initial: Any = Field(sa_column=Column(JSON, nullable=False))
    description: str = ""


class AudienceRow(SQLModel, table=True):
    __tablename__ = "audience"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    pacing: str
    tone: str = ""
    rating: str
    interests: list[str] = _json_list()
    language: str = "en"
    description: str = ""


class PersonaRow(SQLModel, table=True):
    __tablename__ = "persona"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    audience_id: int = Field(foreign_key="audience.id")
    tag_weights: dict[str, float] = _json_dict()
    timeout_rate: float = 0.1
    dropoff_per_minute: float = 0.01
    mismatch_factor: float = 2.0
    description: str = ""


class CanonFactRow(SQLModel, table=True):
    __tablename__ = "canon_fact"

    id: int | None = Field(default=None, primary_key=True)
    term: str
    note: str = ""
    scene_id: int | None = Field(default=None, foreign_key="scene.id")


class VariantRow(SQLModel, table=True):
    __tablename__ = "variant"

    id: int | None = Field(default=None, primary_key=True)
    scene_id: int = Field(foreign_key="scene.id")
    audience_id: int = Field(foreign_key="audience.id")
    script: str
    duration_s: float
    origin: str
    status: str
    summary: str = ""
    canon_kept: list[str] = _json_list()
    provider: str | None = None
    model: str | None = None
    prompt_hash: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    parent_id: int | None = Field(default=None, foreign_key="variant.id")
    created_at: str


class ReviewRow(SQLModel, table=True):
    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    variant_id: int = Field(foreign_key="variant.id")
    decision: str
    reviewer: str
    decided_at: str
    note: str = ""


class AuditEntryRow(SQLModel, table=True):
    """One line of the project's audit log; it outlives the records it names."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: str
    actor: str
    action: str
    subject: str
    note: str = ""


class StoryAssetRow(SQLModel, table=True):
    """Story-format code with no scene of its own (a stylesheet, a script, Twine's
    special passages), kept so that an export can write it back."""

    __tablename__ = "story_asset"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str
    tags: list[str] = _json_list()
    text: str = ""


class JourneyRow(SQLModel, table=True):
    __tablename__ = "journey"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    audience_id: int | None = Field(default=None, foreign_key="audience.id")
    start_scene_id: int | None = Field(default=None, foreign_key="scene.id")
    start_state: dict[str, Any] = _json_dict()
    steps: list[Any] = _json_list()
    created_at: str


class DraftCacheRow(SQLModel, table=True):
    __tablename__ = "draft_cache"

    prompt_hash: str = Field(primary_key=True)
    provider: str
    model: str
    response: str
    created_at: str


class AssistRequestRow(SQLModel, table=True):
    __tablename__ = "assist_request"

    id: int | None = Field(default=None, primary_key=True)
    at: str
    provider: str
    model: str
    prompt_hash: str
    status: str
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    error: str = ""
