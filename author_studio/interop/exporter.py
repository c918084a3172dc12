"""Export a project as Twee 3, Twine 2 archive HTML or a story package.

Every export is checked by lint first and rejected when lint reports errors,
unless ``force`` is set. The output is written to a temporary file beside the
destination and renamed over it, so a failed export leaves no partial file.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from author_studio.analysis.lint import Severity, lint
from author_studio.domain.model import Scene
from author_studio.domain.story import Story
from author_studio.interop import links, twee, twine_html
from author_studio.interop.draft import AssetDraft
from author_studio.interop.passages import (
    DEFAULT_SIZE,
    LAYOUT_ASSET,
    SPECIAL_NAMES,
    RawPassage,
    RawStory,
)
from author_studio.services.session import ProjectSession
from author_studio.store.tables import StoryAssetRow

logger = logging.getLogger(__name__)


_RESERVED_NAMES = {"StoryTitle", "StoryData", *SPECIAL_NAMES}


class ExportFormat(enum.StrEnum):
    STORYPKG = "storypkg"
    TWEE = "twee"
    TWINE_HTML = "twine-html"


class LintFailedError(Exception):
    """Lint found errors; ``findings`` contains their messages."""

    def __init__(self, findings: list[str]) -> None:
        count = f"{len(findings)} error" + ("" if len(findings) == 1 else "s")
        super().__init__(f"lint found {count}; fix them or export with --force")
        self.findings = findings


@dataclass
class ExportResult:
    path: Path
    format: ExportFormat
    warnings: list[str] = field(default_factory=list)
    lint_errors: list[str] = field(default_factory=list)


def lint_errors(story: Story) -> list[str]:
    """Return the messages of the errors that lint finds in ``story``."""
    return [
        f"{finding.code}: {finding.message}"
        for finding in lint(story)
        if finding.severity is Severity.ERROR
    ]


def read_assets(session: ProjectSession) -> list[AssetDraft]:
    with session.file.read() as db:
        rows = db.exec(select(StoryAssetRow).order_by(StoryAssetRow.id)).all()
        return [AssetDraft(r.name, r.kind, r.text, list(r.tags)) for r in rows]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _passage_names(story: Story) -> dict[int, str]:
    """Return a unique passage name per scene: its title, or title and key when
    the title is shared or is the name of a special passage."""
    counts: dict[str, int] = dict.fromkeys(_RESERVED_NAMES, 1)
    for scene in story.scenes:
        counts[scene.title] = counts.get(scene.title, 0) + 1
    return {
        scene.id: scene.title
        if counts[scene.title] == 1
        else f"{scene.title} ({scene.key})"
        for scene in story.scenes
    }


def _link_for(label: str, target: str) -> str | None:
    """Write a link that the Twine 2 link rules read back as ``label``, ``target``.

    Returns None when no link syntax can carry the pair, for example a target
    containing ``->`` or ``]]``.
    """
    label = " ".join(label.split())
    if "]]" in target or "]]" in label or "\n" in target or "->" in target:
        return None
    if label == target and not re.search(r"<-|\||\]$|^\[", target):
        return f"[[{target}]]"
    if "->" in label:
        return None
    if not target.endswith("]") and not label.startswith("["):
        return f"[[{label}->{target}]]"
    if "<-" not in target and not label.endswith("]"):
        return f"[[{target}<-{label}]]"
    return None


def story_to_raw(
    story: Story,
    assets: list[AssetDraft],
    audience_id: int | None,
    warnings: list[str],
) -> RawStory:
    """Turn a project snapshot into Twine passages, adding links for choices the
    script text does not already contain."""
    names = _passage_names(story)
    layout: dict = {}
    for asset in assets:
        if asset.name == LAYOUT_ASSET:
            try:
                layout = json.loads(asset.text)
            except ValueError:
                warnings.append(
                    f"the story asset {LAYOUT_ASSET!r} is not JSON; ignored"
                )
    sizes = layout.get("sizes", {}) if isinstance(layout, dict) else {}
    start = story.start
    raw = RawStory(
        passages=[],
        title=story.info.title,
        ifid=story.info.ifid,
        story_format=story.info.story_format,
        story_format_version=story.info.story_format_version,
        start=names[start.id] if start else "",
        tag_colors=dict(story.info.tag_colors),
        zoom=layout.get("zoom") if isinstance(layout, dict) else None,
    )
    for scene in sorted(story.scenes, key=lambda s: s.id or 0):
        raw.passages.append(_passage(story, scene, names, sizes, audience_id, warnings))
    for asset in assets:
        if asset.name == LAYOUT_ASSET:
            continue
        if asset.kind == "duplicate":
            warnings.append(f"the duplicate passage {asset.name!r} was not exported")
            continue
        raw.assets.append(asset)
    return raw


def _passage(story, scene: Scene, names, sizes, audience_id, warnings) -> RawPassage:
    text = scene.script
    if audience_id is not None:
        variant = story.approved_variant(scene.id, audience_id)
        if variant is not None:
            text = variant.script
    present = {
        (link.target, " ".join(link.label.split()) or link.target)
        for link in links.scan_passage(text, story.info.story_format).links
    }
    present_targets = {target for target, _ in present}
    added = []
    for choice in story.choices_from(scene.id):
        target = names[choice.target_id]
        if (target, choice.label) in present or (
            choice.link_kind.value == "macro" and target in present_targets
        ):
            continue
        link = _link_for(choice.label, target)
        if link is None:
            warnings.append(
                f"scene {scene.title!r}: the choice {choice.label!r} cannot be written "
                f"as a Twine link to {target!r}; it was left out"
            )
            continue
        if choice.condition or choice.effects:
            warnings.append(
                f"scene {scene.title!r}: the condition and effects of the choice "
                f"{choice.label!r} have no Twine form and were left out"
            )
        added.append(link)
    if added:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + "\n".join(added)
    name = names[scene.id]
    return RawPassage(
        name=name,
        tags=list(scene.tags),
        text=text,
        position=f"{_number(scene.x)},{_number(scene.y)}",
        size=sizes.get(scene.title, DEFAULT_SIZE),
    )


def write_atomically(destination: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temp)`` and rename the temporary file to ``destination``."""
    destination = Path(destination)
    if not destination.parent.is_dir():
        raise FileNotFoundError(
            f"{destination.parent}: the folder does not exist; create it first"
        )
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        os.chmod(temp, 0o644)
        os.replace(temp, destination)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def export_project(
    session: ProjectSession,
    destination: Path,
    fmt: ExportFormat = ExportFormat.STORYPKG,
    *,
    audience: str | None = None,
    force: bool = False,
    personas: bool = False,
) -> ExportResult:
    """Export the open project to ``destination`` in ``fmt``.

    Raises LintFailedError (nothing written) when lint reports errors and ``force``
    is false, and KeyError when ``audience`` names no audience.
    """
    story = session.load_story()
    result = ExportResult(Path(destination), fmt)
    result.lint_errors = lint_errors(story)
    if result.lint_errors and not force:
        raise LintFailedError(result.lint_errors)
    audience_id = None
    if audience is not None:
        found = story.audience_by_name.get(audience)
        if found is None:
            names = ", ".join(repr(a.name) for a in story.audiences) or "none"
            raise KeyError(f"no audience named {audience!r}; the project has {names}")
        audience_id = found.id
    if fmt is ExportFormat.STORYPKG:
        from author_studio.interop.package import write_package

        write_atomically(
            destination,
            lambda temp: write_package(
                story, temp, audience_id, personas, result.warnings
            ),
        )
    else:
        raw = story_to_raw(story, read_assets(session), audience_id, result.warnings)
        text = (
            twee.write_twee(raw)
            if fmt is ExportFormat.TWEE
            else twine_html.write_archive(raw)
        )
        write_atomically(
            destination, lambda temp: temp.write_text(text, encoding="utf-8")
        )
    logger.info("Exported %s as %s to %s", session.path, fmt.value, destination)
    return result
