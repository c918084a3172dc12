"""Scenes and choices on the system clipboard, as JSON with a MIME type of ours.

Copying puts the selected scenes and the choices between them on the clipboard, so
they can be pasted into the same project or into another Author Studio window. A
plain-text list of the scene titles goes along for other programs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from PySide6.QtCore import QMimeData

from author_studio.domain.model import Choice, LinkKind, Pacing, Scene, SceneKind

logger = logging.getLogger(__name__)

MIME_TYPE = "application/x-author-studio-scenes+json"
FORMAT_VERSION = 1


class ClipboardFormatError(ValueError):
    """The clipboard holds our MIME type, but not data this version can read."""


@dataclasses.dataclass
class ClipboardContent:
    project_ifid: str
    scenes: list[Scene]
    choices: list[Choice]


def to_mime(content: ClipboardContent) -> QMimeData:
    payload = {
        "format_version": FORMAT_VERSION,
        "project_ifid": content.project_ifid,
        "scenes": [_scene_dict(scene) for scene in content.scenes],
        "choices": [dataclasses.asdict(choice) for choice in content.choices],
    }
    data = QMimeData()
    data.setData(MIME_TYPE, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    data.setText("\n".join(scene.title for scene in content.scenes))
    return data


def from_mime(data: QMimeData | None) -> ClipboardContent | None:
    """Read scenes from ``data``; None when it holds none of ours.

    Raises ClipboardFormatError when the data is ours but damaged or newer.
    """
    if data is None or not data.hasFormat(MIME_TYPE):
        return None
    raw = bytes(data.data(MIME_TYPE).data())
    try:
        payload = json.loads(raw.decode("utf-8"))
        version = payload.get("format_version")
        if version != FORMAT_VERSION:
            raise ClipboardFormatError(
                f"The copied scenes are in clipboard format {version!r}; this "
                f"version reads format {FORMAT_VERSION}. Copy them again from a "
                "window of this version."
            )
        scenes = [_scene_from(item) for item in payload["scenes"]]
        choices = [_choice_from(item) for item in payload["choices"]]
        return ClipboardContent(str(payload.get("project_ifid", "")), scenes, choices)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, ClipboardFormatError):
            raise
        logger.warning("Unreadable scene data on the clipboard: %s", error)
        raise ClipboardFormatError(
            f"The clipboard holds damaged scene data ({error}); copy the scenes again."
        ) from error


def _scene_dict(scene: Scene) -> dict[str, Any]:
    data = dataclasses.asdict(scene)
    data["kind"] = scene.kind.value
    data["pacing"] = scene.pacing.value if scene.pacing else None
    return data


def _scene_from(item: dict[str, Any]) -> Scene:
    fields = {f.name for f in dataclasses.fields(Scene)}
    values = {key: value for key, value in item.items() if key in fields}
    values["kind"] = SceneKind(values.get("kind", "scene"))
    values["pacing"] = Pacing(values["pacing"]) if values.get("pacing") else None
    values["tags"] = [str(tag) for tag in values.get("tags", [])]
    scene = Scene(**values)
    if not isinstance(scene.id, int):
        raise TypeError("a copied scene has no id")
    return scene


def _choice_from(item: dict[str, Any]) -> Choice:
    fields = {f.name for f in dataclasses.fields(Choice)}
    values = {key: value for key, value in item.items() if key in fields}
    values["link_kind"] = LinkKind(values.get("link_kind", "link"))
    values["tags"] = [str(tag) for tag in values.get("tags", [])]
    return Choice(**values)
