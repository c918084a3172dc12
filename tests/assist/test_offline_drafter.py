"""The offline drafter's rules, per pacing and rating."""

from __future__ import annotations

import dataclasses

from author_studio.assist import prompts
from author_studio.assist.offline import OfflineDrafter, draft_offline
from author_studio.domain.model import Audience, ContentRating, Pacing

SCRIPT = """\
(Rain on the window. A clock ticks.)
MARA: I waited three hours. I called you twice. I called the Lantern Guild. \
Nobody knew where you were, and I started to think the worst, and then I \
stopped thinking at all and just sat there with the damn phone in my hand.
JONAS: (quietly) I'm sorry.
Mara crosses to the window. She pulls the curtain shut. The room goes dark.
"""


def _audience(pacing, rating=ContentRating.PG13):
    return Audience(name="A", pacing=pacing, rating=rating, id=1)


def test_fast_removes_directions_and_trims():
    draft = draft_offline(SCRIPT, 80, _audience(Pacing.FAST), ("Lantern Guild",))
    assert "(Rain on the window" not in draft.script
    assert "(quietly)" not in draft.script
    assert "JONAS: I'm sorry." in draft.script
    assert "Lantern Guild" in draft.script
    assert "She pulls the curtain shut" not in draft.script
    assert draft.duration_s < 80
    assert draft.canon_kept == ("Lantern Guild",)
    assert draft.summary.startswith("Rule-based draft")


def test_slow_keeps_text_and_stretches():
    draft = draft_offline(SCRIPT, 80, _audience(Pacing.SLOW), ())
    assert draft.script == SCRIPT.strip("\n")
    assert draft.duration_s == 92


def test_family_rating_softens_words():
    draft = draft_offline(SCRIPT, 80, _audience(Pacing.SLOW, ContentRating.G), ())
    assert "damn" not in draft.script
    assert "darn phone" in draft.script
    assert "softened 1 word(s)" in draft.summary


def test_instruction_noted_as_ignored():
    draft = draft_offline(SCRIPT, 80, _audience(Pacing.MEDIUM), (), 0, "Funnier")
    assert "does not follow free-text instructions" in draft.summary


def test_more_drafts_cut_harder(context):
    scene = dataclasses.replace(context.scene, script=SCRIPT, duration_s=80)
    context = dataclasses.replace(context, scene=scene)
    drafter = OfflineDrafter()
    request, _ = prompts.build_request(context, drafter, 3)
    result = drafter.draft(request)

    lengths = [len(d.script) for d in result.drafts]
    assert result.provider == "offline"
    assert not drafter.is_language_model
    assert lengths == sorted(lengths, reverse=True)
    assert len(set(lengths)) == len(lengths)
