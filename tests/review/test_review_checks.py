"""Checks shown with each variant, and the word diff."""

from __future__ import annotations

import dataclasses

from author_studio.domain.model import Variant, VariantStatus
from author_studio.review.checks import Level, check_variant, jaccard, shingles
from author_studio.review.diff import diff_html, diff_stats, word_diff
from author_studio.review.queue import ReviewFilter, review_queue


def _variant(project, script, duration=60.0, audience="Teens"):
    story = project.load_story()
    return project.variants.create(
        Variant(
            scene_id=story.scene_by_key["bridge"].id,
            audience_id=story.audience_by_name[audience].id,
            script=script,
            duration_s=duration,
        )
    )


def _checks(project, variant):
    story = project.load_story()
    return {c.name: c for c in check_variant(variant, story)}


def test_canon_term_dropped(project):
    variant = _variant(project, "MARA: Who sent you? The guild, I bet.")
    canon = _checks(project, variant)["canon"]
    assert canon.level is Level.PROBLEM
    assert "'Lantern Guild'" in canon.message


def test_canon_needs_whole_words(project):
    variant = _variant(project, "MARATHON: The Lantern Guild sent you.")
    assert _checks(project, variant)["canon"].message == (
        "Drops 1 canon term(s): 'Mara'."
    )


def test_canon_claim_checked(project):
    variant = _variant(project, "MARA: Go.")
    project.variants.update(variant.id, canon_kept=["Lantern Guild"])
    variant = project.variants.get(variant.id)
    message = _checks(project, variant)["canon"].message
    assert "claims to keep 'Lantern Guild'" in message


def test_canon_kept(project):
    variant = _variant(project, "MARA: The Lantern Guild sent you.")
    assert _checks(project, variant)["canon"].level is Level.OK


def test_unchanged_variant_flagged(project):
    base = project.scenes.by_key("bridge").script
    variant = _variant(project, base, 90)
    check = _checks(project, variant)["base"]
    assert check.level is Level.WARNING
    assert "changes almost nothing" in check.message


def test_near_duplicates_flagged(project):
    text = (
        "MARA: Tell me who sent you, stranger, because the Lantern Guild never "
        "sends anyone without a reason and I want to hear it now."
    )
    first = _variant(project, text)
    second = _variant(project, text.replace("now.", "tonight."))
    third = _variant(project, "MARA: Go. The Lantern Guild can keep its secrets.")
    check = _checks(project, second)["duplicates"]
    assert check.level is Level.WARNING
    assert check.related_ids == (first.id,)
    assert _checks(project, third)["duplicates"].level is Level.OK


def test_rejected_variants_not_compared(project):
    text = "MARA: Tell me who sent you. The Lantern Guild? Say it."
    first = _variant(project, text)
    project.variants.reject(first.id, "ed", "too flat")
    second = _variant(project, text)
    assert _checks(project, second)["duplicates"].level is Level.OK


def test_rating_words_for_family(project):
    variant = _variant(project, "MARA: Damn the Lantern Guild.", audience="Family")
    rating = _checks(project, variant)["rating"]
    assert rating.level is Level.PROBLEM
    assert "Damn (PG)" in rating.message
    teen = _variant(project, "MARA: Damn the Lantern Guild.")
    assert _checks(project, teen)["rating"].level is Level.OK


def test_duration_against_pacing(project):
    long_teen = _variant(project, "MARA: The Lantern Guild.", duration=85)
    check = _checks(project, long_teen)["duration"]
    assert check.level is Level.WARNING
    assert "too long for fast pacing" in check.message
    short_family = _variant(project, "MARA: Lantern Guild.", 60, "Family")
    assert (
        "too short for slow pacing"
        in _checks(project, short_family)["duration"].message
    )
    fine = _variant(project, "MARA: The Lantern Guild.", duration=60)
    assert _checks(project, fine)["duration"].level is Level.OK


def test_duration_too_short_to_speak(project):
    variant = _variant(project, " ".join(["word"] * 100) + " Lantern Guild", 10)
    check = _checks(project, variant)["duration"]
    assert "too short to perform 102 words" in check.message


def test_jaccard_of_shingles():
    a = shingles("one two three four")
    b = shingles("one two three five")
    assert a == {("one", "two", "three"), ("two", "three", "four")}
    assert jaccard(a, b) == 1 / 3


def test_word_diff_round_trips():
    base = "MARA: Who sent you?\nSTRANGER: The Guild."
    new = "MARA: Who really sent you?\nSTRANGER: The Lantern Guild."
    ops = word_diff(base, new)
    assert "".join(op.text for op in ops if op.kind != "delete") == new
    assert "".join(op.text for op in ops if op.kind != "insert") == base
    assert [op.text.strip() for op in ops if op.kind == "insert"] == [
        "really",
        "Lantern",
    ]
    assert diff_stats(ops).inserted_words == 2


def test_diff_html_escapes_and_marks():
    html = diff_html(word_diff("a <b> c", "a <i> c"))
    assert "&lt;i&gt;" in html
    assert "line-through" in html
    assert "<i>" not in html


def test_queue_filters(project):
    first = _variant(project, "MARA: The Lantern Guild.")
    second = _variant(project, "MARA: The Lantern Guild!", audience="Family")
    project.variants.reject(second.id, "ed", "no")
    story = project.load_story()
    proposed = review_queue(story, ReviewFilter())
    assert [v.id for v in proposed] == [first.id]
    family = story.audience_by_name["Family"].id
    rejected = review_queue(
        story, ReviewFilter(audience_id=family, status=VariantStatus.REJECTED)
    )
    assert [v.id for v in rejected] == [second.id]
    assert (
        len(review_queue(story, dataclasses.replace(ReviewFilter(), status=None))) == 2
    )
