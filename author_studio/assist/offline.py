"""The offline drafter: rule-based variants from the audience profile, no network.

It exists so that drafting and the whole review workflow run on a machine with no
language model. It is not one, and says so: its provider name is ``offline``,
its model ``rules``, and every summary starts with "Rule-based draft".

The rules read the script line by line. A line wholly in parentheses or square
brackets is a stage direction; ``NAME: text`` or a line in capitals followed by
text is a speech; anything else is action. Then, by the audience's pacing
(:data:`~author_studio.domain.audience_rules.PACING_RULES`):

- fast: stage directions and inline parentheticals removed, speeches longer than
  the limit cut at a sentence end, action lines cut to their first sentence;
- medium: speeches above a looser limit cut;
- slow: the full text kept, the duration stretched.

Words above the audience's content rating are softened, and no sentence holding
a canon term is cut. When ``count`` is above one, each further draft cuts
harder; drafts that come out identical are returned once.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from author_studio.assist.provider import (
    ConnectionReport,
    Draft,
    DraftCancelledError,
    DraftProvider,
    DraftRequest,
    DraftResult,
    ProgressCallback,
    ProviderInfo,
)
from author_studio.assist.settings import AssistSettings
from author_studio.domain.audience_rules import PACING_RULES, soften
from author_studio.domain.model import Audience, Pacing

logger = logging.getLogger(__name__)

NAME = "offline"
MODEL = "rules"
DESCRIPTION = (
    "Offline drafter: rule-based edits (trimming, softening words). It is not a "
    "language model and sends nothing over the network."
)

_DIRECTION = re.compile(r"^\s*[\(\[].*[\)\]]\s*$")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_SPEAKER = re.compile(r"^(?P<name>[A-Z][A-Z0-9 .'-]{0,30}):\s*(?P<text>.*)$")
_CUE = re.compile(r"^[A-Z][A-Z0-9 .'-]{1,30}$")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"\S+")


@dataclass
class _Edits:
    directions_removed: int = 0
    parentheticals_removed: int = 0
    speeches_trimmed: int = 0
    actions_trimmed: int = 0
    softened: list[str] | None = None


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _keeps_canon(sentence: str, canon: tuple[str, ...]) -> bool:
    lowered = sentence.lower()
    return any(term.lower() in lowered for term in canon)


def _trim(text: str, max_words: int, canon: tuple[str, ...]) -> str:
    """Keep whole sentences up to ``max_words``, plus any sentence with a canon
    term; always keep the first sentence."""
    sentences = _SENTENCE.split(text.strip())
    kept: list[str] = []
    total = 0
    for index, sentence in enumerate(sentences):
        count = _words(sentence)
        if index == 0 or total + count <= max_words or _keeps_canon(sentence, canon):
            kept.append(sentence)
            total += count
    return " ".join(kept)


class _Rewriter:
    def __init__(self, audience: Audience, canon: tuple[str, ...], strength: int):
        self.rule = PACING_RULES[audience.pacing]
        self.canon = canon
        limit = self.rule.max_speech_words
        # Each further draft keeps about a quarter fewer words per speech.
        self.speech_limit = (
            None if limit is None else max(8, int(limit * 0.75**strength))
        )
        self.trim_actions = audience.pacing is Pacing.FAST
        self.edits = _Edits()

    def rewrite(self, script: str) -> str:
        lines = script.splitlines()
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            stripped = line.strip()
            if not stripped:
                out.append("")
            elif _DIRECTION.match(stripped):
                if self.rule.keep_stage_directions or _keeps_canon(
                    stripped, self.canon
                ):
                    out.append(line)
                else:
                    self.edits.directions_removed += 1
            elif (match := _SPEAKER.match(stripped)) and match.group("text"):
                out.append(f"{match.group('name')}: {self._speech(match['text'])}")
            elif _CUE.match(stripped) and index + 1 < len(lines):
                out.append(line)
                index += 1
                out.append(self._speech(lines[index].strip()))
            else:
                out.append(self._action(stripped))
            index += 1
        return _collapse_blank_lines(out)

    def _speech(self, text: str) -> str:
        if not self.rule.keep_stage_directions:
            cleaned = _PARENTHETICAL.sub("", text).strip()
            if cleaned != text.strip():
                self.edits.parentheticals_removed += 1
                text = cleaned
        if self.speech_limit is not None and _words(text) > self.speech_limit:
            trimmed = _trim(text, self.speech_limit, self.canon)
            if trimmed != text:
                self.edits.speeches_trimmed += 1
                return trimmed
        return text

    def _action(self, text: str) -> str:
        if not self.trim_actions:
            return text
        trimmed = _trim(text, 0, self.canon)
        if trimmed != text:
            self.edits.actions_trimmed += 1
        return trimmed


def _collapse_blank_lines(lines: list[str]) -> str:
    result: list[str] = []
    for line in lines:
        if not line.strip() and (not result or not result[-1].strip()):
            continue
        result.append(line)
    while result and not result[-1].strip():
        result.pop()
    return "\n".join(result)


def _summary(edits: _Edits, base_s: float, new_s: float, instruction: str) -> str:
    parts = []
    if edits.directions_removed:
        parts.append(f"removed {edits.directions_removed} stage direction(s)")
    if edits.parentheticals_removed:
        parts.append(f"dropped {edits.parentheticals_removed} parenthetical(s)")
    if edits.speeches_trimmed:
        parts.append(f"trimmed {edits.speeches_trimmed} long speech(es)")
    if edits.actions_trimmed:
        parts.append(f"cut {edits.actions_trimmed} action line(s) to one sentence")
    if edits.softened:
        parts.append(f"softened {len(edits.softened)} word(s)")
    if not parts:
        parts.append("text kept as written")
    text = f"Rule-based draft: {', '.join(parts)}; {base_s:g} s → {new_s:g} s."
    if instruction.strip():
        text += " The offline drafter does not follow free-text instructions."
    return text


def draft_offline(
    script: str,
    base_duration_s: float,
    audience: Audience,
    canon: tuple[str, ...],
    strength: int = 0,
    instruction: str = "",
) -> Draft:
    """Apply the audience's rules to one script; ``strength`` 0 is the mildest."""
    rewriter = _Rewriter(audience, canon, strength)
    rewritten = rewriter.rewrite(script)
    softened, replaced = soften(rewritten, audience.rating)
    rewriter.edits.softened = replaced

    before = max(1, _words(script))
    ratio = _words(softened) / before if script.strip() else 1.0
    duration = max(1.0, round(base_duration_s * ratio * rewriter.rule.duration_factor))
    kept = tuple(term for term in canon if term.lower() in softened.lower())
    return Draft(
        script=softened or script,
        duration_s=float(duration),
        summary=_summary(rewriter.edits, base_duration_s, duration, instruction),
        canon_kept=kept,
    )


