"""The structured answer a provider must return, its JSON Schema and its parser.

The answer is one JSON object ``{"variants": [...]}``; each variant carries the
script, an estimated duration in seconds, a one-line summary of what changed and
the canon terms it kept. The schema sent to servers is written by hand so that it
stays within what OpenAI's strict structured output accepts (every property
required, ``additionalProperties`` false, no numeric bounds); the count and the
bounds are enforced here when the answer is parsed.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from author_studio.assist.provider import Draft, InvalidAnswerError

logger = logging.getLogger(__name__)

SCHEMA_NAME = "scene_variants"

_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


class _VariantAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    script: str = Field(min_length=1)
    duration_s: float = Field(gt=0, le=24 * 3600)
    summary: str = ""
    canon_kept: list[str] = Field(default_factory=list)

    @field_validator("script")
    @classmethod
    def _script_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the script is blank")
        return value


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    variants: list[_VariantAnswer] = Field(min_length=1)


def answer_schema() -> dict[str, Any]:
    """Return the JSON Schema of the answer, as sent in ``response_format``."""
    return {
        "type": "object",
        "properties": {
            "variants": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "script": {
                            "type": "string",
                            "description": "The full rewritten scene script.",
                        },
                        "duration_s": {
                            "type": "number",
                            "description": "Estimated screen time in seconds.",
                        },
                        "summary": {
                            "type": "string",
                            "description": "One line: what changed and why.",
                        },
                        "canon_kept": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "The canon terms this script keeps.",
                        },
                    },
                    "required": ["script", "duration_s", "summary", "canon_kept"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["variants"],
        "additionalProperties": False,
    }


def response_format(schema: dict[str, Any]) -> dict[str, Any]:
    """Wrap ``schema`` as the ``response_format`` of a chat completion request."""
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
    }


def json_only_instruction(schema: dict[str, Any], count: int) -> str:
    """Return the system-prompt addition used when a server rejects
    ``response_format``: the schema spelled out, and JSON only."""
    return (
        "Answer with one JSON object and nothing else: no prose before or after "
        f"it and no Markdown fence. It must contain exactly {count} item(s) in "
        '"variants" and match this JSON Schema:\n'
        + json.dumps(schema, indent=None, sort_keys=True)
    )


def _strip_wrapping(text: str) -> str:
    """Remove a Markdown fence or prose around the JSON, which servers without
    structured output often add."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        return fenced.group("body").strip()
    if stripped.startswith(("{", "[")):
        return stripped
    first = stripped.find("{")
    last = stripped.rfind("}")
    if 0 <= first < last:
        return stripped[first : last + 1]
    return stripped


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "the answer"
        parts.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - 3
    if more > 0:
        parts.append(f"and {more} more problem(s)")
    return "; ".join(parts)


def parse_answer(text: str, count: int) -> tuple[Draft, ...]:
    """Validate an answer and return at most ``count`` drafts.

    Accepts the wrapped object, and also a bare list of variants or a single
    variant object, since small models drop the wrapper when structured output
    is unavailable. Raises :class:`InvalidAnswerError` naming the first problems.
    """
    if not text or not text.strip():
        raise InvalidAnswerError(
            "The server returned an empty response; try again, or pick a model that "
            "supports structured output."
        )

    body = _strip_wrapping(text)
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        preview = body[:80].replace("\n", " ")
        raise InvalidAnswerError(
            f"The response is not valid JSON ({error.msg} at line {error.lineno} "
            f"column {error.colno}; it starts {preview!r}). Nothing was stored; try "
            "again or pick a model that supports structured output."
        ) from error

    if isinstance(value, list):
        value = {"variants": value}
    elif isinstance(value, dict) and "variants" not in value and "script" in value:
        value = {"variants": [value]}

    try:
        answer = _Answer.model_validate(value)
    except ValidationError as error:
        raise InvalidAnswerError(
            f"The response does not match the variant schema ({_describe(error)}). "
            "Nothing was stored; try again or pick a model that supports "
            "structured output."
        ) from error

    if len(answer.variants) < count:
        logger.warning(
            "The response contains %d variant(s) where %d were requested",
            len(answer.variants),
            count,
        )
    return tuple(
        Draft(
            script=item.script.strip("\n"),
            duration_s=round(item.duration_s, 1),
            summary=item.summary.strip(),
            canon_kept=tuple(term for term in item.canon_kept if term.strip()),
        )
        for item in answer.variants[:count]
    )
