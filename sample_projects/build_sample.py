"""Build a sample ``.authorstudio`` project from its readable JSON source.

Usage: ``python sample_projects/build_sample.py [SOURCE.json [OUT.authorstudio]]``.
With no arguments it rebuilds ``night_ferry.authorstudio`` from
``source/night_ferry.json``. The build is deterministic: the IFID, creation time and
review times come from the source, and scenes without a position are placed by the
canvas's auto-layout (``author_studio.analysis.layout``). The tests rebuild the file
and compare it table by table with the shipped one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The builder belongs to this checkout, so it uses this checkout's package even
# when another copy of author_studio is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from author_studio.analysis.layout import layered_layout
from author_studio.domain.model import (
    Audience,
    CanonFact,
    Choice,
    ContentRating,
    Pacing,
    Persona,
    Provenance,
    Scene,
    SceneKind,
    Variable,
    VariableType,
    Variant,
    VariantOrigin,
    VariantStatus,
)
from author_studio.services.session import ProjectSession
from author_studio.store.tables import (
    AuditEntryRow,
    ProjectRow,
    ReviewRow,
    VariantRow,
)

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "source" / "night_ferry.json"
DEFAULT_OUTPUT = HERE / "night_ferry.authorstudio"
_STATUS_BY_DECISION = {
    "approved": VariantStatus.APPROVED,
    "rejected": VariantStatus.REJECTED,
    "superseded": VariantStatus.SUPERSEDED,
}


def layered_positions(source: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Place the scenes with the canvas's auto-layout: layered left to right from
    the start scene, with few crossings and room for choice labels."""
    scenes = source["scenes"]
    number = {scene["key"]: index for index, scene in enumerate(scenes)}
    edges = [
        (number[scene["key"]], number[choice["to"]])
        for scene in scenes
        for choice in scene.get("choices", [])
    ]
    start = next(number[s["key"]] for s in scenes if s["kind"] == "start")
    placed = layered_layout(range(len(scenes)), edges, start)
    return {scene["key"]: placed[number[scene["key"]]] for scene in scenes}


def build(source_path: Path, output: Path) -> Path:
    """Write ``output`` from ``source_path``, replacing an existing file."""
    source = json.loads(source_path.read_text(encoding="utf-8"))
    output.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{output}{suffix}").unlink(missing_ok=True)
    session = ProjectSession.create(output, source["title"])
    try:
        _fill(session, source)
    finally:
        session.close()
    return output


def _fill(session: ProjectSession, source: dict[str, Any]) -> None:
    session.update_info(
        description=source.get("description", ""), author=source.get("author", "")
    )
    with session.write() as (db, _changes):
        row = db.get(ProjectRow, 1)
        row.ifid = source["ifid"]
        row.created_at = source["created_at"]
        db.add(row)

    for variable in source.get("variables", []):
        session.variables.create(
            Variable(
                name=variable["name"],
                type=VariableType(variable["type"]),
                initial=variable["initial"],
                description=variable.get("description", ""),
            )
        )

    audiences = {}
    for audience in source["audiences"]:
        audiences[audience["name"]] = session.audiences.create(
            Audience(
                name=audience["name"],
                pacing=Pacing(audience["pacing"]),
                tone=audience.get("tone", ""),
                rating=ContentRating(audience["rating"]),
                interests=list(audience.get("interests", [])),
                language=audience.get("language", "en"),
                description=audience.get("description", ""),
            )
        )

    for persona in source.get("personas", []):
        session.personas.create(
            Persona(
                name=persona["name"],
                audience_id=audiences[persona["audience"]].id,
                tag_weights=dict(persona.get("tag_weights", {})),
                timeout_rate=persona.get("timeout_rate", 0.1),
                dropoff_per_minute=persona.get("dropoff_per_minute", 0.01),
                mismatch_factor=persona.get("mismatch_factor", 2.0),
                description=persona.get("description", ""),
            )
        )

    scenes = _add_scenes(session, source)
    for fact in source.get("canon", []):
        scene_key = fact.get("scene")
        session.canon.create(
            CanonFact(
                term=fact["term"],
                note=fact.get("note", ""),
                scene_id=scenes[scene_key].id if scene_key else None,
            )
        )
    for variant in source.get("variants", []):
        _add_variant(session, variant, scenes, audiences)


def _add_scenes(session: ProjectSession, source: dict[str, Any]) -> dict[str, Scene]:
    positions = layered_positions(source)
    scenes: dict[str, Scene] = {}
    start = session.scenes.start()
    for spec in source["scenes"]:
        x, y = spec.get("x"), spec.get("y")
        if x is None or y is None:
            x, y = positions[spec["key"]]
        fields = {
            "key": spec["key"],
            "title": spec["title"],
            "synopsis": spec.get("synopsis", ""),
            "script": spec.get("script", ""),
            "duration_s": spec.get("duration_s", 60),
            "tags": list(spec.get("tags", [])),
            "canon": bool(spec.get("canon", False)),
            "notes": spec.get("notes", ""),
            "pacing": Pacing(spec["pacing"]) if spec.get("pacing") else None,
            "x": x,
            "y": y,
        }
        if spec["kind"] == SceneKind.START.value:
            scenes[spec["key"]] = session.scenes.update(start.id, **fields)
        else:
            scenes[spec["key"]] = session.scenes.create(
                Scene(kind=SceneKind(spec["kind"]), **fields)
            )
    for spec in source["scenes"]:
        for position, choice in enumerate(spec.get("choices", []), start=1):
            session.choices.create(
                Choice(
                    source_id=scenes[spec["key"]].id,
                    target_id=scenes[choice["to"]].id,
                    label=choice["label"],
                    condition=choice.get("condition", ""),
                    effects=choice.get("effects", ""),
                    window_s=choice.get("window_s"),
                    is_default=bool(choice.get("default", False)),
                    tags=list(choice.get("tags", [])),
                    position=position,
                )
            )
    return scenes


def _add_variant(
    session: ProjectSession,
    spec: dict[str, Any],
    scenes: dict[str, Scene],
    audiences: dict[str, Audience],
) -> None:
    provenance = spec.get("provenance")
    created = session.variants.create(
        Variant(
            scene_id=scenes[spec["scene"]].id,
            audience_id=audiences[spec["audience"]].id,
            script=spec["script"],
            duration_s=spec["duration_s"],
            origin=VariantOrigin(spec.get("origin", "human")),
            summary=spec.get("summary", ""),
            canon_kept=list(spec.get("canon_kept", [])),
            provenance=Provenance(**provenance) if provenance else None,
        )
    )
    # Reviews are written with the times recorded in the source, so the build is
    # repeatable. The unique index on the variant table still allows only one
    # approved variant per scene and audience.
    with session.write() as (db, _changes):
        row = db.get(VariantRow, created.id)
        row.created_at = spec["created_at"]
        reviews = spec.get("reviews", [])
        if reviews:
            row.status = _STATUS_BY_DECISION[reviews[-1]["decision"]].value
        db.add(row)
        db.flush()
        for review in reviews:
            db.add(
                ReviewRow(
                    variant_id=row.id,
                    decision=review["decision"],
                    reviewer=review["reviewer"],
                    decided_at=review["at"],
                    note=review.get("note", ""),
                )
            )
            db.add(
                AuditEntryRow(
                    at=review["at"],
                    actor=review["reviewer"],
                    action=review["decision"],
                    subject=f"variant {row.id} of {spec['scene']} for "
                    f"{spec['audience']}",
                    note=review.get("note", ""),
                )
            )


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    build(source, output)
    print(f"Wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
