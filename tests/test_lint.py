"""Lint: every finding on a small story, with a case that reports it and one
that must not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from author_studio.analysis import Severity, has_errors, lint
from author_studio.domain.model import (
    Audience,
    CanonFact,
    Variable,
    VariableType,
    Variant,
    VariantStatus,
)
from author_studio.services.session import ProjectSession
from tests.builders import make_story

SAMPLE_PROJECTS = Path(__file__).resolve().parent.parent / "sample_projects"


def codes(story) -> list[str]:
    return [finding.code for finding in lint(story)]


def only(story, code: str):
    found = [f for f in lint(story) if f.code == code]
    assert len(found) == 1, found
    return found[0]


def linear():
    return make_story(
        ["start", "middle", "end_good"], [("start", "middle"), ("middle", "end_good")]
    )


def test_clean_story_has_no_findings() -> None:
    assert lint(linear()) == []
    assert not has_errors(lint(linear()))


def test_unreachable_scene() -> None:
    story = make_story(
        ["start", "orphan", "end"], [("start", "end"), ("orphan", "end")]
    )
    finding = only(story, "unreachable-scene")
    assert finding.scene_id == 2
    assert finding.severity is Severity.WARNING
    assert "no chain of choices" in finding.message
    assert "unreachable-scene" not in codes(linear())


def test_unreachable_ending() -> None:
    story = make_story(["start", "end_a", "end_b"], [("start", "end_a")])
    finding = only(story, "unreachable-ending")
    assert finding.scene_id == 3
    assert "unreachable-scene" not in codes(story)
    assert "unreachable-ending" not in codes(linear())


def test_dead_end() -> None:
    story = make_story(
        ["start", "stuck", "end"], [("start", "stuck"), ("start", "end")]
    )
    finding = only(story, "dead-end")
    assert finding.scene_id == 2
    assert finding.severity is Severity.ERROR
    assert has_errors(lint(story))
    assert "dead-end" not in codes(linear())


def test_ending_without_choices_is_no_dead_end() -> None:
    story = make_story(["start", "end"], [("start", "end")])
    assert "dead-end" not in codes(story)


def test_trapped_loop() -> None:
    story = make_story(
        ["start", "loop_a", "loop_b", "end"],
        [
            ("start", "loop_a"),
            ("start", "end"),
            ("loop_a", "loop_b"),
            ("loop_b", "loop_a"),
        ],
    )
    finding = only(story, "trapped-loop")
    assert finding.scene_ids == (2, 3)
    assert finding.scene_id == 2
    assert finding.severity is Severity.ERROR


def test_loop_with_exit_is_not_trapped() -> None:
    story = make_story(
        ["start", "loop_a", "loop_b", "end"],
        [
            ("start", "loop_a"),
            ("loop_a", "loop_b"),
            ("loop_b", "loop_a"),
            ("loop_b", "end"),
        ],
    )
    assert "trapped-loop" not in codes(story)


def test_self_loop_without_exit_is_trapped() -> None:
    story = make_story(
        ["start", "again", "end"],
        [("start", "again"), ("start", "end"), ("again", "again")],
    )
    assert only(story, "trapped-loop").scene_ids == (2,)


def test_loop_whose_exit_is_impossible_is_trapped() -> None:
    story = make_story(
        ["start", "loop_a", "loop_b", "end"],
        [
            ("start", "loop_a", {"effects": "key = false"}),
            ("start", "end"),
            ("loop_a", "loop_b"),
            ("loop_b", "loop_a"),
            ("loop_b", "end", {"condition": "key"}),
        ],
        variables=[Variable("key", VariableType.BOOL, False)],
    )
    assert "trapped-loop" in codes(story)
    assert "impossible-condition" in codes(story)


def counter_story(condition: str, effects: str = "trust += 1"):
    return make_story(
        ["start", "talk", "secret", "end"],
        [
            ("start", "talk", {"effects": effects}),
            ("talk", "secret", {"condition": condition}),
            ("talk", "end"),
            ("secret", "end"),
        ],
        variables=[Variable("trust", VariableType.INT, 0)],
    )


def test_impossible_condition_is_proven() -> None:
    story = counter_story("trust < 0")
    finding = only(story, "impossible-condition")
    assert finding.choice_id == 2
    assert finding.scene_id == 2
    assert finding.severity is Severity.WARNING
    assert not finding.unsure
    assert "0..∞" in finding.message


def test_impossible_condition_makes_scene_unreachable() -> None:
    finding = only(counter_story("trust < 0"), "unreachable-scene")
    assert finding.scene_id == 3
    assert "can never hold" in finding.message


def test_possible_condition_is_not_reported() -> None:
    assert "impossible-condition" not in codes(counter_story("trust > 3"))
    assert "impossible-condition" not in codes(
        counter_story("trust >= 1 and trust < 2")
    )


def test_arithmetic_condition_that_can_hold_is_not_reported() -> None:
    assert "impossible-condition" not in codes(counter_story("trust * 2 > 7"))
    assert "impossible-condition" not in codes(counter_story("trust - 3 > 1"))


def test_contradiction_on_one_variable_is_proven() -> None:
    finding = only(counter_story("trust > 5 and trust < 3"), "impossible-condition")
    assert not finding.unsure


def test_exact_value_sets_are_used() -> None:
    story = counter_story("trust == 2", effects="trust = 5")
    finding = only(story, "impossible-condition")
    assert not finding.unsure
    assert "{0, 5}" in finding.message
    assert "impossible-condition" not in codes(counter_story("trust == 5", "trust = 5"))


def test_impossible_text_condition() -> None:
    story = make_story(
        ["start", "a", "b", "end"],
        [
            ("start", "a", {"effects": 'ally = "Mara"'}),
            ("a", "b", {"condition": 'ally == "Ines"'}),
            ("a", "end"),
            ("b", "end"),
        ],
        variables=[Variable("ally", VariableType.TEXT, "")],
    )
    assert only(story, "impossible-condition").unsure is False


def test_unsure_condition_is_flagged() -> None:
    story = counter_story("trust * trust < 0")
    finding = only(story, "impossible-condition")
    assert finding.unsure
    assert finding.severity is Severity.INFO
    assert "unsure" in finding.message
    assert "unreachable-scene" not in codes(story)


def test_variable_never_set() -> None:
    story = make_story(
        ["start", "a", "end"],
        [("start", "a", {"condition": "brave"}), ("start", "end"), ("a", "end")],
        variables=[Variable("brave", VariableType.BOOL, True)],
    )
    finding = only(story, "variable-never-set")
    assert "'brave'" in finding.message
    assert "variable-never-set" not in codes(counter_story("trust > 0"))


def test_variable_never_read() -> None:
    story = make_story(
        ["start", "end"],
        [("start", "end", {"effects": "trust += 1"})],
        variables=[Variable("trust", VariableType.INT, 0)],
    )
    assert "'trust'" in only(story, "variable-never-read").message
    assert "variable-never-read" not in codes(counter_story("trust > 0"))


def test_unused_variable() -> None:
    story = make_story(
        ["start", "end"],
        [("start", "end")],
        variables=[Variable("spare", VariableType.INT, 0)],
    )
    assert only(story, "unused-variable").severity is Severity.INFO
    assert "unused-variable" not in codes(counter_story("trust > 0"))


def test_timed_choice_without_default() -> None:
    story = make_story(
        ["start", "end_a", "end_b"],
        [("start", "end_a", {"window_s": 8.0}), ("start", "end_b", {"window_s": 8.0})],
    )
    finding = only(story, "timed-no-default")
    assert finding.scene_id == 1
    assert finding.severity is Severity.ERROR


def test_timed_choice_with_default() -> None:
    story = make_story(
        ["start", "end_a", "end_b"],
        [
            ("start", "end_a", {"window_s": 8.0}),
            ("start", "end_b", {"window_s": 8.0, "is_default": True}),
        ],
    )
    assert "timed-no-default" not in codes(story)


def test_invalid_condition_and_effects() -> None:
    story = make_story(
        ["start", "end"],
        [("start", "end", {"condition": "trust >", "effects": "nope = 1"})],
        variables=[Variable("trust", VariableType.INT, 0)],
    )
    condition = only(story, "invalid-condition")
    assert condition.choice_id == 1
    assert "column 8" in condition.message
    effects = only(story, "invalid-effects")
    assert "unknown variable 'nope'" in effects.message
    assert "invalid-condition" not in codes(counter_story("trust > 0"))
    assert "invalid-effects" not in codes(counter_story("trust > 0"))


def canon_story(script: str, *, status=VariantStatus.APPROVED, global_fact=False):
    audience = Audience("Teens", id=1)
    fact = CanonFact("the lighthouse", scene_id=None if global_fact else 2)
    return make_story(
        [
            "start",
            ("reveal", {"script": "Mara sees the lighthouse.", "canon": True}),
            "end",
        ],
        [("start", "reveal"), ("reveal", "end")],
        audiences=[audience],
        canon=[fact],
        variants=[Variant(2, 1, script, 60.0, status=status)],
    )


def test_variant_lost_canon() -> None:
    finding = only(canon_story("Mara sees a tower."), "variant-lost-canon")
    assert finding.scene_id == 2
    assert "'the lighthouse'" in finding.message
    assert finding.severity is Severity.ERROR


def test_variant_keeping_canon_is_clean() -> None:
    assert "variant-lost-canon" not in codes(canon_story("Mara sees The Lighthouse."))


def test_proposed_variant_is_not_checked_for_canon() -> None:
    story = canon_story("Mara sees a tower.", status=VariantStatus.PROPOSED)
    assert "variant-lost-canon" not in codes(story)


def test_global_canon_term_binds_where_base_uses_it() -> None:
    assert "variant-lost-canon" in codes(canon_story("A tower.", global_fact=True))


def test_canon_scene_without_variant() -> None:
    story = canon_story("Mara sees a tower.", status=VariantStatus.REJECTED)
    finding = only(story, "canon-scene-no-variant")
    assert finding.severity is Severity.WARNING
    assert "'Teens'" in finding.message
    assert "canon-scene-no-variant" not in codes(canon_story("the lighthouse"))


def test_no_start_and_no_ending() -> None:
    story = make_story(["end_only"], [])
    assert "no-start" in codes(story)
    story = make_story(["start", "middle"], [("start", "middle"), ("middle", "start")])
    assert "no-ending" in codes(story)
    assert "no-start" not in codes(linear())
    assert "no-ending" not in codes(linear())


def test_ending_with_choices() -> None:
    story = make_story(["start", "end"], [("start", "end"), ("end", "start")])
    assert only(story, "ending-has-choices").scene_id == 2
    assert "ending-has-choices" not in codes(linear())


def test_findings_are_sorted_errors_first() -> None:
    story = make_story(
        ["start", "orphan", "stuck", "end"],
        [("start", "stuck"), ("start", "end"), ("orphan", "end")],
    )
    severities = [f.severity for f in lint(story)]
    assert severities == sorted(severities, key=lambda s: s.rank)
    assert severities[0] is Severity.ERROR


def test_sample_project_lints_without_errors(tmp_path) -> None:
    shipped = SAMPLE_PROJECTS / "night_ferry.authorstudio"
    if not shipped.exists():
        pytest.skip(f"the sample project {shipped} is not present")
    copy = tmp_path / shipped.name
    shutil.copyfile(shipped, copy)
    session = ProjectSession.open(copy)
    try:
        findings = lint(session.load_story())
    finally:
        session.close()
    errors = [f.message for f in findings if f.severity is Severity.ERROR]
    assert errors == []
