"""Conversions between table rows and domain records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from author_studio.domain.model import (
    Audience,
    CanonFact,
    Choice,
    ContentRating,
    LinkKind,
    Pacing,
    Persona,
    ProjectInfo,
    Provenance,
    Review,
    ReviewDecision,
    Scene,
    SceneKind,
    Variable,
    VariableType,
    Variant,
    VariantOrigin,
    VariantStatus,
)
from author_studio.store.tables import (
    AudienceRow,
    CanonFactRow,
    ChoiceRow,
    PersonaRow,
    ProjectRow,
    ReviewRow,
    SceneRow,
    VariableRow,
    VariantRow,
)


def project_from_row(row: ProjectRow) -> ProjectInfo:
    return ProjectInfo(
        title=row.title,
        ifid=row.ifid,
        created_at=datetime.fromisoformat(row.created_at),
        description=row.description,
        author=row.author,
        story_format=row.story_format,
        story_format_version=row.story_format_version,
        tag_colors=dict(row.tag_colors),
    )


def scene_from_row(row: SceneRow) -> Scene:
    return Scene(
        id=row.id,
        key=row.key,
        title=row.title,
        kind=SceneKind(row.kind),
        synopsis=row.synopsis,
        script=row.script,
        duration_s=row.duration_s,
        tags=list(row.tags),
        canon=bool(row.canon),
        notes=row.notes,
        pacing=Pacing(row.pacing) if row.pacing else None,
        x=row.x,
        y=row.y,
    )


def scene_to_row(scene: Scene, row: SceneRow | None = None) -> SceneRow:
    row = row or SceneRow(key=scene.key, title=scene.title, kind=scene.kind.value)
    row.key = scene.key
    row.title = scene.title
    row.kind = scene.kind.value
    row.synopsis = scene.synopsis
    row.script = scene.script
    row.duration_s = float(scene.duration_s)
    row.tags = list(scene.tags)
    row.canon = scene.canon
    row.notes = scene.notes
    row.pacing = scene.pacing.value if scene.pacing else None
    row.x = float(scene.x)
    row.y = float(scene.y)
    if scene.id is not None:
        row.id = scene.id
    return row


def scene_values(scene: Scene) -> dict[str, Any]:
    """Return the column values of a new scene row, for bulk inserts."""
    return {
        "key": scene.key,
        "title": scene.title,
        "kind": scene.kind.value,
        "synopsis": scene.synopsis,
        "script": scene.script,
        "duration_s": float(scene.duration_s),
        "tags": list(scene.tags),
        "canon": scene.canon,
        "notes": scene.notes,
        "pacing": scene.pacing.value if scene.pacing else None,
        "x": float(scene.x),
        "y": float(scene.y),
    }


def choice_values(choice: Choice) -> dict[str, Any]:
    """Return the column values of a new choice row, for bulk inserts."""
    return {
        "source_id": choice.source_id,
        "target_id": choice.target_id,
        "label": choice.label,
        "condition": choice.condition,
        "effects": choice.effects,
        "window_s": choice.window_s,
        "is_default": choice.is_default,
        "tags": list(choice.tags),
        "position": choice.position,
        "link_kind": choice.link_kind.value,
    }


def choice_from_row(row: ChoiceRow) -> Choice:
    return Choice(
        id=row.id,
        source_id=row.source_id,
        target_id=row.target_id,
        label=row.label,
        condition=row.condition,
        effects=row.effects,
        window_s=row.window_s,
        is_default=bool(row.is_default),
        tags=list(row.tags),
        position=row.position,
        link_kind=LinkKind(row.link_kind),
    )


def choice_to_row(choice: Choice, row: ChoiceRow | None = None) -> ChoiceRow:
    row = row or ChoiceRow(
        source_id=choice.source_id, target_id=choice.target_id, label=choice.label
    )
    row.source_id = choice.source_id
    row.target_id = choice.target_id
    row.label = choice.label
    row.condition = choice.condition
    row.effects = choice.effects
    row.window_s = choice.window_s
    row.is_default = choice.is_default
    row.tags = list(choice.tags)
    row.position = choice.position
    row.link_kind = choice.link_kind.value
    if choice.id is not None:
        row.id = choice.id
    return row


def variable_from_row(row: VariableRow) -> Variable:
    return Variable(
        id=row.id,
        name=row.name,
        type=VariableType(row.type),
        initial=row.initial,
        description=row.description,
    )


def variable_to_row(variable: Variable, row: VariableRow | None = None) -> VariableRow:
    row = row or VariableRow(name=variable.name, type=variable.type.value, initial=None)
    row.name = variable.name
    row.type = variable.type.value
    row.initial = variable.initial
    row.description = variable.description
    if variable.id is not None:
        row.id = variable.id
    return row


def audience_from_row(row: AudienceRow) -> Audience:
    return Audience(
        id=row.id,
        name=row.name,
        pacing=Pacing(row.pacing),
        tone=row.tone,
        rating=ContentRating(row.rating),
        interests=list(row.interests),
        language=row.language,
        description=row.description,
    )


def audience_to_row(audience: Audience, row: AudienceRow | None = None) -> AudienceRow:
    row = row or AudienceRow(
        name=audience.name, pacing=audience.pacing.value, rating=audience.rating.value
    )
    row.name = audience.name
    row.pacing = audience.pacing.value
    row.tone = audience.tone
    row.rating = audience.rating.value
    row.interests = list(audience.interests)
    row.language = audience.language
    row.description = audience.description
    if audience.id is not None:
        row.id = audience.id
    return row


def persona_from_row(row: PersonaRow) -> Persona:
    return Persona(
        id=row.id,
        name=row.name,
        audience_id=row.audience_id,
        tag_weights={str(k): float(v) for k, v in row.tag_weights.items()},
        timeout_rate=row.timeout_rate,
        dropoff_per_minute=row.dropoff_per_minute,
        mismatch_factor=row.mismatch_factor,
        description=row.description,
    )


def persona_to_row(persona: Persona, row: PersonaRow | None = None) -> PersonaRow:
    row = row or PersonaRow(name=persona.name, audience_id=persona.audience_id)
    row.name = persona.name
    row.audience_id = persona.audience_id
    row.tag_weights = dict(persona.tag_weights)
    row.timeout_rate = persona.timeout_rate
    row.dropoff_per_minute = persona.dropoff_per_minute
    row.mismatch_factor = persona.mismatch_factor
    row.description = persona.description
    if persona.id is not None:
        row.id = persona.id
    return row


def canon_from_row(row: CanonFactRow) -> CanonFact:
    return CanonFact(id=row.id, term=row.term, note=row.note, scene_id=row.scene_id)


def canon_to_row(fact: CanonFact, row: CanonFactRow | None = None) -> CanonFactRow:
    row = row or CanonFactRow(term=fact.term)
    row.term = fact.term
    row.note = fact.note
    row.scene_id = fact.scene_id
    if fact.id is not None:
        row.id = fact.id
    return row


def variant_from_row(row: VariantRow) -> Variant:
    provenance = None
    if row.provider:
        provenance = Provenance(
            provider=row.provider,
            model=row.model or "",
            prompt_hash=row.prompt_hash or "",
            prompt_tokens=row.prompt_tokens or 0,
            completion_tokens=row.completion_tokens or 0,
            latency_ms=row.latency_ms or 0,
        )
    return Variant(
        id=row.id,
        scene_id=row.scene_id,
        audience_id=row.audience_id,
        script=row.script,
        duration_s=row.duration_s,
        origin=VariantOrigin(row.origin),
        status=VariantStatus(row.status),
        summary=row.summary,
        canon_kept=list(row.canon_kept),
        provenance=provenance,
        parent_id=row.parent_id,
        created_at=datetime.fromisoformat(row.created_at),
    )


def variant_to_row(variant: Variant, row: VariantRow | None = None) -> VariantRow:
    created = (variant.created_at or datetime.now().astimezone()).isoformat()
    row = row or VariantRow(
        scene_id=variant.scene_id,
        audience_id=variant.audience_id,
        script=variant.script,
        duration_s=variant.duration_s,
        origin=variant.origin.value,
        status=variant.status.value,
        created_at=created,
    )
    row.scene_id = variant.scene_id
    row.audience_id = variant.audience_id
    row.script = variant.script
    row.duration_s = float(variant.duration_s)
    row.origin = variant.origin.value
    row.status = variant.status.value
    row.summary = variant.summary
    row.canon_kept = list(variant.canon_kept)
    row.parent_id = variant.parent_id
    row.created_at = created
    provenance = variant.provenance
    row.provider = provenance.provider if provenance else None
    row.model = provenance.model if provenance else None
    row.prompt_hash = provenance.prompt_hash if provenance else None
    row.prompt_tokens = provenance.prompt_tokens if provenance else None
    row.completion_tokens = provenance.completion_tokens if provenance else None
    row.latency_ms = provenance.latency_ms if provenance else None
    if variant.id is not None:
        row.id = variant.id
    return row


def review_from_row(row: ReviewRow) -> Review:
    return Review(
        id=row.id,
        variant_id=row.variant_id,
        decision=ReviewDecision(row.decision),
        reviewer=row.reviewer,
        decided_at=datetime.fromisoformat(row.decided_at),
        note=row.note,
    )