class OfflineDrafter(DraftProvider):
    """A provider that applies :func:`draft_offline` to the scene script."""

    name = NAME
    model = MODEL
    is_language_model = False

    def __init__(self, settings: AssistSettings | None = None) -> None:
        self.max_in_flight = settings.max_in_flight if settings else 4

    def info(self) -> ProviderInfo:
        return ProviderInfo(NAME, MODEL, False, DESCRIPTION)

    def draft(
        self,
        request: DraftRequest,
        cancel_event: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> DraftResult:
        started = time.monotonic()
        context = request.context
        drafts: list[Draft] = []
        seen: set[str] = set()
        for strength in range(request.count):
            if cancel_event is not None and cancel_event.is_set():
                raise DraftCancelledError(
                    f"The request for {request.label} was cancelled."
                )
            draft = draft_offline(
                context.scene.script,
                context.scene.duration_s,
                context.audience,
                context.canon_terms,
                strength,
                context.instruction,
            )
            if draft.script not in seen:
                seen.add(draft.script)
                drafts.append(draft)
        if len(drafts) < request.count:
            logger.info(
                "%s: the rules gave %d distinct draft(s) of %d requested",
                request.label,
                len(drafts),
                request.count,
            )
        return DraftResult(
            drafts=tuple(drafts),
            provider=NAME,
            model=MODEL,
            latency_ms=round((time.monotonic() - started) * 1000),
        )

    def test_connection(self) -> ConnectionReport:
        return ConnectionReport(True, DESCRIPTION, (MODEL,))


def create(settings: AssistSettings) -> OfflineDrafter:
    return OfflineDrafter(settings)
