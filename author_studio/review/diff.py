"""Word-level diff of a base script and a variant, as operations and as HTML."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

# A token is a run of non-space characters with the spaces that follow it, so
# joining tokens gives back the text exactly.
_TOKEN = re.compile(r"\s*\S+\s*|\s+")


@dataclass(frozen=True)
class DiffOp:
    """One run of the diff; ``kind`` is ``equal``, ``insert`` or ``delete``."""

    kind: str
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(base: str, variant: str) -> list[DiffOp]:
    """Diff two texts word by word; whitespace changes alone do not count."""
    old = _tokens(base)
    new = _tokens(variant)
    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in old], [t.strip() for t in new], autojunk=False
    )
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(DiffOp("equal", "".join(new[j1:j2])))
            continue
        if i2 > i1:
            ops.append(DiffOp("delete", "".join(old[i1:i2])))
        if j2 > j1:
            ops.append(DiffOp("insert", "".join(new[j1:j2])))
    return ops


@dataclass(frozen=True)
class DiffStats:
    inserted_words: int
    deleted_words: int
    equal_words: int


def diff_stats(ops: list[DiffOp]) -> DiffStats:
    counts = {"insert": 0, "delete": 0, "equal": 0}
    for op in ops:
        counts[op.kind] += len(op.text.split())
    return DiffStats(counts["insert"], counts["delete"], counts["equal"])


INSERT_STYLE = "background-color:#d4f7d4;color:#0b5d0b;"
DELETE_STYLE = "background-color:#fbd9d9;color:#8a1010;text-decoration:line-through;"


def diff_html(ops: list[DiffOp]) -> str:
    """Render ``ops`` as HTML: insertions green, deletions red and struck out.

    Line breaks are kept; the result fits in a ``<body>`` or a rich-text widget.
    """
    parts = ['<div style="white-space:pre-wrap;">']
    for op in ops:
        text = html.escape(op.text).replace("\n", "<br>")
        if op.kind == "insert":
            parts.append(f'<span style="{INSERT_STYLE}">{text}</span>')
        elif op.kind == "delete":
            parts.append(f'<span style="{DELETE_STYLE}">{text}</span>')
        else:
            parts.append(text)
    parts.append("</div>")
    return "".join(parts)
