"""Checks shown with each variant before an editor decides on it.

- canon: every canon term that binds the scene appears in the script;
- base similarity: a variant that changes almost nothing, or almost everything;
- near-duplicates: other variants of the same scene that say nearly the same
  thing, the known risk of generated variants (formulaic, repetitive text);
- content rating: listed words above the audience's rating;
- duration: the variant's runtime against the audience's pacing, and whether the
  claimed runtime leaves time to speak the words.

Similarity is the Jaccard index of word 3-shingles (sets of three consecutive
lower-cased words), which ignores reordering of whole passages, next to
difflib's ratio on the word sequence for the base comparison.
"""

from __future__ import annotations

import difflib
import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from author_studio.domain.audience_rules import (
    MAX_WORDS_PER_SECOND,
    PACING_RULES,
    words_above,
)
from author_studio.domain.model import Variant, VariantStatus
from author_studio.domain.story import Story

logger = logging.getLogger(__name__)

SHINGLE_SIZE = 3
# At or above this Jaccard index two variants count as near-duplicates.
NEAR_DUPLICATE = 0.8
# A variant whose difflib ratio to the base is at or above this barely changes it.
UNCHANGED = 0.97
# Below this ratio the variant rewrites most of the scene.
REWRITTEN = 0.2

_WORD = re.compile(r"[\w'’-]+")


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class CheckResult:
    """One check: ``name`` is stable (``canon``, ``rating``...), ``message`` is
    the sentence shown to the editor."""

    name: str
    level: Level
    message: str
    value: float | None = None
    related_ids: tuple[int, ...] = ()


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[tuple[str, ...]]:
    tokens = words(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(first: set, second: set) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def sequence_ratio(first: str, second: str) -> float:
    matcher = difflib.SequenceMatcher(None, words(first), words(second), autojunk=False)
    return matcher.ratio()


def contains_term(script: str, term: str) -> bool:
    """Tell whether ``term`` occurs in ``script`` as whole words, ignoring case.

    Case is ignored because screenplays write character cues in capitals (MARA
    for Mara); whole words, so that "Mara" is not found in "Marathon".
    """
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)"
    return re.search(pattern, script, re.IGNORECASE) is not None


def check_canon(variant: Variant, terms: Iterable[str]) -> CheckResult:
    terms = [t for t in dict.fromkeys(terms) if t.strip()]
    if not terms:
        return CheckResult("canon", Level.OK, "No canon terms bind this scene.")
    missing = [term for term in terms if not contains_term(variant.script, term)]
    if not missing:
        return CheckResult("canon", Level.OK, f"Keeps all {len(terms)} canon term(s).")
    message = f"Drops {len(missing)} canon term(s): {', '.join(map(repr, missing))}."
    claimed = [term for term in variant.canon_kept if term in missing]
    if claimed:
        message += f" The draft claims to keep {', '.join(map(repr, claimed))}."
    return CheckResult("canon", Level.PROBLEM, message)


def check_base_similarity(variant: Variant, base_script: str) -> CheckResult:
    ratio = sequence_ratio(base_script, variant.script)
    percent = f"{ratio:.0%}"
    if ratio >= UNCHANGED:
        return CheckResult(
            "base",
            Level.WARNING,
            f"{percent} the same as the base script: it changes almost nothing.",
            ratio,
        )
    if ratio < REWRITTEN:
        return CheckResult(
            "base",
            Level.WARNING,
            f"Only {percent} of the base script remains: check that it still "
            "tells the same beats.",
            ratio,
        )
    return CheckResult(
        "base", Level.OK, f"{percent} similar to the base script.", ratio
    )


def check_near_duplicates(variant: Variant, others: Iterable[Variant]) -> CheckResult:
    mine = shingles(variant.script)
    scores = []
    for other in others:
        if other.id == variant.id or other.status is VariantStatus.REJECTED:
            continue
        scores.append((jaccard(mine, shingles(other.script)), other.id))
    if not scores:
        return CheckResult("duplicates", Level.OK, "No other variants to compare.")
    scores.sort(reverse=True)
    close = [(score, other_id) for score, other_id in scores if score >= NEAR_DUPLICATE]
    best, best_id = scores[0]
    if close:
        names = ", ".join(f"{other_id} ({score:.0%})" for score, other_id in close)
        return CheckResult(
            "duplicates",
            Level.WARNING,
            f"Near-duplicate of variant(s) {names}: the drafts repeat each other.",
            best,
            tuple(other_id for _score, other_id in close),
        )
    return CheckResult(
        "duplicates",
        Level.OK,
        f"Distinct from the other {len(scores)} variant(s); closest is "
        f"{best_id} at {best:.0%} shared phrasing.",
        best,
    )


def check_rating(variant: Variant, story: Story) -> CheckResult:
    audience = story.audience_by_id[variant.audience_id]
    hits = words_above(variant.script, audience.rating)
    if not hits:
        return CheckResult(
            "rating",
            Level.OK,
            f"No listed word above {audience.rating.value} for {audience.name}.",
        )
    found = sorted({f"{hit.word} ({hit.rating.value})" for hit in hits})
    return CheckResult(
        "rating",
        Level.PROBLEM,
        f"{len(hits)} word(s) above {audience.name}'s rating "
        f"{audience.rating.value}: {', '.join(found)}.",
        float(len(hits)),
    )


def check_duration(variant: Variant, story: Story) -> CheckResult:
    scene = story.scene_by_id[variant.scene_id]
    audience = story.audience_by_id[variant.audience_id]
    rule = PACING_RULES[audience.pacing]
    spoken = len(words(variant.script))
    if variant.duration_s > 0 and spoken / variant.duration_s > MAX_WORDS_PER_SECOND:
        needed = spoken / MAX_WORDS_PER_SECOND
        return CheckResult(
            "duration",
            Level.WARNING,
            f"{variant.duration_s:g} s is too short to perform {spoken} words; "
            f"allow at least {needed:.0f} s.",
            variant.duration_s,
        )
    if scene.duration_s <= 0:
        return CheckResult("duration", Level.OK, f"{variant.duration_s:g} s.")
    ratio = variant.duration_s / scene.duration_s
    low, high = rule.min_ratio, rule.max_ratio
    summary = (
        f"{variant.duration_s:g} s against {scene.duration_s:g} s for the base "
        f"({ratio:.0%})"
    )
    if low <= ratio <= high:
        return CheckResult(
            "duration",
            Level.OK,
            f"{summary}, within {low:.0%}-{high:.0%} for {audience.pacing.value} "
            "pacing.",
            ratio,
        )
    direction = "long" if ratio > high else "short"
    return CheckResult(
        "duration",
        Level.WARNING,
        f"{summary}: too {direction} for {audience.pacing.value} pacing, which "
        f"expects {low:.0%}-{high:.0%} of the base runtime.",
        ratio,
    )


def check_variant(variant: Variant, story: Story) -> list[CheckResult]:
    """Run every check on ``variant`` against the project snapshot ``story``."""
    scene = story.scene_by_id[variant.scene_id]
    siblings = [v for v in story.variants if v.scene_id == variant.scene_id]
    return [
        check_canon(variant, story.canon_terms_for(variant.scene_id)),
        check_base_similarity(variant, scene.script),
        check_near_duplicates(variant, siblings),
        check_rating(variant, story),
        check_duration(variant, story),
    ]


def worst_level(results: Iterable[CheckResult]) -> Level:
    levels = [r.level for r in results]
    if Level.PROBLEM in levels:
        return Level.PROBLEM
    if Level.WARNING in levels:
        return Level.WARNING
    return Level.OK
