"""What an audience profile implies for a script: words per content rating and
runtime per pacing.

The offline drafter applies these rules and the review checks measure variants
against them, so both read the same tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from author_studio.domain.model import ContentRating, Pacing


@dataclass(frozen=True)
class RatedWord:
    """A word that needs at least ``rating``, and a milder word for below it."""

    word: str
    rating: ContentRating
    softer: str


# NOTE: a short starter list of English words, not a complete classifier. The
# ratings follow common MPA practice: mild profanity from PG, stronger from
# PG-13, the strongest from R.
RATED_WORDS: tuple[RatedWord, ...] = (
    RatedWord("damn", ContentRating.PG, "darn"),
    RatedWord("damned", ContentRating.PG, "darned"),
    RatedWord("hell", ContentRating.PG, "heck"),
    RatedWord("crap", ContentRating.PG, "junk"),
    RatedWord("bloody", ContentRating.PG, "blasted"),
    RatedWord("idiot", ContentRating.PG, "fool"),
    RatedWord("bastard", ContentRating.PG13, "jerk"),
    RatedWord("bitch", ContentRating.PG13, "witch"),
    RatedWord("ass", ContentRating.PG13, "backside"),
    RatedWord("asshole", ContentRating.R, "jerk"),
    RatedWord("shit", ContentRating.PG13, "shoot"),
    RatedWord("bullshit", ContentRating.R, "nonsense"),
    RatedWord("goddamn", ContentRating.PG13, "gosh-darn"),
    RatedWord("piss", ContentRating.PG13, "tick"),
    RatedWord("pissed", ContentRating.PG13, "ticked"),
    RatedWord("gun", ContentRating.PG, "gun"),
    RatedWord("blood", ContentRating.PG, "blood"),
    RatedWord("corpse", ContentRating.PG13, "body"),
    RatedWord("gore", ContentRating.R, "mess"),
    RatedWord("fuck", ContentRating.R, "forget"),
    RatedWord("fucking", ContentRating.R, "flipping"),
    RatedWord("motherfucker", ContentRating.R, "scoundrel"),
)
_BY_WORD = {entry.word: entry for entry in RATED_WORDS}
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@dataclass(frozen=True)
class RatingHit:
    word: str
    rating: ContentRating
    start: int
    end: int


def words_above(text: str, rating: ContentRating) -> list[RatingHit]:
    """Return the listed words in ``text`` that need a rating above ``rating``."""
    hits = []
    for match in _WORD.finditer(text):
        entry = _BY_WORD.get(match.group().lower())
        if entry is not None and entry.rating.rank > rating.rank:
            hits.append(RatingHit(match.group(), entry.rating, *match.span()))
    return hits


def soften(text: str, rating: ContentRating) -> tuple[str, list[str]]:
    """Replace the listed words above ``rating`` by their milder words.

    Returns the new text and the words replaced. A word whose milder form is the
    word itself (``gun``) is reported by :func:`words_above` but left as it is.
    """
    replaced: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        original = match.group()
        entry = _BY_WORD.get(original.lower())
        if entry is None or entry.rating.rank <= rating.rank:
            return original
        if entry.softer == original.lower():
            return original
        replaced.append(original)
        softer = entry.softer
        if original.isupper():
            return softer.upper()
        if original[0].isupper():
            return softer[0].upper() + softer[1:]
        return softer

    return _WORD.sub(substitute, text), replaced


@dataclass(frozen=True)
class PacingRule:
    """How a pacing treats a scene's runtime, relative to the base scene.

    ``min_ratio`` and ``max_ratio`` bound a variant's duration divided by the
    base duration; ``max_speech_words`` is the longest single speech a
    rule-based draft keeps.
    """

    min_ratio: float
    max_ratio: float
    max_speech_words: int | None
    keep_stage_directions: bool
    duration_factor: float


PACING_RULES: dict[Pacing, PacingRule] = {
    Pacing.FAST: PacingRule(0.4, 0.9, 30, False, 1.0),
    Pacing.MEDIUM: PacingRule(0.75, 1.25, 60, True, 1.0),
    Pacing.SLOW: PacingRule(1.0, 1.6, None, True, 1.15),
}

# Screen speech runs at roughly 2 to 3 words per second; a variant claiming more
# than this many words per second of runtime cannot be performed as written.
MAX_WORDS_PER_SECOND = 3.5
