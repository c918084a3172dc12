"""Read the Twine 2 JSON encoding of a story (Twine 2 JSON specification v1.0).

The story's properties mirror Twee 3's StoryData (``name``, ``ifid``, ``format``,
``format-version``, ``start``, ``tag-colors``, ``zoom``, ``style``, ``script``)
and each passage has ``name``, ``tags``, ``metadata`` (position and size) and
``text``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from author_studio.interop.draft import AssetDraft, ImportReport
from author_studio.interop.passages import RawPassage, RawStory
from author_studio.interop.twine_html import SCRIPT_ASSET, STYLESHEET_ASSET

logger = logging.getLogger(__name__)


def is_twine_json(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("passages"), list)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def read_twine_json(data: dict[str, Any], path: Path, report: ImportReport) -> RawStory:
    """Build a story from decoded Twine 2 JSON."""
    raw = RawStory(
        passages=[],
        title=str(data.get("name") or path.stem),
        ifid=str(data.get("ifid") or ""),
        story_format=str(data.get("format") or ""),
        story_format_version=str(data.get("format-version") or ""),
        has_story_data=True,
    )
    colors = data.get("tag-colors")
    if isinstance(colors, dict):
        raw.tag_colors = {str(k): str(v) for k, v in colors.items()}
    zoom = data.get("zoom")
    if isinstance(zoom, (int, float)) and not isinstance(zoom, bool):
        raw.zoom = float(zoom)
    for number, item in enumerate(data["passages"], 1):
        if not isinstance(item, dict):
            report.warn(
                f"passage {number} is not a JSON object; it was skipped", path.name
            )
            continue
        metadata = (
            item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        )
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        raw.passages.append(
            RawPassage(
                name=str(item.get("name") or ""),
                tags=[str(tag) for tag in tags],
                text=_text(item.get("text")),
                file=path.name,
                position=metadata.get("position"),
                size=metadata.get("size"),
                pid=str(number),
            )
        )
    start = data.get("start")
    names = {p.name for p in raw.passages}
    if isinstance(start, str) and start in names:
        raw.start = start
    elif start is not None:
        # The specification calls start a PID but shows a passage name; a PID is
        # taken as the passage's position in the array, counted from 1.
        by_pid = {p.pid: p.name for p in raw.passages}
        raw.start = by_pid.get(str(start), "")
        if not raw.start:
            report.warn(f"start {start!r} names no passage", path.name)
    if _text(data.get("style")):
        raw.assets.append(
            AssetDraft(
                STYLESHEET_ASSET, "stylesheet", _text(data["style"]), ["stylesheet"]
            )
        )
    if _text(data.get("script")):
        raw.assets.append(
            AssetDraft(SCRIPT_ASSET, "script", _text(data["script"]), ["script"])
        )
    report.source_format = "Twine 2 JSON"
    return raw
