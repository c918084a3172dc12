"""Read and write Twee source: Twee 3, and Twee 1 where it differs.

Twee 3 (v3.0.2 of the specification) puts a passage header on one line:
``:: Name [tags] {"position":"600,400","size":"100,200"}``. In names and tags a
backslash escapes the next character, so ``[ ] { } \\`` are written ``\\[ \\] \\{
\\} \\\\``. Twee 1 has no metadata block and no StoryData; its start passage is
``Start``. The Twee 2 position block ``<600,400>`` after the tags is read as well.
Files are UTF-8 with or without a BOM, with LF, CRLF or CR line endings.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from author_studio.interop.draft import ImportReport
from author_studio.interop.passages import RawPassage, RawStory

logger = logging.getLogger(__name__)

TWEE_SUFFIXES = (".twee", ".tw")
_TWEE3_MARK = re.compile(r"(?m)^::\s*StoryData\s*$|^::[^\n]*\{\s*\"")
_TWEE2_POSITION = re.compile(r"^<\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*>$")


def unescape(text: str) -> str:
    """Decode a Twee 3 name or tag: any ``\\x`` yields ``x``."""
    return re.sub(r"\\(.)", r"\1", text)


def escape(text: str) -> str:
    """Encode a name or tag for a Twee 3 header."""
    return re.sub(r"([\\\[\]{}])", r"\\\1", text)


def _split_header(rest: str) -> tuple[str, str | None, str | None]:
    """Split a header after ``::`` into raw name, tag block and metadata block.

    The name ends at the first unescaped ``[`` or ``{``; the tag block ends at the
    first unescaped ``]``. Returned parts are still escaped.
    """
    index = 0
    name_end = len(rest)
    while index < len(rest):
        char = rest[index]
        if char == "\\":
            index += 2
            continue
        if char in "[{":
            name_end = index
            break
        index += 1
    name = rest[:name_end]
    remainder = rest[name_end:]
    tags = None
    if remainder.startswith("["):
        index = 1
        while index < len(remainder):
            if remainder[index] == "\\":
                index += 2
                continue
            if remainder[index] == "]":
                break
            index += 1
        tags = remainder[1:index]
        remainder = remainder[index + 1 :].lstrip(" \t")
    metadata = remainder.strip() or None
    return name, tags, metadata


_TWEE1_HEADER = re.compile(
    r"^::\s*(.*?)\s*(?:\[([^\]]*)\])?\s*(?:<\s*(-?\d+)\s*,\s*(-?\d+)\s*>)?\s*$"
)


def parse_twee1_header(line: str, file: str, number: int) -> RawPassage:
    """Parse a Twee 1 header: a name, an optional tag block and an optional Twee 2
    position ``<x,y>``, with no escapes."""
    match = _TWEE1_HEADER.match(line)
    assert match is not None
    name, tags = match.group(1), (match.group(2) or "").split()
    passage = RawPassage(name=name, tags=tags, text="", file=file, line=number)
    if match.group(3) is not None:
        passage.position = f"{match.group(3)},{match.group(4)}"
    return passage


def parse_header(line: str, file: str, number: int, report: ImportReport) -> RawPassage:
    """Parse one Twee 3 header line (it starts with ``::``) into an empty passage."""
    raw_name, raw_tags, metadata = _split_header(line[2:])
    name = unescape(raw_name.strip(" \t"))
    tags = [unescape(tag) for tag in (raw_tags or "").split()]
    passage = RawPassage(name=name, tags=tags, text="", file=file, line=number)
    if metadata is None:
        return passage
    twee2 = _TWEE2_POSITION.match(metadata)
    if twee2:
        passage.position = f"{twee2.group(1)},{twee2.group(2)}"
        return passage
    try:
        decoded = json.loads(metadata)
        if not isinstance(decoded, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        report.warn(
            f"passage {name!r}: the metadata block {metadata!r} is not a JSON "
            f"object ({error}); it was ignored and the passage is laid out "
            "automatically",
            file,
            number,
        )
        return passage
    passage.position = decoded.get("position")
    passage.size = decoded.get("size")
    return passage


def read_text(path: Path) -> str:
    """Read a source file as UTF-8, dropping a BOM and normalising line endings."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: byte {error.start} is not valid UTF-8; save the file as "
            "UTF-8 and import it again"
        ) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_twee(
    text: str, file: str, report: ImportReport, twee1: bool = False
) -> list[RawPassage]:
    """Split Twee source into passages; text before the first header is reported.

    With ``twee1``, headers are read as Twee 1: no escapes and no metadata block.
    """
    passages: list[RawPassage] = []
    current: RawPassage | None = None
    body: list[str] = []

    def finish() -> None:
        if current is None:
            if "".join(body).strip():
                report.warn("text before the first passage header was ignored", file, 1)
            return
        while body and not body[-1].strip():
            body.pop()
        current.text = "\n".join(body)
        passages.append(current)

    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("::"):
            finish()
            if twee1:
                current = parse_twee1_header(line, file, number)
            else:
                current = parse_header(line, file, number, report)
            body = []
        else:
            body.append(line)
    finish()
    return passages


