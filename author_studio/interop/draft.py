"""An imported story before it is written to a project file, and the import report.

Importers build a :class:`StoryDraft` in memory; :mod:`author_studio.interop.writer`
writes it into a new project in one transaction. Choices refer to scenes by key
because no scene has a database id yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from author_studio.domain.model import LinkKind, Scene, Variable


@dataclass(frozen=True)
class ImportWarning:
    """One problem found on import, with the place in the source it came from."""

    message: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        if self.file and self.line is not None:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


@dataclass(frozen=True)
class KeptText:
    """Story-format code that has no meaning in a project and stays in the script."""

    scene_title: str
    what: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        return f"{where}{self.scene_title}: {self.what}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class ImportReport:
    source: str
    source_format: str = ""
    passages: int = 0
    scenes: int = 0
    choices: int = 0
    macro_choices: int = 0
    endings: int = 0
    assets: int = 0
    variables: int = 0
    kept_as_text: list[KeptText] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)

    def warn(self, message: str, file: str = "", line: int | None = None) -> None:
        self.warnings.append(ImportWarning(message, file, line))

    def keep(
        self, scene_title: str, what: str, file: str = "", line: int | None = None
    ) -> None:
        self.kept_as_text.append(KeptText(scene_title, what, file, line))

    def summary_lines(self) -> list[str]:
        """Return the report as lines for a terminal or a dialog."""
        lines = [
            f"Imported {self.source} ({self.source_format})",
            f"  {_count(self.passages, 'passage')}: {_count(self.scenes, 'scene')} "
            f"({_count(self.endings, 'ending')}) and "
            f"{_count(self.assets, 'story asset')}",
            f"  {_count(self.choices, 'choice')}, {self.macro_choices} of them from "
            "navigation macros",
            f"  {_count(self.variables, 'variable')}",
        ]
        if self.kept_as_text:
            lines.append(f"  kept as script text ({len(self.kept_as_text)}):")
            lines.extend(f"    {item}" for item in self.kept_as_text)
        if self.warnings:
            lines.append(f"  warnings ({len(self.warnings)}):")
            lines.extend(f"    {item}" for item in self.warnings)
        return lines

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "source_format": self.source_format,
            "passages": self.passages,
            "scenes": self.scenes,
            "endings": self.endings,
            "choices": self.choices,
            "macro_choices": self.macro_choices,
            "assets": self.assets,
            "variables": self.variables,
            "kept_as_text": [
                {"scene": k.scene_title, "what": k.what, "file": k.file, "line": k.line}
                for k in self.kept_as_text
            ],
            "warnings": [
                {"message": w.message, "file": w.file, "line": w.line}
                for w in self.warnings
            ],
        }


@dataclass
class ChoiceDraft:
    source_key: str
    target_key: str
    label: str
    effects: str = ""
    condition: str = ""
    is_default: bool = False
    link_kind: LinkKind = LinkKind.LINK
    position: int = 0


@dataclass
class AssetDraft:
    """A special passage, stylesheet or script kept in the ``story_asset`` table."""

    name: str
    kind: str
    text: str
    tags: list[str] = field(default_factory=list)


@dataclass
class StoryDraft:
    title: str
    ifid: str
    story_format: str = ""
    story_format_version: str = ""
    author: str = ""
    tag_colors: dict[str, str] = field(default_factory=dict)
    scenes: list[Scene] = field(default_factory=list)
    choices: list[ChoiceDraft] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    assets: list[AssetDraft] = field(default_factory=list)
