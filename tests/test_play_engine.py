"""The headless play engine on the Harbour Night story."""

from __future__ import annotations

import pytest

from author_studio.domain.errors import NotFoundError, ValidationError
from author_studio.domain.journey import StepHow
from author_studio.preview.engine import PlayEngine, PlayError, RunStatus
from tests.play_story import DOCK_SCRIPT, DOCK_TEEN_SCRIPT, build_harbour_story


@pytest.fixture
def harbour(tmp_path):
    story = build_harbour_story(tmp_path / "harbour.authorstudio")
    yield story
    story.session.close()


def labels(engine: PlayEngine) -> list[str]:
    return [offered.choice.label for offered in engine.offer().on_offer]


def test_text_uses_approved_variant(harbour):
    engine = PlayEngine(harbour.session.load_story(), "Teens")

    text = engine.text()

    assert text.text == DOCK_TEEN_SCRIPT
    assert text.duration_s == 25
    assert not text.is_base
    assert text.source_label.startswith("Variant for Teens")


def test_text_falls_back_to_base_script(harbour):
    story = harbour.session.load_story()

    adults = PlayEngine(story, "Adults").text()
    base = PlayEngine(story).text()

    assert adults.text == DOCK_SCRIPT
    assert adults.is_base
    assert adults.source_label == "Base script (no approved variant for Adults)"
    assert base.source_label == "Base script"


def test_condition_hides_choice_until_state_allows(harbour):
    engine = PlayEngine(harbour.session.load_story())
    engine.choose(harbour.choices["board"].id)

    assert labels(engine) == ["Stay by the rail"]
    blocked = engine.offer().by_choice_id(harbour.choices["talk"].id)
    assert (
        blocked.blocked == "its condition `has_ticket` is false when has_ticket = false"
    )

    engine.set_variable("has_ticket", True)

    assert labels(engine) == ["Talk to the stranger", "Stay by the rail"]
    assert engine.offer().by_number(1).choice.id == harbour.choices["talk"].id


def test_effects_apply_and_time_out_takes_default(harbour):
    engine = PlayEngine(harbour.session.load_story(), "Teens")

    engine.choose_number(2)
    assert engine.state == {"has_ticket": True, "trust": 0}
    assert engine.offer().window_s == 6

    step = engine.time_out()

    assert step.how is StepHow.TIMED_OUT
    assert step.choice.id == harbour.choices["board_ticket"].id
    assert engine.scene.key == "deck"


def test_playthrough_reaches_ending(harbour):
    engine = PlayEngine(harbour.session.load_story(), "Teens")

    engine.choose(harbour.choices["ticket"].id)
    engine.time_out()
    engine.choose(harbour.choices["talk"].id)
    engine.choose(harbour.choices["follow"].id)
    engine.time_out()

    assert engine.scene.key == "ending_truth"
    assert engine.status == RunStatus.ENDED
    assert engine.finished
    assert [s.key for s in engine.path] == [
        "dock",
        "ticket_office",
        "deck",
        "stranger",
        "below",
        "ending_truth",
    ]
    assert [s.how for s in engine.steps] == [
        StepHow.CHOSEN,
        StepHow.TIMED_OUT,
        StepHow.CHOSEN,
        StepHow.CHOSEN,
        StepHow.TIMED_OUT,
    ]
    assert engine.state == {"has_ticket": True, "trust": 1}
    # The variant of the dock runs 25 s, the other four scenes 30 s each.
    assert engine.elapsed_s == 145
    with pytest.raises(PlayError, match="reached the ending 'The Truth'"):
        engine.choose(harbour.choices["dawn"].id)


def test_choice_not_on_offer_is_rejected(harbour):
    engine = PlayEngine(harbour.session.load_story())
    engine.time_out()

    with pytest.raises(PlayError, match=r"is not on offer in 'On Deck'.*has_ticket"):
        engine.choose(harbour.choices["talk"].id)
    with pytest.raises(PlayError, match=r"no choice 2 on offer.*1\) Stay by the rail"):
        engine.choose_number(2)
    with pytest.raises(PlayError, match="does not leave 'On Deck'"):
        engine.choose(harbour.choices["jump"].id)
    assert engine.scene.key == "deck"
    assert len(engine.steps) == 1