def source_files(source: Path) -> list[Path]:
    """Return the Twee files of a file or of a folder tree, in a stable order."""
    if source.is_file():
        return [source]
    files = [
        path
        for path in source.rglob("*")
        if path.is_file()
        and path.suffix.lower() in TWEE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(source).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(source).as_posix())


def read_twee(source: Path, report: ImportReport) -> RawStory:
    """Read a Twee file or a folder of Twee files into one story."""
    files = source_files(source)
    if not files:
        raise ValueError(
            f"{source}: no .twee or .tw files found; pick a Twee file or a folder "
            "that contains some"
        )
    texts = {path: read_text(path) for path in files}
    # Twee 3 is told apart from Twee 1 by its StoryData passage or a metadata
    # block on any header; only Twee 3 has backslash escapes in headers.
    twee1 = not any(_TWEE3_MARK.search(text) for text in texts.values())
    passages: list[RawPassage] = []
    for path, text in texts.items():
        label = path.name if source.is_file() else path.relative_to(source).as_posix()
        passages.extend(parse_twee(text, label, report, twee1))
    story = RawStory(passages=passages)
    story.take_story_passages(report)
    if not story.title:
        story.title = source.stem if source.is_file() else source.name
        report.warn(
            f"no StoryTitle passage; the title {story.title!r} was taken from the "
            "file name"
        )
    report.source_format = "Twee 1" if twee1 else "Twee 3"
    return story


def _header(name: str, tags: list[str], metadata: dict[str, str] | None) -> str:
    header = ":: " + escape(name)
    if tags:
        header += " [" + " ".join(escape(tag) for tag in tags) + "]"
    if metadata:
        header += " " + json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    return header


def write_twee(story: RawStory) -> str:
    """Write a story as Twee 3: StoryTitle, StoryData, then every passage."""
    data: dict[str, object] = {"ifid": story.ifid}
    if story.story_format:
        data["format"] = story.story_format
    if story.story_format_version:
        data["format-version"] = story.story_format_version
    if story.start:
        data["start"] = story.start
    if story.tag_colors:
        data["tag-colors"] = dict(sorted(story.tag_colors.items()))
    if story.zoom is not None:
        data["zoom"] = story.zoom
    chunks = [
        ":: StoryTitle\n" + story.title,
        ":: StoryData\n" + json.dumps(data, indent=2, ensure_ascii=False),
    ]
    for passage in story.passages:
        metadata = {}
        if passage.position:
            metadata["position"] = passage.position
        if passage.size:
            metadata["size"] = passage.size
        header = _header(passage.name, passage.tags, metadata)
        # A line of the text that starts with "::" would read as a header, so it
        # gets a leading space; Twee has no other escape for passage text.
        text = re.sub(r"(?m)^::", " ::", passage.text)
        chunks.append(header + "\n" + text)
    for asset in story.assets:
        tags = list(asset.tags)
        if asset.kind in ("script", "stylesheet") and asset.kind not in tags:
            tags.append(asset.kind)
        text = re.sub(r"(?m)^::", " ::", asset.text)
        chunks.append(_header(asset.name, tags, None) + "\n" + text)
    return "\n\n\n".join(chunks) + "\n"
