"""Saving journeys in the project file and replaying them on an edited story."""

from __future__ import annotations

import sqlite3

import pytest

from author_studio.domain.errors import ConflictError, ValidationError
from author_studio.domain.journey import JourneyChoice, JourneyEdit, StepHow
from author_studio.domain.model import Choice
from author_studio.preview.engine import PlayEngine
from author_studio.preview.replay import journey_from_run, replay_journey
from author_studio.services.changes import Entity
from author_studio.services.session import ProjectSession
from tests.play_story import build_harbour_story


@pytest.fixture
def harbour(tmp_path):
    story = build_harbour_story(tmp_path / "harbour.authorstudio")
    yield story
    story.session.close()


def play_to_truth(harbour) -> PlayEngine:
    """Play ticket → board (timed out) → set trust → stranger → below."""
    engine = PlayEngine(harbour.session.load_story(), "Teens")
    engine.choose(harbour.choices["ticket"].id)
    engine.time_out()
    engine.set_variable("trust", 2)
    engine.choose(harbour.choices["talk"].id)
    engine.choose(harbour.choices["follow"].id)
    return engine


def test_journey_round_trips_through_file(harbour, tmp_path):
    engine = play_to_truth(harbour)
    notices = []
    harbour.session.subscribe(notices.append)

    saved = harbour.session.journeys.save(journey_from_run(engine, "  Trust path "))
    harbour.session.close()
    reopened = ProjectSession.open(tmp_path / "harbour.authorstudio")
    loaded = reopened.journeys.by_name("Trust path")
    reopened.close()

    assert saved.id is not None
    assert notices[-1].ids(Entity.JOURNEY) == {saved.id}
    assert loaded.audience_id == harbour.teens.id
    assert loaded.audience_name == "Teens"
    assert loaded.start_scene_key == "dock"
    assert loaded.steps == [
        JourneyChoice(
            harbour.choices["ticket"].id, "dock", "Buy a ticket", "ticket_office"
        ),
        JourneyChoice(
            harbour.choices["board_ticket"].id,
            "ticket_office",
            "Board with the ticket",
            "deck",
            StepHow.TIMED_OUT,
        ),
        JourneyEdit("deck", "trust", 2),
        JourneyChoice(
            harbour.choices["talk"].id, "deck", "Talk to the stranger", "stranger"
        ),
        JourneyChoice(
            harbour.choices["follow"].id, "stranger", "Follow her below", "below"
        ),
    ]


def test_replay_reaches_same_scene_and_state(harbour):
    engine = play_to_truth(harbour)
    harbour.session.journeys.save(journey_from_run(engine, "Trust path"))

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust path")
    )

    assert result.complete
    assert result.steps_replayed == 5
    assert result.engine.scene.key == "below"
    assert result.engine.state == {"has_ticket": True, "trust": 3}
    assert [s.how for s in result.engine.steps] == [s.how for s in engine.steps]


def test_replay_uses_current_text(harbour):
    engine = play_to_truth(harbour)
    harbour.session.journeys.save(journey_from_run(engine, "Trust path"))
    harbour.session.scenes.update(harbour.scenes["below"].id, script="REWRITTEN")

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust path")
    )

    assert result.engine.text().text == "REWRITTEN"


def test_replay_stops_at_failing_condition(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.choices.update(harbour.choices["follow"].id, condition="trust >= 5")

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert not result.complete
    assert result.steps_replayed == 4
    assert result.broken.step_number == 5
    assert result.engine.scene.key == "stranger"
    assert result.broken.describe() == (
        "Step 5 (stranger → 'Follow her below' → below) breaks: the choice "
        "'Follow her below' is not on offer any more: its condition `trust >= 5` is "
        "false when trust = 3."
    )


def test_replay_stops_at_removed_choice(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.choices.delete(harbour.choices["talk"].id)

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert result.broken.step_number == 4
    assert result.engine.scene.key == "deck"
    assert result.broken.reason == (
        "the choice 'Talk to the stranger' from 'deck' to 'stranger' was removed; on "
        "offer in 'On Deck': 1) Stay by the rail."
    )


def test_replay_stops_when_default_changed(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.choices.create(
        Choice(
            harbour.scenes["ticket_office"].id,
            harbour.scenes["ending_dawn"].id,
            "Go home",
            is_default=True,
            window_s=6,
        )
    )

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert result.broken.step_number == 2
    assert "the default on offer is now 'Go home'" in result.broken.reason


def test_replay_stops_when_target_moved(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.choices.update(
        harbour.choices["ticket"].id, target_id=harbour.scenes["rail"].id
    )

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert result.broken.step_number == 1
    assert result.broken.reason == (
        "the choice 'Buy a ticket' now leads to 'rail' instead of 'ticket_office'."
    )


def test_replay_cannot_start_without_audience(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.audiences.delete(harbour.teens.id)

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert result.engine is None
    assert result.broken.describe() == (
        "The journey cannot start: its audience 'Teens' was deleted."
    )


def test_replay_drops_removed_start_variable(harbour):
    engine = PlayEngine(harbour.session.load_story(), start_state={"trust": 4})
    harbour.session.journeys.save(journey_from_run(engine, "Start"))
    harbour.session.variables.delete(
        next(v for v in harbour.session.variables.list() if v.name == "trust").id
    )

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Start")
    )

    assert result.complete
    assert result.notes == (
        "The start value trust = 4 was dropped: the story has no such variable any "
        "more.",
    )


def test_unreadable_step_stops_replay(harbour, tmp_path):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    path = tmp_path / "harbour.authorstudio"
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE journey SET steps = json_set(steps, '$[2].choice_id', 'x') "
            "WHERE name = 'Trust'"
        )

    journey = harbour.session.journeys.by_name("Trust")
    result = replay_journey(harbour.session.load_story(), journey)

    assert result.broken.step_number == 2
    assert "'choice_id' is missing or not int" in result.broken.reason


def test_save_rejects_duplicate_name_unless_replacing(harbour):
    engine = PlayEngine(harbour.session.load_story())
    harbour.session.journeys.save(journey_from_run(engine, "Short"))
    engine.time_out()

    with pytest.raises(ConflictError, match="already a journey named 'Short'"):
        harbour.session.journeys.save(journey_from_run(engine, "Short"))
    replaced = harbour.session.journeys.save(
        journey_from_run(engine, "Short"), replace=True
    )

    assert replaced.choice_count == 1
    assert len(harbour.session.journeys.list()) == 1


def test_save_rejects_empty_name(harbour):
    engine = PlayEngine(harbour.session.load_story())

    with pytest.raises(ValidationError, match="journey name is empty"):
        harbour.session.journeys.save(journey_from_run(engine, "   "))
    assert harbour.session.journeys.list() == []


def test_replay_stops_when_effects_fail(harbour):
    harbour.session.journeys.save(journey_from_run(play_to_truth(harbour), "Trust"))
    harbour.session.choices.update(
        harbour.choices["talk"].id, effects="trust = trust / 0"
    )

    result = replay_journey(
        harbour.session.load_story(), harbour.session.journeys.by_name("Trust")
    )

    assert result.broken.step_number == 4
    assert result.engine.scene.key == "deck"
    assert "cannot be applied: Column 15: division by zero" in result.broken.reason
