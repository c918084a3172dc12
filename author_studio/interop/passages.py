"""Twine passages as read from Twee or HTML, and their conversion to a story draft.

Every Twine reader produces a :class:`RawStory`; :func:`build_draft` turns it into
scenes, choices, variables and story assets the same way for all of them, so a
Twee file and its published HTML give the same project.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from author_studio.domain import expressions
from author_studio.domain.errors import ValidationError
from author_studio.domain.model import (
    LinkKind,
    Scene,
    SceneKind,
    Variable,
    VariableType,
)
from author_studio.domain.validation import KEY_PATTERN, MAX_DURATION_S, validate_tag
from author_studio.interop import links
from author_studio.interop.draft import (
    AssetDraft,
    ChoiceDraft,
    ImportReport,
    StoryDraft,
)

logger = logging.getLogger(__name__)

# Passages that configure a story format rather than tell the story. They are
# kept as story assets, so an export writes them back unchanged.
SPECIAL_NAMES = {
    # SugarCube 2
    "StoryInit", "StoryCaption", "StoryMenu", "StoryBanner", "StoryAuthor",
    "StorySubtitle", "StoryShare", "StoryInterface", "StoryDisplayTitle",
    "PassageReady", "PassageDone", "PassageHeader", "PassageFooter",
    # Twine 1
    "StorySettings", "StoryIncludes",
}  # fmt: skip
SPECIAL_TAGS = {
    "script": "script",
    "stylesheet": "stylesheet",
    "widget": "widget",
    "Twine.image": "image",
    "annotation": "annotation",
    "Twine.private": "special",
    "header": "special",
    "footer": "special",
    "startup": "special",
    "debug-header": "special",
    "debug-footer": "special",
    "debug-startup": "special",
}
# Tags that mark a passage as an ending even when it links on (to a restart).
ENDING_TAGS = re.compile(r"^(end|ending|the-?end|.*[-_]ending|ending[-_].*)$", re.I)
DEFAULT_SIZE = "100,100"
# A spoken-script estimate: 150 words a minute, at least 5 seconds a scene.
WORDS_PER_SECOND = 2.5
MIN_DURATION_S = 5.0
LAYOUT_ASSET = "Twine passage layout"


@dataclass
class RawPassage:
    name: str
    tags: list[str]
    text: str
    file: str = ""
    line: int = 0
    position: object = None
    size: object = None
    pid: str = ""
    text_on_header_line: bool = False


@dataclass
class RawStory:
    passages: list[RawPassage]
    title: str = ""
    ifid: str = ""
    story_format: str = ""
    story_format_version: str = ""
    start: str = ""
    tag_colors: dict[str, str] = field(default_factory=dict)
    zoom: float | None = None
    author: str = ""
    has_story_data: bool = False
    assets: list[AssetDraft] = field(default_factory=list)

    def take_story_passages(self, report: ImportReport) -> None:
        """Move StoryTitle and StoryData out of the passage list into the fields."""
        kept = []
        for passage in self.passages:
            if passage.name == "StoryTitle":
                self.title = passage.text.strip()
            elif passage.name == "StoryData":
                self._read_story_data(passage, report)
            else:
                kept.append(passage)
        self.passages = kept

    def _read_story_data(self, passage: RawPassage, report: ImportReport) -> None:
        self.has_story_data = True
        try:
            data = json.loads(passage.text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            report.warn(
                f"StoryData is not a JSON object ({error}); it was ignored",
                passage.file,
                passage.line,
            )
            return
        self.ifid = str(data.get("ifid") or "")
        self.story_format = str(data.get("format") or "")
        self.story_format_version = str(data.get("format-version") or "")
        self.start = str(data.get("start") or "")
        colors = data.get("tag-colors") or {}
        if isinstance(colors, dict):
            self.tag_colors = {str(k): str(v) for k, v in colors.items()}
        zoom = data.get("zoom")
        if isinstance(zoom, (int, float)) and not isinstance(zoom, bool):
            self.zoom = float(zoom)


def scene_key(name: str) -> str:
    """Return a key for a passage name: ASCII letters and digits joined by ``_``.

    Accents are dropped (``Ordidébut`` gives ``ordidebut``); a name with no letter
    or digit left gives ``passage``. The key is stable: the same name always gives
    the same key, before duplicates are numbered.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_name.lower())
    key = "_".join(words)[:60].strip("_") or "passage"
    return key


