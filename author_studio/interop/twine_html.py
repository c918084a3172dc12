"""Read Twine 2 and Twine 1 HTML, and write Twine 2 archive HTML.

Twine 2 (HTML output v1.0.2 and archive v1.0.0): one ``<tw-storydata>`` per story,
holding ``<tw-passagedata>`` passages, ``<tw-tag>`` colours, a ``<style>`` story
stylesheet and a ``<script>`` story JavaScript. A published story has exactly one;
a library archive has one or more. Twine 1 keeps passages as ``<div tiddler>``
children of ``#storeArea`` or ``#store-area``, with ``\\n``, ``\\t`` and ``\\s``
(backslash) escapes inside the HTML-escaped text.

The stdlib HTML parser decodes entities in text and attributes, and it treats the
content of ``<script>`` and ``<style>`` as raw text, so the story-format engine
inlined in a published file is never mistaken for story data. Line endings
become LF and trailing blank lines of a passage are dropped, as in Twee.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from author_studio import __version__
from author_studio.interop.draft import AssetDraft, ImportReport
from author_studio.interop.passages import RawPassage, RawStory

logger = logging.getLogger(__name__)

SCRIPT_ASSET = "StoryScript"
STYLESHEET_ASSET = "StoryStylesheet"


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    line: int
    text: list[str] = field(default_factory=list)


class _StoryParser(HTMLParser):
    """Collect Twine 2 stories and the Twine 1 store area of one document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stories: list[tuple[_Element, list[_Element]]] = []
        self.tiddlers: list[_Element] = []
        self.twine1_css: list[str] = []
        self._story: tuple[_Element, list[_Element]] | None = None
        self._open: _Element | None = None
        self._in_store = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        if tag == "tw-storydata":
            self._story = (_Element(tag, values, line), [])
            self.stories.append(self._story)
            return
        if self._story is not None and tag in (
            "tw-passagedata",
            "tw-tag",
            "style",
            "script",
        ):
            self._open = _Element(tag, values, line)
            self._story[1].append(self._open)
            return
        if tag == "div" and values.get("id") in ("storeArea", "store-area"):
            self._in_store = 1
            return
        if self._in_store and tag == "div":
            self._in_store += 1
            if "tiddler" in values:
                self._open = _Element("tiddler", values, line)
                self.tiddlers.append(self._open)
            return
        if tag == "style" and values.get("id") in ("storyCSS", "story-style"):
            self._open = _Element("twine1-css", values, line)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tw-storydata":
            self._story = None
        elif self._in_store and tag == "div":
            self._in_store -= 1
        if self._open is not None and (
            tag == self._open.tag
            or (tag == "div" and self._open.tag == "tiddler")
            or (tag == "style" and self._open.tag == "twine1-css")
        ):
            if self._open.tag == "twine1-css":
                self.twine1_css.append("".join(self._open.text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        logger.warning("%s is not UTF-8; reading it as Windows-1252", path)
        return data.decode("cp1252", errors="replace")


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _passage_text(text: str) -> str:
    # Trailing blank lines are dropped, as Twee 3 requires, so a story reads the
    # same from its HTML and from its Twee source.
    lines = _lines(text).split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def story_names(path: Path) -> list[str]:
    """Return the names of the Twine 2 stories in an HTML file."""
    parser = _StoryParser()
    parser.feed(_decode(path.read_bytes(), path))
    return [story.attrs.get("name", "") for story, _ in parser.stories]


def read_html(
    path: Path, report: ImportReport, story_name: str | None = None
) -> RawStory:
    """Read one story from a Twine 2 or Twine 1 HTML file.

    ``story_name`` picks a story from a library archive; it is required when the
    archive contains more than one.
    """
    parser = _StoryParser()
    parser.feed(_decode(path.read_bytes(), path))
    parser.close()
    if parser.stories:
        return _twine2(path, parser, report, story_name)
    if parser.tiddlers:
        if story_name:
            report.warn("--story was ignored: a Twine 1 file contains one story")
        return _twine1(path, parser, report)
    raise ValueError(
        f"{path}: no Twine story found (no <tw-storydata> and no storeArea); "
        "publish or archive the story from Twine and import that file"
    )


def _twine2(path, parser, report, story_name) -> RawStory:
    names = [story.attrs.get("name", "") for story, _ in parser.stories]
    if story_name is not None:
        if story_name not in names:
            raise ValueError(
                f"{path}: no story named {story_name!r}; the file contains "
                + ", ".join(repr(n) for n in names)
            )
        index = names.index(story_name)
    elif len(names) > 1:
        raise ValueError(
            f"{path}: the archive contains {len(names)} stories ("
            + ", ".join(repr(n) for n in names)
            + "); pick one with --story NAME"
        )
    else:
        index = 0
    story, children = parser.stories[index]
    attrs = story.attrs
    raw = RawStory(
        passages=[],
        title=attrs.get("name", ""),
        ifid=attrs.get("ifid", ""),
        story_format=attrs.get("format", ""),
        story_format_version=attrs.get("format-version", ""),
        has_story_data=True,
    )
    zoom = attrs.get("zoom")
    try:
        raw.zoom = float(zoom) if zoom else None
    except ValueError:
        report.warn(
            f"zoom {zoom!r} is not a number; it was ignored", path.name, story.line
        )
    start_pid = attrs.get("startnode", "")
    for child in children:
        text = _lines("".join(child.text))
        if child.tag == "tw-passagedata":
            raw.passages.append(
                RawPassage(
                    name=child.attrs.get("name", ""),
                    tags=child.attrs.get("tags", "").split(),
                    text=_passage_text(text),
                    file=path.name,
                    line=child.line,
                    position=child.attrs.get("position"),
                    size=child.attrs.get("size"),
                    pid=child.attrs.get("pid", ""),
                    text_on_header_line=True,
                )
            )
        elif child.tag == "tw-tag" and child.attrs.get("name"):
            raw.tag_colors[child.attrs["name"]] = child.attrs.get("color", "")
        elif child.tag == "style" and text.strip():
            raw.assets.append(
                AssetDraft(STYLESHEET_ASSET, "stylesheet", text, ["stylesheet"])
            )
        elif child.tag == "script" and text.strip():
            raw.assets.append(AssetDraft(SCRIPT_ASSET, "script", text, ["script"]))
    for passage in raw.passages:
        if passage.pid and passage.pid == start_pid:
            raw.start = passage.name
    if start_pid and not raw.start:
        report.warn(f"startnode {start_pid!r} names no passage", path.name, story.line)
    report.source_format = "Twine 2 HTML"
    return raw


def _twine1_text(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            replacement = {"n": "\n", "t": "\t", "s": "\\"}.get(following)
            if replacement is not None:
                out.append(replacement)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def _twine1(path, parser, report) -> RawStory:
    passages = []
    for element in parser.tiddlers:
        passages.append(
            RawPassage(
                name=element.attrs.get("tiddler", ""),
                tags=element.attrs.get("tags", "").split(),
                text=_passage_text(_twine1_text("".join(element.text))),
                file=path.name,
                line=element.line,
                position=element.attrs.get("twine-position"),
                text_on_header_line=True,
            )
        )
    settings = next((p for p in passages if p.name == "StorySettings"), None)
    if settings and "obfuscate:rot13" in settings.text.replace(" ", ""):
        for passage in passages:
            if passage is not settings:
                passage.name = _rot13(passage.name)
                passage.text = _rot13(passage.text)
    raw = RawStory(passages=passages)
    raw.take_story_passages(report)
    author = next((p for p in raw.passages if p.name == "StoryAuthor"), None)
    if author:
        raw.author = author.text.strip()
    for css in parser.twine1_css:
        if css.strip():
            raw.assets.append(AssetDraft(STYLESHEET_ASSET, "stylesheet", _lines(css)))
    report.source_format = "Twine 1 HTML"
    return raw


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _raw_text(text: str, element: str) -> str:
    # <script> and <style> content is raw text in HTML: entities are not decoded,
    # so the code goes in as it is, and only a closing tag inside it is broken up.
    return re.sub(f"</({element})", r"<\\/\1", text, flags=re.IGNORECASE)


_ELEMENT_KINDS = ("script", "stylesheet")


def _y(position: object) -> float:
    try:
        return float(str(position).split(",")[1])
    except (IndexError, ValueError):
        return 0.0


def write_archive(story: RawStory) -> str:
    """Write one story as Twine 2 archive HTML (a file Twine 2 can import)."""
    pids = {passage.name: str(index) for index, passage in enumerate(story.passages, 1)}
    start = pids.get(story.start, "1" if story.passages else "")
    attrs = {
        "name": story.title,
        "startnode": start,
        "creator": "Author Studio",
        "creator-version": __version__,
        "format": story.story_format,
        "format-version": story.story_format_version,
        "ifid": story.ifid,
        "options": "",
        "tags": "",
        "zoom": f"{story.zoom:g}" if story.zoom is not None else "1",
    }
    head = " ".join(f'{key}="{_attr(value)}"' for key, value in attrs.items())
    parts = [f"<tw-storydata {head} hidden>"]
    styles = [a.text for a in story.assets if a.kind == "stylesheet"]
    scripts = [a.text for a in story.assets if a.kind == "script"]
    parts.append(
        '<style role="stylesheet" id="twine-user-stylesheet" type="text/twine-css">'
        + _raw_text("\n\n".join(styles), "style")
        + "</style>"
    )
    parts.append(
        '<script role="script" id="twine-user-script" type="text/twine-javascript">'
        + _raw_text("\n\n".join(scripts), "script")
        + "</script>"
    )
    for name, color in sorted(story.tag_colors.items()):
        parts.append(f'<tw-tag name="{_attr(name)}" color="{_attr(color)}"></tw-tag>')
    # Story assets have no place on the canvas; Twine 2 needs a position for
    # every passage, so they go in a row below the scenes.
    bottom = max((_y(p.position) for p in story.passages), default=0.0) + 250
    extra = [
        RawPassage(
            name=a.name,
            tags=list(a.tags),
            text=a.text,
            position=f"{i * 125},{bottom:g}",
        )
        for i, a in enumerate(a for a in story.assets if a.kind not in _ELEMENT_KINDS)
    ]
    for passage in [*story.passages, *extra]:
        if passage.name not in pids:
            pids[passage.name] = str(len(pids) + 1)
        passage_attrs = {
            "pid": pids[passage.name],
            "name": passage.name,
            "tags": " ".join(passage.tags),
            "position": passage.position or "",
            "size": passage.size or "100,100",
        }
        head = " ".join(f'{k}="{_attr(str(v))}"' for k, v in passage_attrs.items())
        parts.append(
            f"<tw-passagedata {head}>{html.escape(passage.text, quote=True)}"
            "</tw-passagedata>"
        )
    parts.append("</tw-storydata>")
    return "".join(parts) + "\n"
