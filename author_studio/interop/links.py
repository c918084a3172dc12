"""Find the links and navigation macros in the text of a Twine passage.

Link syntax follows the Twine 2 editor, which is what draws the arrows of a story
map: ``[[target]]``, ``[[label|target]]``, ``[[label->target]]`` (the rightmost
``->`` divides) and ``[[target<-label]]`` (the leftmost ``<-`` divides), each with
an optional SugarCube setter ``[[label|target][$x to 1]]``. A link cannot span a
line. One change to the editor's pattern: the closing ``]]`` is the last of a run
of brackets, so a passage named ``a[1]`` can be linked as ``[[a[1]]]``.

Navigation macros with a literal passage name become macro links: Harlowe
``(go-to:)``, ``(link-goto:)``, ``(click-goto:)``, ``(link-reveal-goto:)``,
``(display:)``, ``(redirect:)``; SugarCube and Twine 1 ``<<goto>>``,
``<<link "text" "passage">>``, ``<<button>>``, ``<<include>>``, ``<<display>>``,
``<<choice>>``, ``<<actions>>``; Chapbook ``{link to:}``, ``{embed passage:}``,
``{reveal link: ..., passage:}``; Snowman ``data-passage="..."``. A macro whose
passage is computed (``<<goto $next>>``) cannot be followed and is reported.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from author_studio.domain.model import LinkKind

logger = logging.getLogger(__name__)

_LINK = re.compile(r"\[\[(?!\[)(.*?)\]\]")
# Twine 2 treats a target that starts with a scheme as an external link.
_URL = re.compile(r"^\w+:\/\/\/?\w", re.IGNORECASE)
_STRING = r"""(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')"""
_STRING_RE = re.compile(_STRING)

_HARLOWE = re.compile(
    r"\((go-?to|link-goto|click-goto|link-reveal-goto|display|redirect|"
    r"mouseover-goto|mouseout-goto)\s*:\s*([^)\n]*)\)",
    re.IGNORECASE,
)
_SUGARCUBE = re.compile(
    r"<<\s*(goto|link|button|include|display|choice|actions)\b([^>\n]*(?:>(?!>)"
    r"[^>\n]*)*)>>",
)
_CHAPBOOK = re.compile(
    r"\{\s*(link to|embed passage(?: named)?|reveal link)\s*:\s*([^}\n]*)\}",
)
_SNOWMAN = re.compile(r"""data-passage\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A Harlowe link hook or SugarCube link macro just before a go-to gives its label.
_HARLOWE_LINK_BEFORE = re.compile(
    r"\(link(?:-reveal|-repeat)?\s*:\s*" + _STRING + r"\s*\)\s*\[[^\]]*$"
)
_SUGARCUBE_LINK_BEFORE = re.compile(r"<<link\s+" + _STRING + r"\s*>>[^<]*$")

HARLOWE_INCLUDES = {"display"}
SUGARCUBE_INCLUDES = {"include", "display"}


@dataclass(frozen=True)
class FoundLink:
    """One link or navigation macro: where it is, what it shows, where it goes."""

    target: str
    label: str
    kind: LinkKind
    line: int
    setter: str = ""
    external: bool = False
    macro: str = ""


@dataclass(frozen=True)
class UnfollowedMacro:
    """A navigation macro whose passage name is not a literal string."""

    text: str
    line: int


@dataclass(frozen=True)
class ScanResult:
    links: list[FoundLink]
    unfollowed: list[UnfollowedMacro]


def split_link(inner: str) -> tuple[str, str, str]:
    """Split the text between ``[[`` and ``]]`` into label, target and setter."""
    setter = ""
    fields = inner.split("][")
    if len(fields) > 1:
        inner = fields[0]
        setter = "][".join(fields[1:])
    if "->" in inner:
        label, _, target = inner.rpartition("->")
        if target:
            return label or target, target, setter
    if "<-" in inner:
        target, _, label = inner.partition("<-")
        if target:
            return label or target, target, setter
    if "|" in inner:
        label, _, target = inner.rpartition("|")
        if target:
            return label or target, target, setter
    return inner, inner, setter


def _unquote(match: re.Match[str], group: int = 1) -> str:
    value = match.group(group)
    if value is None:
        value = match.group(group + 1)
    return re.sub(r"\\(.)", r"\1", value)


def _strings(arguments: str) -> list[str]:
    return [_unquote(m) for m in _STRING_RE.finditer(arguments)]


def _line_at(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low + 1


def scan_passage(text: str, story_format: str = "") -> ScanResult:
    """Return the links and followable macros of one passage, in text order.

    ``story_format`` (Harlowe, SugarCube, Chapbook, Snowman, or a Twine 1 format)
    picks the macro syntaxes to look for; an empty or unknown format looks for all.
    Line numbers count from 1 at the first line of ``text``.
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    fmt = story_format.lower()
    found: list[tuple[int, FoundLink]] = []
    unfollowed: list[UnfollowedMacro] = []
    macro_spans: list[tuple[int, int]] = []

    def add(offset: int, link: FoundLink) -> None:
        found.append((offset, link))

    def unfollow(match: re.Match[str]) -> None:
        unfollowed.append(
            UnfollowedMacro(match.group(0), _line_at(starts, match.start()))
        )

    if fmt in ("", "harlowe") or fmt not in _KNOWN_FORMATS:
        for match in _HARLOWE.finditer(text):
            _harlowe_macro(text, match, starts, add, unfollow)
    if fmt in ("", "sugarcube") or fmt not in _KNOWN_FORMATS or fmt in _TWINE1:
        for match in _SUGARCUBE.finditer(text):
            macro_spans.append(match.span())
            _sugarcube_macro(text, match, starts, add, unfollow)
    if fmt in ("", "chapbook") or fmt not in _KNOWN_FORMATS:
        for match in _CHAPBOOK.finditer(text):
            _chapbook_insert(match, starts, add, unfollow)
    if fmt in ("", "snowman") or fmt not in _KNOWN_FORMATS:
        for match in _SNOWMAN.finditer(text):
            target = _unquote(match)
            line = _line_at(starts, match.start())
            add(match.start(), FoundLink(target, target, LinkKind.MACRO, line))

    for match in _LINK.finditer(text):
        label, target, setter = split_link(match.group(1))
        inside_macro = any(a <= match.start() < b for a, b in macro_spans)
        kind = LinkKind.MACRO if inside_macro else LinkKind.LINK
        line = _line_at(starts, match.start())
        external = bool(_URL.match(target))
        add(
            match.start(),
            FoundLink(target, label, kind, line, setter=setter, external=external),
        )
    found.sort(key=lambda item: item[0])
    unfollowed.sort(key=lambda item: item.line)
    return ScanResult([link for _, link in found], unfollowed)


_TWINE1 = {"sugarcane", "jonah", "responsive", "twine 1"}
_KNOWN_FORMATS = {"harlowe", "sugarcube", "chapbook", "snowman", *_TWINE1}


def _harlowe_macro(text, match, starts, add, unfollow) -> None:
    name = match.group(1).lower()
    if name == "goto":
        name = "go-to"
    arguments = match.group(2)
    strings = _strings(arguments)
    line = _line_at(starts, match.start())
    if name in ("go-to", "display", "redirect"):
        if not strings or not arguments.strip().startswith(("'", '"')):
            unfollow(match)
            return
        target = strings[0]
        label = target
        before = _HARLOWE_LINK_BEFORE.search(text, 0, match.start())
        if (
            name == "go-to"
            and before
            and text.count("\n", before.start(), match.start()) == 0
        ):
            label = _unquote(before)
        add(match.start(), FoundLink(target, label, LinkKind.MACRO, line, macro=name))
        return
    # link-goto and link-reveal-goto take (label, passage) or (passage); the
    # click and mouse macros take a hook or text first and the passage last.
    if not strings:
        unfollow(match)
        return
    target = strings[-1]
    label = strings[0] if name in ("link-goto", "link-reveal-goto") else target
    add(match.start(), FoundLink(target, label, LinkKind.MACRO, line, macro=name))


def _sugarcube_macro(text, match, starts, add, unfollow) -> None:
    name = match.group(1)
    arguments = match.group(2).strip()
    line = _line_at(starts, match.start())
    if arguments.startswith("[["):
        # The link inside is picked up by the link scan and marked as a macro link.
        return
    strings = _strings(arguments)
    literal = arguments.startswith(("'", '"'))
    if name in ("goto", "include", "display"):
        if not literal:
            unfollow(match)
            return
        label = strings[0]
        before = _SUGARCUBE_LINK_BEFORE.search(text, 0, match.start())
        if name == "goto" and before:
            label = _unquote(before)
        add(
            match.start(),
            FoundLink(strings[0], label, LinkKind.MACRO, line, macro=name),
        )
    elif name in ("link", "button"):
        # <<link "text">> alone has no passage; <<link "text" "passage">> has one.
        if literal and len(strings) >= 2:
            add(
                match.start(),
                FoundLink(strings[1], strings[0], LinkKind.MACRO, line, macro=name),
            )
    elif name in ("choice", "actions"):
        if not literal:
            unfollow(match)
            return
        targets = strings[:1] if name == "choice" else strings
        for target in targets:
            add(
                match.start(),
                FoundLink(target, target, LinkKind.MACRO, line, macro=name),
            )


def _chapbook_insert(match, starts, add, unfollow) -> None:
    name = match.group(1)
    arguments = match.group(2)
    line = _line_at(starts, match.start())
    properties = dict(
        (key.strip(), _unquote(value, 3))
        for key, value in _chapbook_properties(arguments)
    )
    strings = _strings(arguments)
    if name == "link to":
        if not arguments.strip().startswith(("'", '"')):
            unfollow(match)
            return
        target = strings[0]
        label = properties.get("label", target)
        add(match.start(), FoundLink(target, label, LinkKind.MACRO, line, macro=name))
    elif name.startswith("embed passage"):
        if not strings:
            unfollow(match)
            return
        add(
            match.start(),
            FoundLink(strings[0], strings[0], LinkKind.MACRO, line, macro=name),
        )
    elif "passage" in properties:
        target = properties["passage"]
        label = strings[0] if strings else target
        add(match.start(), FoundLink(target, label, LinkKind.MACRO, line, macro=name))


_CHAPBOOK_PROPERTY = re.compile(r",\s*([A-Za-z ]+?)\s*:\s*(" + _STRING + ")")


def _chapbook_properties(arguments: str):
    for match in _CHAPBOOK_PROPERTY.finditer(arguments):
        yield match.group(1), match


_SETTER = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)\s*(to|=|\+=|-=)\s*(.+)$")
_INT = re.compile(r"^-?\d+$")


def translate_setter(setter: str) -> list[tuple[str, str, bool | int | str]] | None:
    """Translate a SugarCube setter such as ``$gold to 5; $met += 1``.

    Returns ``(name, operator, value)`` triples with operator ``=``, ``+=`` or
    ``-=``, or None when any part is more than an assignment of a literal (those
    setters stay only in the script text).
    """
    assignments = []
    for part in setter.split(";"):
        part = part.strip()
        if not part:
            continue
        match = _SETTER.match(part)
        if match is None:
            return None
        name, operator, raw = match.groups()
        operator = "=" if operator == "to" else operator
        raw = raw.strip()
        value: bool | int | str
        if _INT.match(raw):
            value = int(raw)
        elif raw in ("true", "false"):
            value = raw == "true"
        else:
            string = _STRING_RE.fullmatch(raw)
            if string is None:
                return None
            value = _unquote(string)
        if operator != "=" and not isinstance(value, int):
            return None
        if isinstance(value, bool) and operator != "=":
            return None
        assignments.append((name, operator, value))
    return assignments or None


def effect_text(assignments: list[tuple[str, str, bool | int | str]]) -> str:
    """Write assignments in the story-state expression language."""
    parts = []
    for name, operator, value in assignments:
        if isinstance(value, bool):
            literal = "true" if value else "false"
        elif isinstance(value, int):
            literal = str(value)
        else:
            literal = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{name} {operator} {literal}")
    return "; ".join(parts)
