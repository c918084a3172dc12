"""Write a story package (``.storypkg``): a zip for the player team.

Contents:

- ``manifest.json``: package format version, title, IFID, creation time, the
  generator and its version, and the SHA-256 of every other file;
- ``story.json``: scenes, choices, variables and audiences, each audience with
  only its approved variants (no proposed or rejected text, no AI provenance);
  personas only when asked for;
- ``story.schema.json``: the JSON Schema (draft 2020-12) of ``story.json``;
- ``player/index.html``: the standalone player (see :mod:`.player`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from author_studio import __version__
from author_studio.domain.story import Story
from author_studio.interop.player import build_player

logger = logging.getLogger(__name__)

PACKAGE_FORMAT_VERSION = 1
STORY_SCHEMA_ID = "https://author-studio.invalid/schema/story-1.json"

_KEY = {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"}
_VALUE = {"type": ["boolean", "integer", "string"]}
_NON_NEGATIVE = {"type": "number", "minimum": 0}

STORY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": STORY_SCHEMA_ID,
    "title": "Author Studio story",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format_version",
        "title",
        "ifid",
        "start",
        "variables",
        "scenes",
        "choices",
        "audiences",
    ],
    "properties": {
        "format_version": {"const": PACKAGE_FORMAT_VERSION},
        "title": {"type": "string", "minLength": 1},
        "ifid": {"type": "string", "pattern": "^[0-9A-Z-]{8,63}$"},
        "author": {"type": "string"},
        "description": {"type": "string"},
        "start": {"anyOf": [_KEY, {"type": "null"}]},
        "variables": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "type", "initial"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                    "type": {"enum": ["bool", "int", "text"]},
                    "initial": _VALUE,
                    "description": {"type": "string"},
                },
            },
        },
        "scenes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "title", "kind", "script", "duration_s", "tags"],
                "properties": {
                    "key": _KEY,
                    "title": {"type": "string", "minLength": 1},
                    "kind": {"enum": ["start", "scene", "ending"]},
                    "synopsis": {"type": "string"},
                    "script": {"type": "string"},
                    "duration_s": _NON_NEGATIVE,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "pacing": {"enum": ["slow", "medium", "fast", None]},
                },
            },
        },
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "id",
                    "from",
                    "to",
                    "label",
                    "condition",
                    "effects",
                    "window_s",
                    "is_default",
                    "position",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "from": _KEY,
                    "to": _KEY,
                    "label": {"type": "string", "minLength": 1},
                    "condition": {"type": "string"},
                    "effects": {"type": "string"},
                    "window_s": {
                        "anyOf": [
                            {"type": "number", "exclusiveMinimum": 0},
                            {"type": "null"},
                        ]
                    },
                    "is_default": {"type": "boolean"},
                    "position": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "link_kind": {"enum": ["link", "macro"]},
                },
            },
        },
        "audiences": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "pacing", "rating", "language", "variants"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "pacing": {"enum": ["slow", "medium", "fast"]},
                    "tone": {"type": "string"},
                    "rating": {"enum": ["G", "PG", "PG-13", "R"]},
                    "interests": {"type": "array", "items": {"type": "string"}},
                    "language": {"type": "string"},
                    "description": {"type": "string"},
                    "variants": {
                        "type": "object",
                        "propertyNames": _KEY,
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["script", "duration_s"],
                            "properties": {
                                "script": {"type": "string"},
                                "duration_s": _NON_NEGATIVE,
                            },
                        },
                    },
                },
            },
        },
        "personas": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "audience", "tag_weights", "timeout_rate"],
                "properties": {
                    "name": {"type": "string"},
                    "audience": {"type": "string"},
                    "tag_weights": {
                        "type": "object",
                        "additionalProperties": {"type": "number"},
                    },
                    "timeout_rate": {"type": "number", "minimum": 0, "maximum": 1},
                    "dropoff_per_minute": {"type": "number", "minimum": 0},
                    "mismatch_factor": {"type": "number", "minimum": 1},
                    "description": {"type": "string"},
                },
            },
        },
    },
}


def story_document(
    story: Story, audience_id: int | None = None, personas: bool = False
) -> dict[str, Any]:
    """Return the ``story.json`` object; ``audience_id`` keeps only that audience."""
    keys = {scene.id: scene.key for scene in story.scenes}
    audiences = [a for a in story.audiences if audience_id in (None, a.id)]
    document: dict[str, Any] = {
        "format_version": PACKAGE_FORMAT_VERSION,
        "title": story.info.title,
        "ifid": story.info.ifid,
        "author": story.info.author,
        "description": story.info.description,
        "start": story.start.key if story.start else None,
        "variables": [
            {
                "name": v.name,
                "type": v.type.value,
                "initial": v.initial,
                "description": v.description,
            }
            for v in story.variables
        ],
        "scenes": [
            {
                "key": s.key,
                "title": s.title,
                "kind": s.kind.value,
                "synopsis": s.synopsis,
                "script": s.script,
                "duration_s": s.duration_s,
                "tags": list(s.tags),
                "pacing": s.pacing.value if s.pacing else None,
            }
            for s in sorted(story.scenes, key=lambda s: s.id or 0)
        ],
        "choices": [
            {
                "id": c.id,
                "from": keys[c.source_id],
                "to": keys[c.target_id],
                "label": c.label,
                "condition": c.condition,
                "effects": c.effects,
                "window_s": c.window_s,
                "is_default": c.is_default,
                "position": c.position,
                "tags": list(c.tags),
                "link_kind": c.link_kind.value,
            }
            for c in sorted(
                story.choices, key=lambda c: (c.source_id, c.position, c.id)
            )
        ],
        "audiences": [],
    }
    for audience in audiences:
        variants = {}
        for scene in story.scenes:
            variant = story.approved_variant(scene.id, audience.id)
            if variant is not None:
                variants[scene.key] = {
                    "script": variant.script,
                    "duration_s": variant.duration_s,
                }
        document["audiences"].append(
            {
                "name": audience.name,
                "pacing": audience.pacing.value,
                "tone": audience.tone,
                "rating": audience.rating.value,
                "interests": list(audience.interests),
                "language": audience.language,
                "description": audience.description,
                "variants": variants,
            }
        )
    if personas:
        names = {a.id: a.name for a in audiences}
        document["personas"] = [
            {
                "name": p.name,
                "audience": names[p.audience_id],
                "tag_weights": dict(p.tag_weights),
                "timeout_rate": p.timeout_rate,
                "dropoff_per_minute": p.dropoff_per_minute,
                "mismatch_factor": p.mismatch_factor,
                "description": p.description,
            }
            for p in story.personas
            if p.audience_id in names
        ]
    return document


def _dump(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_package(
    story: Story,
    path: Path,
    audience_id: int | None,
    personas: bool,
    warnings: list[str],
) -> None:
    """Write the package zip to ``path`` (the caller renames it into place)."""
    document = story_document(story, audience_id, personas)
    files = {
        "story.json": _dump(document),
        "story.schema.json": _dump(STORY_SCHEMA),
        "player/index.html": build_player(document).encode("utf-8"),
    }
    manifest = {
        "package_format_version": PACKAGE_FORMAT_VERSION,
        "title": story.info.title,
        "ifid": story.info.ifid,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generator": "Author Studio",
        "generator_version": __version__,
        "files": {
            name: hashlib.sha256(data).hexdigest() for name, data in files.items()
        },
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _dump(manifest))
        for name, data in files.items():
            archive.writestr(name, data)
    if not story.audiences:
        warnings.append(
            "the project has no audiences; the player shows the base script"
        )
