"""Sampled viewer paths with reasons, top-path reasons and audience comparison."""

from __future__ import annotations

import dataclasses

import pytest

from author_studio.domain.journey import StepHow
from author_studio.domain.model import Persona
from author_studio.preview.compare import compare_audiences
from author_studio.preview.replay import replay_journey
from author_studio.preview.sampler import (
    PathReason,
    PathSampler,
    explain_top_path,
    persona_top_paths,
    sample_path,
)
from author_studio.simulate.naive import NaiveWalker
from author_studio.simulate.results import Outcome, TopPath
from tests.play_story import build_harbour_story


@pytest.fixture
def harbour(tmp_path):
    story = build_harbour_story(tmp_path / "harbour.authorstudio")
    yield story
    story.session.close()


def persona(story, name) -> Persona:
    return next(p for p in story.personas if p.name == name)


def test_sampled_path_matches_simulation_walker(harbour):
    story = harbour.session.load_story()
    teen = persona(story, "Social teen")

    for seed in range(300):
        path = sample_path(story, teen, seed)
        outcome, last_scene, runtime = NaiveWalker(story, teen, seed).walk(1000)

        assert path.outcome == outcome, seed
        assert path.scene_ids[-1] == last_scene, seed
        assert path.runtime_s == pytest.approx(runtime), seed


def test_sampled_path_is_reproducible(harbour):
    story = harbour.session.load_story()
    teen = persona(story, "Social teen")

    first = sample_path(story, teen, 42)
    again = sample_path(story, teen, 42)

    assert first == again


def test_sampled_steps_follow_choices(harbour):
    story = harbour.session.load_story()
    teen = persona(story, "Social teen")

    for seed in range(50):
        path = sample_path(story, teen, seed)
        for step, following in zip(path.steps, path.steps[1:], strict=False):
            choice = next(c for c in story.choices if c.id == step.choice_id)
            assert choice.source_id == step.scene_id
            assert choice.target_id == following.scene_id
        assert path.steps[-1].choice_id is None
        assert (
            path.steps[-1].reason.value
            == {
                Outcome.ENDED: "ended",
                Outcome.DROPPED: "dropped",
                Outcome.STUCK: "stuck",
            }[path.outcome]
        )


def test_timeout_reason_recorded(harbour):
    story = harbour.session.load_story()
    always_late = dataclasses.replace(
        persona(story, "Social teen"), timeout_rate=1.0, dropoff_per_minute=0.0
    )

    path = sample_path(story, always_late, 3)

    assert [story.scene_by_id[s].key for s in path.scene_ids] == [
        "dock",
        "deck",
        "rail",
        "ending_dawn",
    ]
    assert [step.reason for step in path.steps] == [
        PathReason.TIMED_OUT,
        PathReason.TIMED_OUT,
        PathReason.TIMED_OUT,
        PathReason.ENDED,
    ]
    assert path.steps[0].detail == (
        "Timer ran out, so the default “Board the ferry” was taken."
    )
    assert path.steps[0].share == 1.0


def test_dropoff_reason_recorded(harbour):
    story = harbour.session.load_story()
    quitter = dataclasses.replace(persona(story, "Social teen"), dropoff_per_minute=1.0)

    path = sample_path(story, quitter, 0)

    assert path.outcome is Outcome.DROPPED
    assert len(path.steps) == 1
    assert path.steps[0].reason is PathReason.DROPPED
    assert path.steps[0].detail == (
        "Dropped off 0:25 into the scene (a 100% chance here for this persona)."
    )


