"""Map compiled ink JSON onto scenes and choices.

The runtime format is a tree of containers (JSON arrays whose last element contains
named sub-containers). Scenes are made from the containers a reader can land on:
the top-level flow, knots, stitches, choice bodies (``c-N``) and gathers
(``g-N``). A choice point ``{"*": path}`` becomes a choice labelled with the
choice's text; a divert ``{"->": path}`` and falling into a gather become a
default choice labelled "Continue". Chains of scenes linked only by such a
continue are then merged, so a knot and the stitch it opens read as one scene.

Text stays script text, including the branches of inline conditionals and
sequences (shown in braces), and assignments are written into it as ink-like
``~ name = value`` lines (see :mod:`.ink_logic`). Logic with no equivalent here
(conditions, assignments, function calls, tunnels, threads) is also listed in the
scene notes, and conditions in the import report. The format description in
ink's repository covers version 10 only; this reader follows the runtime's
behaviour for versions 19 to 21.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from author_studio.domain.model import Scene, SceneKind
from author_studio.domain.validation import MAX_DURATION_S
from author_studio.interop.draft import ChoiceDraft, ImportReport, StoryDraft
from author_studio.interop.ink_logic import EvalStack, assignment, read_variables
from author_studio.interop.passages import auto_layout

logger = logging.getLogger(__name__)

# NOTE: checked on real files of versions 19 and 21 only; 20 is accepted untested.
SUPPORTED_VERSIONS = range(19, 22)
_SCENE_NAME = re.compile(r"^[cg]-\d+$")
_LOGIC = {
    "VAR=": "variable assignment",
    "temp=": "temporary variable",
    "f()": "function call",
    "->t->": "tunnel",
    "x()": "external function call",
}


class InkVersionError(ValueError):
    pass


@dataclass
class _Node:
    path: str
    content: list
    named: dict[str, _Node]
    parent: _Node | None
    name: str | None
    by_index: dict[int, _Node] = field(default_factory=dict)


def _build(array: list, path: str, parent: _Node | None, name: str | None) -> _Node:
    meta = (
        array[-1]
        if array and (array[-1] is None or isinstance(array[-1], dict))
        else None
    )
    content = array[:-1] if meta is not None or (array and array[-1] is None) else array
    if isinstance(meta, dict) and "#n" in meta and name is None:
        name = meta["#n"]
    node = _Node(path, content, {}, parent, name)
    for index, element in enumerate(content):
        if isinstance(element, list):
            inner = element[-1] if element and isinstance(element[-1], dict) else {}
            part = inner.get("#n") or str(index)
            child = _build(element, _join(path, part), node, None)
            node.by_index[index] = child
            if child.name:
                node.named[child.name] = child
    if isinstance(meta, dict):
        for key, value in meta.items():
            if key in ("#f", "#n") or not isinstance(value, list):
                continue
            node.named[key] = _build(value, _join(path, key), node, key)
    return node


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


@dataclass
class _SceneData:
    node: _Node
    key: str
    title: str
    text: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    edges: list[ChoiceDraft] = field(default_factory=list)
    ends: bool = False
    stack: EvalStack = field(default_factory=EvalStack)


class _InkReader:
    def __init__(self, root: _Node, report: ImportReport, file: str) -> None:
        self.root = root
        self.report = report
        self.file = file
        self.scenes: dict[str, _SceneData] = {}
        self.order: list[str] = []

    # Tree navigation -------------------------------------------------------
    def is_knot(self, node: _Node) -> bool:
        return (
            node.parent is self.root
            and node.name is not None
            and node.name != "global decl"
        )

    def is_scene(self, node: _Node) -> bool:
        if node.parent is self.root:
            return node.path == "0" or self.is_knot(node)
        if node.name is None:
            return False
        if _SCENE_NAME.match(node.name):
            return True
        return (
            node.parent is not None
            and self.is_knot(node.parent)
            and node.name in (node.parent.named)
            and not node.name.startswith("$")
            and node.name != "s"
        )

    def scene_of(self, node: _Node) -> _Node:
        while not self.is_scene(node) and node.parent is not None:
            node = node.parent
        return node

    def resolve(self, path: str, here: _Node) -> _Node | None:
        self.last_was_position = False
        if path.startswith("."):
            parts = path[1:].split(".")[1:]
            node: _Node | None = here
        else:
            parts = path.split(".")
            node = self.root
        for part in parts:
            if node is None:
                return None
            if part == "^":
                node = node.parent
            elif part.isdigit():
                child = node.by_index.get(int(part))
                if child is None:
                    # A position inside a container's content, as a divert back
                    # from an inline branch uses.
                    self.last_was_position = True
                    return node
                node = child
            else:
                node = node.named.get(part)
        return node

    def knot_of(self, node: _Node) -> _Node | None:
        while node.parent is not None and node.parent is not self.root:
            node = node.parent
        return node if self.is_knot(node) else None

    # Scenes ----------------------------------------------------------------
    def scene(self, node: _Node, title: str = "") -> _SceneData:
        data = self.scenes.get(node.path)
        if data is not None:
            return data
        key = "top" if node.path == "0" else re.sub(r"[^A-Za-z0-9_.\-]", "_", node.path)
        key = key.replace("0.", "top.", 1) if key.startswith("0.") else key
        if not title:
            knot = self.knot_of(node)
            if node.path == "0":
                title = "Start"
            elif self.is_knot(node):
                title = node.name or key
            elif node.name and node.name.startswith("g-"):
                title = f"{knot.name if knot else 'Start'}: gather {node.name[2:]}"
            else:
                title = node.path
        data = _SceneData(node, key, title[:80])
        self.scenes[node.path] = data
        self.order.append(node.path)
        return data

    def read(self) -> None:
        top = self.root.by_index.get(0)
        if top is None:
            raise ValueError(
                "the root container has no top-level flow, so the file is not valid "
                "compiled ink; compile the story again with inklecate"
            )
        pending = [top]
        for node in self.root.named.values():
            if self.is_knot(node):
                pending.append(node)
        self.scene(top)
        done: set[str] = set()
        while pending:
            node = pending.pop(0)
            if node.path in done:
                continue
            done.add(node.path)
            data = self.scene(node)
            self.walk(node, data, pending)
            for child in node.named.values():
                if self.is_scene(child) and child.path not in done:
                    pending.append(child)

    def walk(self, node: _Node, data: _SceneData, pending: list[_Node]) -> bool:
        """Read one container into ``data``; return False when the flow left it."""
        state = {
            "ev": False,
            "str": False,
            "tag": False,
            "label": [],
            "str_text": [],
            # Shared by the nested containers of one scene, because an ev block
            # can end in one container and be used in the next.
            "stack": data.stack,
        }
        for index, element in enumerate(node.content):
            if isinstance(element, list):
                child = node.by_index[index]
                if child.name and child.name.startswith("$"):
                    continue
                if self.is_scene(child):
                    self.edge(data, child, "Continue", pending, default=True)
                    return False
                if not self.walk(child, data, pending):
                    return False
                continue
            if not self.element(node, element, data, state, pending):
                return False
        for name, child in node.named.items():
            if self.is_scene(child) or name == "s" or name.startswith("$"):
                continue
            if child not in node.by_index.values():
                branch: list[str] = []
                saved = data.text
                data.text = branch
                self.walk(child, data, pending)
                data.text = saved
                text = "".join(branch).strip()
                if text:
                    data.text.append("{" + text + "}")
                    self.report.keep(
                        data.title, "a conditional or varying text branch", self.file
                    )
        return True

    def element(self, node, element, data, state, pending) -> bool:
        if isinstance(element, str):
            return self.command(element, data, state)
        if not isinstance(element, dict):
            if state["ev"]:
                state["stack"].feed(element)
            return True
        if "*" in element:
            self.choice(node, element, data, state, pending)
        elif "->" in element:
            return self.divert(node, element, data, state, pending)
        elif "#" in element:
            self.tag(element["#"], data)
        elif "VAR=" in element or "temp=" in element:
            line = assignment(element, state["stack"].pop())
            if line is not None:
                data.text.append(line + "\n")
                data.notes.append(f"ink {line[2:]}")
        elif state["ev"] and state["stack"].feed(element):
            pass
        else:
            for key, what in _LOGIC.items():
                if key in element:
                    data.notes.append(f"ink {what}: {json.dumps(element)}")
        return True

    def command(self, element: str, data: _SceneData, state: dict) -> bool:
        if element.startswith("^"):
            if state["str"]:
                state["label"].append(element[1:])
                state["str_text"].append(element[1:])
            elif state["tag"]:
                state.setdefault("tag_text", []).append(element[1:])
            elif not state["ev"]:
                data.text.append(element[1:])
        elif element == "\n" and not state["ev"]:
            data.text.append("\n")
        elif element in ("ev", "/ev"):
            state["ev"] = element == "ev"
        elif element == "str":
            state["str"], state["str_text"] = True, []
        elif element == "/str":
            state["str"] = False
            state["stack"].push(
                json.dumps("".join(state["str_text"]), ensure_ascii=False)
            )
        elif element == "out":
            data.text.append("{" + state["stack"].pop() + "}")
        elif element == "#":
            state["tag"], state["tag_text"] = True, []
        elif element == "/#":
            state["tag"] = False
            self.tag("".join(state.get("tag_text", [])), data)
        elif element == "end":
            data.ends = True
            return False
        elif element == "done":
            return False
        elif element in ("thread", "->->", "~ret"):
            data.notes.append(f"ink control command {element!r}")
        elif state["ev"]:
            state["stack"].feed(element)
        return True

    def tag(self, text: str, data: _SceneData) -> None:
        text = text.strip()
        if not text:
            return
        data.text.append(f"# {text}\n")
        tag = re.sub(r"\s+", "", text)
        if tag and tag not in data.tags:
            data.tags.append(tag)

    def choice(self, node, element, data, state, pending) -> None:
        flags = int(element.get("flg", 0))
        target = self.resolve(element["*"], node)
        label = "".join(state["label"]).strip()
        state["label"] = []
        if target is None:
            self.report.warn(
                f"choice {label!r} points to a missing container", self.file
            )
            return
        # TODO: ink conditions stay in the notes; none is translated into the
        # expression language, so conditional ink choices import as always open.
        condition = state["stack"].pop() if flags & 0x1 else ""
        state["stack"].clear()
        if flags & 0x1:
            data.notes.append(
                f"ink condition on the choice {label or 'Continue'!r}: {condition}"
            )
            self.report.keep(
                data.title, f"condition on the choice {label!r}", self.file
            )
        invisible = bool(flags & 0x8)
        self.edge(
            data,
            target,
            label or "Continue",
            pending,
            default=invisible or not label,
            title=label,
        )

    def divert(self, node, element, data, state, pending) -> bool:
        path = element["->"]
        if element.get("var"):
            if path != "$r":
                data.notes.append(f"ink divert to the passage held in {path!r}")
                self.report.keep(
                    data.title, f"divert to a variable target {path!r}", self.file
                )
            return True
        target = self.resolve(path, node)
        if target is None:
            self.report.warn(f"divert to {path!r} names no container", self.file)
            return True
        if target.name == "s":
            if state["str"]:
                state["label"].append(self.plain_text(target))
            else:
                data.text.append(self.plain_text(target))
            return True
        if target.name and target.name.startswith("$"):
            return True
        scene = self.scene_of(target)
        same_scene = scene is self.scene_of(node)
        if same_scene and (self.last_was_position or not self.is_scene(target)):
            return True
        conditional = bool(element.get("c"))
        if conditional:
            condition = state["stack"].pop()
            data.notes.append(f"ink condition on the divert to {path!r}: {condition}")
            self.report.keep(
                data.title, f"condition on the divert to {path!r}", self.file
            )
        self.edge(data, scene, "Continue", pending, default=not conditional)
        return conditional

    def plain_text(self, node: _Node) -> str:
        return "".join(
            e[1:] for e in node.content if isinstance(e, str) and e.startswith("^")
        )

    def edge(self, data, target: _Node, label, pending, default, title="") -> None:
        scene = self.scene_of(target)
        self.scene(scene, title)
        pending.append(scene)
        data.edges.append(
            ChoiceDraft(
                data.key,
                self.scenes[scene.path].key,
                label,
                is_default=default,
                position=len(data.edges) + 1,
            )
        )

    # Merging ---------------------------------------------------------------
    def merge_chains(self, start: str) -> None:
        incoming: dict[str, int] = {}
        by_key = {d.key: d for d in self.scenes.values()}
        for data in self.scenes.values():
            for edge in data.edges:
                incoming[edge.target_key] = incoming.get(edge.target_key, 0) + 1
        changed = True
        while changed:
            changed = False
            for data in list(by_key.values()):
                if data.key not in by_key:
                    continue
                if len(data.edges) != 1 or data.edges[0].label != "Continue":
                    continue
                target = by_key.get(data.edges[0].target_key)
                if target is None or target is data or target.key == start:
                    continue
                if incoming.get(target.key, 0) != 1 or not self.mergeable(data, target):
                    continue
                if not "".join(data.text).strip() and self.is_knot(target.node):
                    data.title = target.title
                data.text.extend(target.text)
                data.tags.extend(t for t in target.tags if t not in data.tags)
                data.notes.extend(target.notes)
                data.ends = target.ends
                data.edges = [
                    ChoiceDraft(
                        data.key,
                        e.target_key,
                        e.label,
                        is_default=e.is_default,
                        position=e.position,
                    )
                    for e in target.edges
                ]
                del by_key[target.key]
                self.scenes.pop(target.node.path)
                changed = True

    def prune(self, start: str) -> None:
        """Drop empty scenes that nothing leads to (left over from weave plumbing)."""
        while True:
            targets = {e.target_key for d in self.scenes.values() for e in d.edges}
            empty = [
                path
                for path, d in self.scenes.items()
                if d.key != start
                and d.key not in targets
                and not self.is_knot(d.node)
                and not "".join(d.text).strip()
            ]
            if not empty:
                return
            for path in empty:
                del self.scenes[path]

    def mergeable(self, data: _SceneData, target: _SceneData) -> bool:
        if not target.node.name or _SCENE_NAME.match(target.node.name):
            return True
        if not "".join(data.text).strip():
            return True
        parent = target.node.parent
        return parent is not None and parent is self.knot_of(data.node)


def _scenes(reader: _InkReader, top_key: str) -> tuple[list[Scene], list[ChoiceDraft]]:
    scenes, choices = [], []
    for node_path in reader.order:
        item = reader.scenes.get(node_path)
        if item is None:
            continue
        script = re.sub(r"\n{3,}", "\n\n", "".join(item.text)).strip()
        if item.key == top_key:
            kind = SceneKind.START
        else:
            kind = SceneKind.SCENE if item.edges else SceneKind.ENDING
        scenes.append(
            Scene(
                key=item.key,
                title=item.title or item.key,
                kind=kind,
                script=script,
                tags=item.tags,
                notes="\n".join(dict.fromkeys(item.notes)),
                duration_s=min(
                    MAX_DURATION_S, max(5.0, round(len(script.split()) / 2.5, 1))
                ),
                x=float("nan"),
                y=float("nan"),
            )
        )
        choices.extend(item.edges)
    titles: dict[str, int] = {}
    for scene in scenes:
        titles[scene.title] = titles.get(scene.title, 0) + 1
    for scene in scenes:
        if titles[scene.title] > 1:
            scene.title = f"{scene.title} ({scene.key})"[:120]
    auto_layout(scenes, choices)
    return scenes, choices


def read_ink(path: Path, report: ImportReport) -> StoryDraft:
    """Read compiled ink JSON; raise InkVersionError for an unsupported version."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(
            f"{path}: not ink JSON ({error}); compile the story with "
            "inklecate and import the .json file"
        ) from error
    if not isinstance(data, dict) or "root" not in data:
        raise ValueError(
            f"{path}: a JSON file without 'inkVersion' and 'root' is not compiled ink; "
            "import compiled ink (inklecate's .json output) or a Twine 2 JSON story"
        )
    version = data.get("inkVersion")
    if version not in SUPPORTED_VERSIONS:
        raise InkVersionError(
            f"{path}: inkVersion {version!r} is not supported; supported versions are "
            f"{SUPPORTED_VERSIONS.start} to {SUPPORTED_VERSIONS.stop - 1}. Recompile "
            "with a current inklecate"
        )
    report.source_format = f"ink JSON (inkVersion {version})"
    root = _build(data["root"], "", None, None)
    reader = _InkReader(root, report, path.name)
    reader.read()
    top_key = reader.scenes["0"].key
    reader.merge_chains(top_key)
    reader.prune(top_key)
    draft = StoryDraft(
        title=path.stem,
        ifid=str(uuid.uuid4()).upper(),
        story_format="ink",
        story_format_version=str(version),
    )
    draft.scenes, draft.choices = _scenes(reader, top_key)
    decl = root.named.get("global decl")
    draft.variables = read_variables(decl.content if decl else [], report, path.name)
    report.warn(f"ink stories have no IFID; generated {draft.ifid}")
    logic = sum(1 for s in draft.scenes if s.notes)
    if logic:
        report.keep(
            "(story)",
            f"ink logic in {logic} scenes is listed in their notes",
            path.name,
        )
    report.passages = len(reader.order)
    report.scenes = len(draft.scenes)
    report.choices = len(draft.choices)
    report.endings = sum(1 for s in draft.scenes if s.kind is SceneKind.ENDING)
    report.variables = len(draft.variables)
    return draft
