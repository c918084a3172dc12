"""Import a Twee file or folder, Twine HTML or JSON, or compiled ink JSON as a project.

:func:`import_story` reads the source, builds the whole story in memory and only
then writes the project (see :mod:`author_studio.interop.writer`), so a source that
fails to read leaves no file behind.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from author_studio.interop import ink, twee, twine_html, twine_json
from author_studio.interop.draft import ImportReport, StoryDraft
from author_studio.interop.passages import build_draft
from author_studio.interop.writer import write_project

logger = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")
INK_SUFFIXES = (".json",)


class StoryImportError(Exception):
    """The source cannot be imported; the message names the file and the fix."""


def _read_json(source: Path) -> object:
    try:
        return json.loads(source.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(
            f"{source}: not ink JSON or Twine 2 JSON ({error}); compile ink stories "
            "with inklecate and import the .json file"
        ) from error


def read_story(
    source: Path, story_name: str | None = None
) -> tuple[StoryDraft, ImportReport]:
    """Read ``source`` into a draft and a report, writing nothing."""
    source = Path(source)
    report = ImportReport(source=str(source))
    if not source.exists():
        raise StoryImportError(f"{source}: no such file or folder; check the path")
    suffix = source.suffix.lower()
    try:
        if source.is_dir() or suffix in twee.TWEE_SUFFIXES:
            raw = twee.read_twee(source, report)
            return build_draft(raw, report), report
        if suffix in HTML_SUFFIXES:
            raw = twine_html.read_html(source, report, story_name)
            return build_draft(raw, report), report
        if suffix in INK_SUFFIXES:
            data = _read_json(source)
            if twine_json.is_twine_json(data):
                raw = twine_json.read_twine_json(data, source, report)
                return build_draft(raw, report), report
            return ink.read_ink(source, report), report
    except (ValueError, OSError) as error:
        raise StoryImportError(str(error)) from error
    # TODO: Twine 1 .tws files (Python pickles) are not read.
    if suffix == ".ink":
        raise StoryImportError(
            f"{source}: ink source cannot be imported directly; compile it to JSON "
            "with inklecate (or Inky's Export to JSON) and import the .json file"
        )
    raise StoryImportError(
        f"{source}: unknown story format {suffix or '(no extension)'!r}; import a "
        ".twee or .tw file, a folder of them, a Twine .html file, Twine 2 JSON or "
        "compiled ink .json"
    )


def import_story(
    source: Path, destination: Path, story_name: str | None = None
) -> ImportReport:
    """Import ``source`` into the new project file ``destination``."""
    draft, report = read_story(source, story_name)
    if not draft.scenes:
        raise StoryImportError(
            f"{source}: the story has no passages that can become scenes; check that "
            "it is the right file"
        )
    if story_name is not None and report.source_format != "Twine 2 HTML":
        report.warn("--story applies only to Twine 2 HTML archives; it was ignored")
    write_project(draft, Path(destination))
    logger.info("Imported %s into %s", source, destination)
    return report
