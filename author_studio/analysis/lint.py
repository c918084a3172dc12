"""Checks of a story graph: each check returns findings with a code, a severity,
the scene or choice concerned and a message for writers.

Codes and severities:

==========================  ========  =============================================
code                        severity  finding
==========================  ========  =============================================
``no-start``                error     the story has no start scene
``no-ending``               error     the story has no ending scene
``invalid-condition``       error     a condition does not parse or type-check
``invalid-effects``         error     effects do not parse or type-check
``dead-end``                error     a scene that is not an ending offers no choice
``trapped-loop``            error     scenes in a loop from which no ending is reached
``timed-no-default``        error     a timed choice point has no default choice
``variant-lost-canon``      error     an approved variant dropped a canon term
``unreachable-scene``       warning   no path from the start reaches the scene
``unreachable-ending``      warning   no path from the start reaches the ending
``impossible-condition``    warning   a condition can never hold (``info`` and
                                      ``unsure`` when the check cannot prove it)
``variable-never-set``      warning   a variable is read but no effect sets it
``variable-never-read``     warning   effects set a variable that nothing reads
``canon-scene-no-variant``  warning   a canon scene lacks an approved variant for an
                                      audience
``ending-has-choices``      warning   choices out of an ending are never offered
``unused-variable``         info      a variable is neither read nor set
==========================  ========  =============================================
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from author_studio.analysis.domains import can_hold, variable_domains
from author_studio.analysis.graph import ParsedChoices, parse_choices, plot_graph
from author_studio.domain.expressions import names_read, names_written
from author_studio.domain.model import Choice, Scene, SceneKind
from author_studio.domain.story import Story

logger = logging.getLogger(__name__)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Finding:
    """One lint result. ``scene_ids`` lists every scene involved (a loop has
    several); ``scene_id`` is the one to jump to."""

    code: str
    severity: Severity
    message: str
    scene_id: int | None = None
    choice_id: int | None = None
    unsure: bool = False
    scene_ids: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "scene_id": self.scene_id,
            "choice_id": self.choice_id,
            "unsure": self.unsure,
            "scene_ids": list(self.scene_ids),
        }


def _name(scene: Scene) -> str:
    return f"{scene.title!r} ({scene.key})"


class _Linter:
    def __init__(self, story: Story) -> None:
        self.story = story
        self.parsed: ParsedChoices = parse_choices(story)
        self.domains = variable_domains(story.variables, self.parsed.effects.values())
        self.choice_by_id = {choice.id: choice for choice in story.choices}
        self.impossible: set[int] = set()
        self.findings: list[Finding] = []

    def add(self, code: str, severity: Severity, message: str, **where: Any) -> None:
        self.findings.append(Finding(code, severity, message, **where))

    def run(self) -> list[Finding]:
        self.check_start_and_endings()
        self.check_expressions()
        self.check_conditions()
        graph = plot_graph(self.story, skip_choices=self.impossible)
        self.check_reachability(graph)
        self.check_dead_ends()
        self.check_loops(graph)
        self.check_timers()
        self.check_variables()
        self.check_canon()
        return sorted(
            self.findings,
            key=lambda f: (
                f.severity.rank,
                f.code,
                f.scene_id if f.scene_id is not None else -1,
                f.choice_id if f.choice_id is not None else -1,
            ),
        )

    def check_start_and_endings(self) -> None:
        if self.story.start is None:
            self.add(
                "no-start",
                Severity.ERROR,
                "The story has no start scene; use Set as Start on the opening scene.",
            )
        if not self.story.endings:
            self.add(
                "no-ending",
                Severity.ERROR,
                "The story has no ending; set the kind of its final scenes to "
                "'ending'.",
            )
        for scene in self.story.endings:
            count = len(self.story.choices_from(scene.id))
            if count:
                self.add(
                    "ending-has-choices",
                    Severity.WARNING,
                    f"The ending {_name(scene)} has {count} choice(s), but the show "
                    "stops at an ending, so they are never offered; delete them or "
                    "make the scene a plain scene.",
                    scene_id=scene.id,
                )

    def check_expressions(self) -> None:
        for choice_id, error in self.parsed.condition_errors.items():
            choice = self._choice(choice_id)
            self.add(
                "invalid-condition",
                Severity.ERROR,
                f"The condition of choice {choice.label!r} is invalid at column "
                f"{error.column}: {error.problem}.",
                scene_id=choice.source_id,
                choice_id=choice_id,
            )
        for choice_id, error in self.parsed.effect_errors.items():
            choice = self._choice(choice_id)
            self.add(
                "invalid-effects",
                Severity.ERROR,
                f"The effects of choice {choice.label!r} are invalid at column "
                f"{error.column}: {error.problem}.",
                scene_id=choice.source_id,
                choice_id=choice_id,
            )

    def check_conditions(self) -> None:
        for choice_id, expr in self.parsed.conditions.items():
            choice = self._choice(choice_id)
            if not choice.condition.strip():
                continue
            verdict = can_hold(expr, self.domains)
            if verdict.possible:
                continue
            read = sorted(names_read(expr))
            values = "; ".join(
                f"{name} can only be {self.domains[name].describe()}" for name in read
            )
            if verdict.sure:
                self.impossible.add(choice_id)
                self.add(
                    "impossible-condition",
                    Severity.WARNING,
                    f"The condition {choice.condition!r} of choice {choice.label!r} "
                    f"can never hold: {values or 'it is always false'}.",
                    scene_id=choice.source_id,
                    choice_id=choice_id,
                )
            else:
                self.add(
                    "impossible-condition",
                    Severity.INFO,
                    f"The condition {choice.condition!r} of choice {choice.label!r} "
                    f"may never hold, but the check is unsure: {verdict.reason}.",
                    scene_id=choice.source_id,
                    choice_id=choice_id,
                    unsure=True,
                )

    def check_reachability(self, graph: nx.MultiDiGraph) -> None:
        start = self.story.start
        if start is None:
            return
        reached = nx.descendants(graph, start.id) | {start.id}
        structural = plot_graph(self.story)
        reached_structurally = nx.descendants(structural, start.id) | {start.id}
        for scene in sorted(self.story.scenes, key=lambda s: s.id):
            if scene.id in reached:
                continue
            how = (
                "it is reached only through choices whose condition can never hold"
                if scene.id in reached_structurally
                else "no chain of choices leads to it from the start"
            )
            if scene.kind is SceneKind.ENDING:
                self.add(
                    "unreachable-ending",
                    Severity.WARNING,
                    f"No viewer can reach the ending {_name(scene)}: {how}.",
                    scene_id=scene.id,
                )
            else:
                self.add(
                    "unreachable-scene",
                    Severity.WARNING,
                    f"No viewer can reach {_name(scene)}: {how}.",
                    scene_id=scene.id,
                )

    def check_dead_ends(self) -> None:
        for scene in sorted(self.story.scenes, key=lambda s: s.id):
            if scene.kind is SceneKind.ENDING:
                continue
            choices = self.story.choices_from(scene.id)
            if not choices:
                self.add(
                    "dead-end",
                    Severity.ERROR,
                    f"{_name(scene)} is not an ending and has no choice, so the show "
                    "stops there; add a choice or make it an ending.",
                    scene_id=scene.id,
                )
            elif all(c.id in self.impossible for c in choices):
                self.add(
                    "dead-end",
                    Severity.ERROR,
                    f"{_name(scene)} is not an ending and none of its choices can "
                    "ever be offered, because every condition is impossible.",
                    scene_id=scene.id,
                )

    def check_loops(self, graph: nx.MultiDiGraph) -> None:
        endings = sorted(s.id for s in self.story.endings)
        # One backward search from all endings at once, not one per ending.
        can_finish: set[int] = set(endings)
        frontier = list(endings)
        while frontier:
            node = frontier.pop()
            for source in graph.predecessors(node):
                if source not in can_finish:
                    can_finish.add(source)
                    frontier.append(source)
        components = sorted(
            (sorted(c) for c in nx.strongly_connected_components(graph)),
            key=lambda c: c[0],
        )
        for component in components:
            cyclic = len(component) > 1 or graph.has_edge(component[0], component[0])
            if not cyclic or component[0] in can_finish:
                continue
            names = ", ".join(
                _name(self.story.scene_by_id[i]) for i in component[:6]
            ) + (", …" if len(component) > 6 else "")
            self.add(
                "trapped-loop",
                Severity.ERROR,
                f"Viewers who enter the loop {names} can never leave it to reach an "
                "ending; add a choice out of the loop.",
                scene_id=component[0],
                scene_ids=tuple(component),
            )

    def check_timers(self) -> None:
        for scene in sorted(self.story.scenes, key=lambda s: s.id):
            choices = self.story.choices_from(scene.id)
            timed = [c for c in choices if c.window_s is not None]
            if timed and not any(c.is_default for c in choices):
                self.add(
                    "timed-no-default",
                    Severity.ERROR,
                    f"{_name(scene)} has a timed choice ({timed[0].label!r}, "
                    f"{timed[0].window_s:g} s) but no default choice for when the "
                    "timer runs out; mark one choice as the default.",
                    scene_id=scene.id,
                    choice_id=timed[0].id,
                )

    def check_variables(self) -> None:
        read: set[str] = set()
        written: set[str] = set()
        for expr in self.parsed.conditions.values():
            read |= names_read(expr)
        for assignments in self.parsed.effects.values():
            # ``x += 1`` reads x only to update it, which does not make x used.
            for assignment in assignments:
                read |= names_read(assignment.value)
            written |= names_written(assignments)
        for variable in sorted(self.story.variables, key=lambda v: v.name):
            name = variable.name
            if name in read and name not in written:
                self.add(
                    "variable-never-set",
                    Severity.WARNING,
                    f"The variable {name!r} is read but no effect sets it, so it "
                    f"keeps its initial value {variable.initial!r}.",
                )
            elif name in written and name not in read:
                self.add(
                    "variable-never-read",
                    Severity.WARNING,
                    f"Effects set the variable {name!r}, but no condition or effect "
                    "reads it.",
                )
            elif name not in read and name not in written:
                self.add(
                    "unused-variable",
                    Severity.INFO,
                    f"The variable {name!r} is neither read nor set; delete it if it "
                    "is not needed.",
                )

    def check_canon(self) -> None:
        audiences = sorted(self.story.audiences, key=lambda a: a.id)
        for variant in sorted(self.story.variants, key=lambda v: v.id):
            scene = self.story.scene_by_id.get(variant.scene_id)
            if (
                scene is None
                or self.story.approved_variant(variant.scene_id, variant.audience_id)
                is not variant
            ):
                continue
            lost = [
                term
                for term in _required_terms(self.story, scene)
                if term.lower() not in variant.script.lower()
            ]
            if lost:
                audience = self.story.audience_by_id.get(variant.audience_id)
                shown = ", ".join(repr(term) for term in lost)
                self.add(
                    "variant-lost-canon",
                    Severity.ERROR,
                    f"The approved variant of {_name(scene)} for "
                    f"{audience.name if audience else 'an unknown audience'!r} has "
                    f"lost the canon term(s) {shown}; edit the variant or reject it.",
                    scene_id=scene.id,
                )
        for scene in sorted(self.story.scenes, key=lambda s: s.id):
            if not scene.canon:
                continue
            missing = [
                audience.name
                for audience in audiences
                if self.story.approved_variant(scene.id, audience.id) is None
            ]
            if missing:
                self.add(
                    "canon-scene-no-variant",
                    Severity.WARNING,
                    f"The canon scene {_name(scene)} has no approved variant for "
                    f"{', '.join(repr(name) for name in missing)}, so those "
                    "audiences see the base script.",
                    scene_id=scene.id,
                )

    def _choice(self, choice_id: int) -> Choice:
        return self.choice_by_id[choice_id]


def _required_terms(story: Story, scene: Scene) -> Iterator[str]:
    """Yield the canon terms a variant of ``scene`` must keep: the scene's own
    facts always, and project-wide facts where the base script uses them."""
    base = scene.script.lower()
    for fact in story.canon:
        own = fact.scene_id == scene.id
        used_globally = fact.scene_id is None and fact.term.lower() in base
        if own or used_globally:
            yield fact.term


def lint(story: Story) -> list[Finding]:
    """Run every check on ``story`` and return the findings, errors first."""
    findings = _Linter(story).run()
    logger.debug("Lint found %d problem(s)", len(findings))
    return findings


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