def test_top_path_reasons_split_timer(harbour):
    story = harbour.session.load_story()
    late = dataclasses.replace(persona(story, "Thrill seeker"), timeout_rate=0.9)
    top = TopPath(
        count=10,
        choice_ids=[harbour.choices["board"].id, harbour.choices["stay"].id],
        outcome=Outcome.DROPPED,
        last_scene="rail",
    )

    path = explain_top_path(story, late, top, 100)

    # Boarding is the default at a timed point. Neither choice at the dock carries
    # a tag this persona weighs, so each has half the softmax: 0.9 + 0.1 * 0.5.
    assert path.steps[0].reason is PathReason.TIMED_OUT
    assert path.steps[0].share == pytest.approx(0.95)
    assert path.steps[0].detail == (
        "Timer ran out, so the default “Board the ferry” was taken (95% of the "
        "viewers who took it let the timer run out; the rest chose it)."
    )
    assert path.steps[1].reason is PathReason.TIMED_OUT
    assert path.steps[1].share == pytest.approx(1.0)
    assert path.steps[-1].reason is PathReason.DROPPED
    assert path.scene_ids == [
        harbour.scenes["dock"].id,
        harbour.scenes["deck"].id,
        harbour.scenes["rail"].id,
    ]


def test_top_path_stops_fitting_after_edit(harbour):
    story = harbour.session.load_story()
    top = TopPath(1, [harbour.choices["talk"].id], Outcome.ENDED, "stranger")

    assert explain_top_path(story, story.personas[0], top, 1) is None


def test_persona_top_paths_cover_viewers(harbour):
    story = harbour.session.load_story()
    teen = persona(story, "Social teen")

    result, paths = persona_top_paths(story, teen, 2000, 7)

    assert result.viewers == 2000
    assert paths
    assert sum(path.count for path in paths) <= 2000
    counts = [path.count for path in paths]
    assert counts == sorted(counts, reverse=True)
    for path in paths:
        assert path.audience.name == "Teens"
        assert path.persona.name == "Social teen"


def test_compare_audiences_ranks_differences(harbour):
    story = harbour.session.load_story()

    comparison = compare_audiences(story, harbour.teens, harbour.adults, 3000, 5)

    gaps = [abs(row.difference) for row in comparison.scenes]
    assert gaps == sorted(gaps, reverse=True)
    assert comparison.shares_a[harbour.scenes["dock"].id] == 1.0
    assert comparison.shares_b[harbour.scenes["dock"].id] == 1.0
    # The thrill seeker (Adults) jumps far more often than the social teen.
    sea = next(row for row in comparison.scenes if row.key == "ending_sea")
    assert sea.share_b > sea.share_a + 0.3
    assert comparison.scenes[0].key == "ending_sea"
    assert comparison.neutral == ()


def test_compare_audience_without_personas(harbour):
    kids = harbour.session.audiences.create(
        dataclasses.replace(harbour.teens, id=None, name="Kids")
    )
    story = harbour.session.load_story()

    comparison = compare_audiences(story, harbour.teens, kids, 500, 1)

    assert comparison.neutral == ("Kids",)
    assert comparison.shares_b[harbour.scenes["dock"].id] == 1.0


def test_reseeded_sampler_matches_fresh_one(harbour):
    story = harbour.session.load_story()
    teen = persona(story, "Social teen")
    sampler = PathSampler(story, teen, 0)
    sampler.sample()

    for seed in (5, 6, 5):
        sampler.reseed(seed)

        assert sampler.sample() == sample_path(story, teen, seed)


def test_path_to_journey_replays(harbour):
    story = harbour.session.load_story()
    late = dataclasses.replace(
        persona(story, "Social teen"), timeout_rate=1.0, dropoff_per_minute=0.0
    )
    path = sample_path(story, late, 3)

    journey = path.to_journey(story, "Late teen")
    result = replay_journey(story, journey)

    assert journey.audience_name == "Teens"
    assert [step.how for step in journey.steps] == [StepHow.TIMED_OUT] * 3
    assert result.complete
    assert result.engine.scene.key == "ending_dawn"
    assert result.engine.text().audience.name == "Teens"


def test_path_to_journey_after_choice_deleted(harbour):
    story = harbour.session.load_story()
    path = sample_path(story, persona(story, "Social teen"), 3)
    harbour.session.choices.delete(path.choice_ids[0])

    with pytest.raises(ValueError, match=r"Choice \d+ of this path was deleted"):
        path.to_journey(harbour.session.load_story(), "Gone")