def _unique_keys(names: list[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = scene_key(name)
        key, number = base, 2
        while key in used:
            key = f"{base}_{number}"
            number += 1
        assert KEY_PATTERN.match(key)
        used.add(key)
        keys[name] = key
    return keys


def _parse_pair(value: object) -> tuple[float, float] | None:
    if not isinstance(value, str):
        return None
    parts = value.split(",")
    if len(parts) != 2:
        return None
    try:
        first, second = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if first != first or second != second or abs(first) > 1e7 or abs(second) > 1e7:
        return None
    return first, second


def _special_kind(passage: RawPassage) -> str | None:
    for tag in passage.tags:
        if tag in SPECIAL_TAGS:
            return SPECIAL_TAGS[tag]
    if passage.name in SPECIAL_NAMES:
        return "special"
    return None


def _duration(text: str) -> float:
    visible = re.sub(r"<<.*?>>|\(\w[\w-]*:.*?\)|<[^>]+>|\[\[|\]\]", " ", text)
    words = len(re.findall(r"\w+", visible))
    # An estimate above the model's limit comes from a huge passage, not from the
    # author, so it is capped rather than failing the import.
    estimate = min(MAX_DURATION_S, max(MIN_DURATION_S, words / WORDS_PER_SECOND))
    return round(estimate, 1)


def _clean_tags(passage: RawPassage, report: ImportReport) -> list[str]:
    tags = []
    for tag in passage.tags:
        try:
            validate_tag(tag)
        except ValidationError:
            report.warn(f"passage {passage.name!r}: tag {tag!r} dropped", passage.file)
            continue
        if tag not in tags:
            tags.append(tag)
    return tags


class _Builder:
    def __init__(self, raw: RawStory, report: ImportReport) -> None:
        self.raw = raw
        self.report = report
        self.draft = StoryDraft(
            title=raw.title or "Untitled story",
            ifid=raw.ifid,
            story_format=raw.story_format,
            story_format_version=raw.story_format_version,
            author=raw.author,
            tag_colors=dict(raw.tag_colors),
            assets=list(raw.assets),
        )
        self.variable_types: dict[str, VariableType] = {}
        self.initials: dict[str, bool | int | str] = {}

    def build(self) -> StoryDraft:
        self._check_ifid()
        passages = self._dedupe(self.raw.passages)
        self.report.passages = len(passages)
        scene_passages = self._split_special(passages)

        keys = _unique_keys([p.name for p in scene_passages])
        start = self._start_name(scene_passages)
        layout: dict[str, str] = {}
        scenes = [
            self._scene(passage, keys[passage.name], passage.name == start, layout)
            for passage in scene_passages
        ]

        special = {asset.name for asset in self.draft.assets}
        for scene, passage in zip(scenes, scene_passages, strict=True):
            outgoing = self._choices(passage, keys, special)
            ending_tag = any(ENDING_TAGS.match(tag) for tag in scene.tags)
            if scene.kind is SceneKind.SCENE and (outgoing == 0 or ending_tag):
                scene.kind = SceneKind.ENDING

        auto_layout(scenes, self.draft.choices)
        self.draft.scenes = scenes
        self.draft.variables = self._variables()
        if layout or self.raw.zoom is not None:
            meta = json.dumps(
                {"sizes": layout, "zoom": self.raw.zoom}, ensure_ascii=False
            )
            self.draft.assets.append(AssetDraft(LAYOUT_ASSET, "twine_layout", meta))
        return self.draft

    def _split_special(self, passages: list[RawPassage]) -> list[RawPassage]:
        """Keep special passages as story assets; return the story passages."""
        story_passages = []
        for passage in passages:
            kind = _special_kind(passage)
            if kind is None:
                story_passages.append(passage)
                continue
            asset = AssetDraft(passage.name, kind, passage.text, list(passage.tags))
            self.draft.assets.append(asset)
            if passage.name == "StoryInit":
                self._read_initials(passage.text)
        return story_passages

    def _scene(self, passage: RawPassage, key: str, is_start: bool, layout) -> Scene:
        scene = Scene(
            key=key,
            title=passage.name,
            script=passage.text,
            tags=_clean_tags(passage, self.report),
            duration_s=_duration(passage.text),
            kind=SceneKind.START if is_start else SceneKind.SCENE,
        )
        self._place(scene, passage, layout)
        return scene

    def _check_ifid(self) -> None:
        if re.fullmatch(r"[0-9A-Fa-f-]{8,63}", self.raw.ifid or ""):
            self.draft.ifid = self.raw.ifid.upper()
            return
        self.draft.ifid = str(uuid.uuid4()).upper()
        found = f"the IFID {self.raw.ifid!r} is invalid" if self.raw.ifid else "no IFID"
        self.report.warn(
            f"the story has {found}; generated {self.draft.ifid}. Keep this one "
            "so that later exports are recognised as the same story"
        )

    def _dedupe(self, passages: list[RawPassage]) -> list[RawPassage]:
        seen: dict[str, RawPassage] = {}
        kept = []
        for passage in passages:
            if not passage.name.strip():
                passage.name = f"Untitled passage {passage.line or len(kept) + 1}"
                self.report.warn(
                    f"a passage has no name; it was named {passage.name!r}",
                    passage.file,
                    passage.line or None,
                )
            first = seen.get(passage.name)
            if first is None:
                seen[passage.name] = passage
                kept.append(passage)
                continue
            where = f"{first.file}:{first.line}" if first.file else "earlier"
            self.report.warn(
                f"a second passage named {passage.name!r} (the first is at {where}); "
                "the first was used and the second kept as a story asset named "
                f"{passage.name!r} (duplicate {passage.line})",
                passage.file,
                passage.line,
            )
            self.draft.assets.append(
                AssetDraft(
                    f"{passage.name} (duplicate {passage.line})",
                    "duplicate",
                    passage.text,
                    list(passage.tags),
                )
            )
        return kept

    def _start_name(self, passages: list[RawPassage]) -> str | None:
        names = [p.name for p in passages]
        if self.raw.start and self.raw.start in names:
            return self.raw.start
        if self.raw.start:
            self.report.warn(
                f"the start passage {self.raw.start!r} does not exist; "
                f"{'Start' if 'Start' in names else names[0] if names else 'none'!r} "
                "was used"
            )
        if "Start" in names:
            return "Start"
        return names[0] if names else None

    def _place(self, scene: Scene, passage: RawPassage, layout: dict) -> None:
        position = _parse_pair(passage.position)
        if passage.position is not None and position is None:
            self.report.warn(
                f"passage {passage.name!r}: position {passage.position!r} is not "
                "'x,y'; the passage is laid out automatically",
                passage.file,
                passage.line or None,
            )
        if passage.size is not None:
            size = _parse_pair(passage.size)
            if size is None or size[0] <= 0 or size[1] <= 0:
                self.report.warn(
                    f"passage {passage.name!r}: size {passage.size!r} is not "
                    "'width,height'; the default size is used",
                    passage.file,
                    passage.line or None,
                )
            elif passage.size != DEFAULT_SIZE:
                layout[passage.name] = str(passage.size)
        if position is None:
            scene.x = scene.y = float("nan")
        else:
            scene.x, scene.y = position

    def _choices(
        self, passage: RawPassage, keys: dict[str, str], special: set[str]
    ) -> int:
        # TODO: a link inside <<if>> or (if:) imports without a condition, and
        # <<timed>> or (live:) around a go-to gives no choice window.
        scan = links.scan_passage(passage.text, self.raw.story_format)
        file = passage.file
        # The line before the passage text: the header line in Twee; in HTML the
        # text starts on the line of its opening tag.
        base = passage.line - 1 if passage.text_on_header_line else passage.line
        seen: set[tuple[str, str, str]] = set()
        count = 0
        for macro in scan.unfollowed:
            self.report.keep(
                passage.name,
                f"navigation to a computed passage: {macro.text}",
                file,
                base + macro.line if passage.line else None,
            )
        for link in scan.links:
            line = base + link.line if passage.line else None
            if not self._followable(passage, link, keys, special, line):
                continue
            effects = self._effects(passage, link, line)
            label = " ".join(link.label.split()) or link.target
            identity = (link.target, label, effects)
            if identity in seen:
                continue
            seen.add(identity)
            count += 1
            self.draft.choices.append(
                ChoiceDraft(
                    source_key=keys[passage.name],
                    target_key=keys[link.target],
                    label=label,
                    effects=effects,
                    link_kind=link.kind,
                    position=count,
                )
            )
            self.report.choices += 1
            if link.kind is LinkKind.MACRO:
                self.report.macro_choices += 1
        return count

    def _followable(
        self,
        passage: RawPassage,
        link: links.FoundLink,
        keys: dict[str, str],
        special: set[str],
        line: int | None,
    ) -> bool:
        """Report a link that cannot become a choice; return whether it can."""
        if link.external:
            what = f"link to a web address {link.target!r}"
            self.report.keep(passage.name, what, passage.file, line)
            return False
        if link.target in keys:
            return True
        if link.target in special:
            what = f"link to the special passage {link.target!r}"
            self.report.keep(passage.name, what, passage.file, line)
        else:
            self.report.warn(
                f"passage {passage.name!r} links to {link.target!r}, which does not "
                "exist; no choice was made for it",
                passage.file,
                line,
            )
        return False

    def _effects(
        self, passage: RawPassage, link: links.FoundLink, line: int | None
    ) -> str:
        if not link.setter:
            return ""
        assignments = links.translate_setter(link.setter)
        if assignments is not None and not _parses(links.effect_text(assignments)):
            assignments = None
        if assignments is None or not self._record_types(assignments):
            self.report.keep(
                passage.name,
                f"setter [{link.setter}] of the link to {link.target!r}",
                passage.file,
                line,
            )
            return ""
        return links.effect_text(assignments)

    def _record_types(self, assignments) -> bool:
        types = {}
        for name, _operator, value in assignments:
            kind = _type_of(value)
            known = self.variable_types.get(name) or types.get(name)
            if known is not None and known is not kind:
                return False
            types[name] = kind
        self.variable_types.update(types)
        return True

    def _read_initials(self, text: str) -> None:
        for match in re.finditer(r"<<set\s+(.*?)>>", text, re.DOTALL):
            for part in re.split(r"[;,]\s*(?=\$)", match.group(1)):
                assignments = links.translate_setter(part.strip())
                if assignments and assignments[0][1] == "=":
                    name, _, value = assignments[0]
                    self.initials.setdefault(name, value)

    def _variables(self) -> list[Variable]:
        variables = []
        for name, kind in sorted(self.variable_types.items()):
            initial = self.initials.get(name)
            if initial is None or _type_of(initial) is not kind:
                initial = {VariableType.BOOL: False, VariableType.INT: 0}.get(kind, "")
            variables.append(
                Variable(
                    name=name,
                    type=kind,
                    initial=initial,
                    description="Set by SugarCube setter links on import.",
                )
            )
        return variables


def _parses(effects: str) -> bool:
    # A SugarCube name such as $not or $true is no variable name in the
    # expression language, so such a setter stays in the text only.
    try:
        expressions.parse_effects(effects)
    except expressions.ExpressionError:
        return False
    return True


def _type_of(value: bool | int | str) -> VariableType:
    if isinstance(value, bool):
        return VariableType.BOOL
    if isinstance(value, int):
        return VariableType.INT
    return VariableType.TEXT


def auto_layout(scenes: list[Scene], choices: list[ChoiceDraft]) -> None:
    """Place scenes with no valid position in columns by distance from the start.

    Placed scenes go to the right of every scene that kept its Twine position.
    """
    missing = [s for s in scenes if s.x != s.x]
    if not missing:
        return
    placed = [s for s in scenes if s.x == s.x]
    left = max((s.x for s in placed), default=-250.0) + 250.0
    following: dict[str, list[str]] = {}
    for choice in choices:
        following.setdefault(choice.source_key, []).append(choice.target_key)
    depth: dict[str, int] = {}
    roots = [s.key for s in scenes if s.kind is SceneKind.START] + [
        s.key for s in scenes
    ]
    for root in roots:
        if root in depth:
            continue
        depth[root] = 0 if not depth else max(depth.values()) + 1
        queue = [root]
        while queue:
            key = queue.pop(0)
            for target in following.get(key, []):
                if target not in depth:
                    depth[target] = depth[key] + 1
                    queue.append(target)
    rows: dict[int, int] = {}
    for scene in missing:
        column = depth.get(scene.key, 0)
        row = rows.get(column, 0)
        rows[column] = row + 1
        scene.x = left + column * 200.0
        scene.y = 100.0 + row * 150.0


def build_draft(raw: RawStory, report: ImportReport) -> StoryDraft:
    """Turn Twine passages into scenes, choices, variables and story assets."""
    draft = _Builder(raw, report).build()
    report.scenes = len(draft.scenes)
    report.endings = sum(1 for s in draft.scenes if s.kind is SceneKind.ENDING)
    report.assets = len(draft.assets)
    report.variables = len(draft.variables)
    return draft