def test_back_restores_scene_and_state(harbour):
    engine = PlayEngine(harbour.session.load_story())
    engine.choose(harbour.choices["ticket"].id)
    engine.time_out()
    engine.set_variable("trust", 2)
    engine.choose(harbour.choices["talk"].id)
    assert engine.state["trust"] == 3

    undone = engine.back()

    assert undone.choice.id == harbour.choices["talk"].id
    assert engine.scene.key == "deck"
    assert engine.state == {"has_ticket": True, "trust": 2}
    assert [edit.name for edit in engine.pending_edits] == ["trust"]

    engine.back()
    engine.back()

    assert engine.scene.key == "dock"
    assert engine.state == {"has_ticket": False, "trust": 0}
    assert engine.back() is None


def test_restart_returns_to_start_state(harbour):
    engine = PlayEngine(
        harbour.session.load_story(), start_scene="deck", start_state={"trust": 5}
    )
    engine.set_variable("has_ticket", True)
    engine.choose(harbour.choices["talk"].id)
    engine.set_variable("trust", 0)

    engine.restart()

    assert engine.scene.key == "deck"
    assert engine.state == {"has_ticket": True, "trust": 5}
    assert engine.steps == ()
    assert labels(engine) == ["Talk to the stranger", "Stay by the rail"]


def test_value_set_before_first_choice_is_start_value(harbour):
    engine = PlayEngine(harbour.session.load_story())

    engine.set_variable("trust", 2)

    assert engine.start_state == {"has_ticket": False, "trust": 2}
    assert engine.start_overrides == {"trust": 2}
    assert engine.pending_edits == ()


def test_reset_start_values(harbour):
    engine = PlayEngine(harbour.session.load_story(), start_state={"trust": 5})
    engine.time_out()

    engine.reset_start_values()

    assert engine.scene.key == "dock"
    assert engine.state == {"has_ticket": False, "trust": 0}


def test_bad_start_and_values_are_rejected(harbour):
    story = harbour.session.load_story()

    with pytest.raises(NotFoundError, match=r"Unknown audience 'Kids'.*Teens, Adults"):
        PlayEngine(story, "Kids")
    with pytest.raises(NotFoundError, match="No scene with key 'pier'"):
        PlayEngine(story, start_scene="pier")
    with pytest.raises(ValidationError, match="no variable 'courage'"):
        PlayEngine(story, start_state={"courage": 1})

    engine = PlayEngine(story)
    with pytest.raises(
        ValidationError, match="trust is a whole-number variable, and 'high' is not"
    ):
        engine.set_variable("trust", "high")
    assert engine.state["trust"] == 0


def test_broken_effects_leave_run_in_place(harbour):
    harbour.session.choices.update(
        harbour.choices["ticket"].id, effects="trust = trust / 0"
    )
    engine = PlayEngine(harbour.session.load_story())

    with pytest.raises(
        PlayError, match=r"cannot be applied: Column .*division by zero"
    ):
        engine.choose(harbour.choices["ticket"].id)

    assert engine.scene.key == "dock"
    assert engine.steps == ()


def test_dead_end_is_stuck(harbour):
    harbour.session.choices.delete(harbour.choices["jump"].id)
    harbour.session.choices.update(harbour.choices["dawn"].id, condition="trust > 9")
    engine = PlayEngine(harbour.session.load_story(), start_scene="rail")

    assert engine.status == RunStatus.STUCK
    assert engine.offer().default is None
    with pytest.raises(PlayError, match="no default choice on offer"):
        engine.time_out()


def test_rebind_keeps_position_after_edit(harbour):
    engine = PlayEngine(harbour.session.load_story())
    engine.time_out()
    harbour.session.choices.update(harbour.choices["talk"].id, condition="")

    kept = engine.rebind(harbour.session.load_story())

    assert kept
    assert engine.scene.key == "deck"
    assert labels(engine) == ["Talk to the stranger", "Stay by the rail"]


def test_rebind_restarts_when_scene_deleted(harbour):
    engine = PlayEngine(harbour.session.load_story())
    engine.time_out()
    harbour.session.scenes.delete(harbour.scenes["deck"].id)

    kept = engine.rebind(harbour.session.load_story())

    assert not kept
    assert engine.scene.key == "dock"
    assert engine.steps == ()
