"""Services: round trips through the file, validation, cascades and notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from author_studio.domain import (
    Audience,
    CanonFact,
    Choice,
    ConflictError,
    ContentRating,
    NotFoundError,
    Pacing,
    Persona,
    Provenance,
    Scene,
    SceneKind,
    ValidationError,
    Variable,
    VariableType,
    Variant,
    VariantOrigin,
    VariantStatus,
)
from author_studio.services import Action, ChangeNotice, Entity, ProjectSession


@pytest.fixture
def session(tmp_path: Path):
    session = ProjectSession.create(tmp_path / "show.authorstudio", "Harbour Lights")
    yield session
    session.close()


@pytest.fixture
def notices(session: ProjectSession) -> list[ChangeNotice]:
    received: list[ChangeNotice] = []
    session.subscribe(received.append)
    return received


def reopen(session: ProjectSession) -> ProjectSession:
    return ProjectSession.open(session.path)


def make_audience(session: ProjectSession, name: str = "Family") -> Audience:
    return session.audiences.create(
        Audience(name=name, pacing=Pacing.MEDIUM, rating=ContentRating.PG)
    )


def test_every_entity_round_trips(session: ProjectSession) -> None:
    start = session.scenes.start()
    scene = session.scenes.create(
        Scene(
            key="pier",
            title="The Pier",
            kind=SceneKind.ENDING,
            synopsis="Ana waits.",
            script="EXT. PIER - NIGHT\nAna waits.",
            duration_s=42.5,
            tags=["act3", "storm"],
            canon=True,
            notes="Shoot last.",
            pacing=Pacing.SLOW,
            x=310.0,
            y=-20.0,
        )
    )
    # Conditions and effects are type-checked, so the variable comes first.
    variable = session.variables.create(
        Variable(name="brave", type=VariableType.BOOL, initial=True, description="d")
    )
    choice = session.choices.create(
        Choice(
            source_id=start.id,
            target_id=scene.id,
            label="Run to the pier",
            condition="brave",
            effects="brave = false",
            window_s=8.0,
            is_default=True,
            tags=["risk"],
        )
    )
    audience = session.audiences.create(
        Audience(
            name="Thriller fans",
            pacing=Pacing.FAST,
            tone="tense",
            rating=ContentRating.R,
            interests=["heists", "chases"],
            language="en-GB",
            description="Late-night viewers.",
        )
    )
    persona = session.personas.create(
        Persona(
            name="Skipper",
            audience_id=audience.id,
            tag_weights={"risk": 1.5, "caution": -0.5},
            timeout_rate=0.2,
            dropoff_per_minute=0.02,
            mismatch_factor=3.0,
            description="Skips recaps.",
        )
    )
    fact = session.canon.create(CanonFact(term="Ana", note="Lead", scene_id=scene.id))
    variant = session.variants.create(
        Variant(
            scene_id=scene.id,
            audience_id=audience.id,
            script="EXT. PIER - NIGHT\nAna runs.",
            duration_s=30,
            origin=VariantOrigin.AI,
            summary="Faster.",
            canon_kept=["Ana"],
            provenance=Provenance("openai", "gpt-x", "ab" * 32, 120, 80, 900),
        )
    )

    other = reopen(session)
    assert other.scenes.get(scene.id) == scene
    assert other.choices.get(choice.id) == choice
    assert other.variables.get(variable.id) == variable
    assert other.audiences.get(audience.id) == audience
    assert other.personas.get(persona.id) == persona
    assert other.canon.get(fact.id) == fact
    assert other.variants.get(variant.id) == variant
    other.close()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"title": "  "}, "title", "title is empty"),
        ({"duration_s": -3}, "duration_s", "cannot be negative"),
        ({"key": "has space"}, "key", "is invalid"),
        ({"tags": ["two words"]}, "tags", "one word"),
    ],
)
def test_scene_validation(session, fields, field, words) -> None:
    scene = session.scenes.create(Scene(key="a", title="A"))
    with pytest.raises(ValidationError, match=words) as caught:
        session.scenes.update(scene.id, **fields)
    assert caught.value.field == field
    assert session.scenes.get(scene.id) == scene


def test_duplicate_scene_key(session: ProjectSession) -> None:
    session.scenes.create(Scene(key="dock", title="Dock"))
    with pytest.raises(ConflictError, match="already used by scene 'Dock'"):
        session.scenes.create(Scene(key="dock", title="Another dock"))
    assert len(session.scenes.list()) == 2


def test_generated_keys_are_unique(session: ProjectSession) -> None:
    first = session.scenes.create(Scene(key="", title="Storm Rising!"))
    second = session.scenes.create(Scene(key="", title="Storm rising"))
    assert first.key == "storm_rising"
    assert second.key == "storm_rising_2"


def test_choice_to_missing_scene(session: ProjectSession) -> None:
    start = session.scenes.start()
    with pytest.raises(NotFoundError, match="missing target scene"):
        session.choices.create(Choice(source_id=start.id, target_id=999, label="Go"))
    assert session.choices.list() == []


def test_one_default_per_choice_point(session, notices) -> None:
    start = session.scenes.start()
    a = session.scenes.create(Scene(key="a", title="A"))
    b = session.scenes.create(Scene(key="b", title="B"))
    first = session.choices.create(
        Choice(start.id, a.id, "Left", window_s=5, is_default=True)
    )
    second = session.choices.create(
        Choice(start.id, b.id, "Right", window_s=5, is_default=True)
    )
    assert session.choices.get(first.id).is_default is False
    assert session.choices.get(second.id).is_default is True
    assert notices[-1].ids(Entity.CHOICE, Action.UPDATED) == {first.id}
    assert [c.position for c in session.choices.from_scene(start.id)] == [1, 2]


def test_second_approved_variant_rejected(session: ProjectSession) -> None:
    audience = make_audience(session)
    scene = session.scenes.create(Scene(key="a", title="A"))
    session.variants.create(
        Variant(scene.id, audience.id, "one", 10, status=VariantStatus.APPROVED)
    )
    with pytest.raises(ConflictError, match="already has an approved variant"):
        session.variants.create(
            Variant(scene.id, audience.id, "two", 10, status=VariantStatus.APPROVED)
        )
    assert len(session.variants.list()) == 1


def test_variant_for_unknown_audience(session: ProjectSession) -> None:
    scene = session.scenes.create(Scene(key="a", title="A"))
    with pytest.raises(NotFoundError, match="unknown audience"):
        session.variants.create(Variant(scene.id, 42, "text", 10))
    with pytest.raises(NotFoundError, match="Unknown audience 'Teens'"):
        session.audiences.by_name("Teens")


def test_negative_variant_duration(session: ProjectSession) -> None:
    audience = make_audience(session)
    scene = session.scenes.create(Scene(key="a", title="A"))
    with pytest.raises(ValidationError, match="negative"):
        session.variants.create(Variant(scene.id, audience.id, "text", -1))


def test_approve_supersedes_and_audits(session: ProjectSession) -> None:
    audience = make_audience(session)
    scene = session.scenes.create(Scene(key="a", title="A"))
    old = session.variants.create(Variant(scene.id, audience.id, "one", 10))
    new = session.variants.create(Variant(scene.id, audience.id, "two", 10))
    session.variants.approve(old.id, "ines", "fine")
    session.variants.approve(new.id, "ines", "better")

    assert session.variants.get(old.id).status is VariantStatus.SUPERSEDED
    assert session.variants.get(new.id).status is VariantStatus.APPROVED
    decisions = [r.decision.value for r in session.variants.reviews(old.id)]
    assert decisions == ["approved", "superseded"]
    actions = [entry.action for entry in session.audit_log()]
    assert actions == ["approved", "superseded", "approved"]


def test_reject_needs_reason(session: ProjectSession) -> None:
    audience = make_audience(session)
    scene = session.scenes.create(Scene(key="a", title="A"))
    variant = session.variants.create(Variant(scene.id, audience.id, "one", 10))
    with pytest.raises(ValidationError, match="needs a reason"):
        session.variants.reject(variant.id, "ines", " ")
    assert session.variants.get(variant.id).status is VariantStatus.PROPOSED
    session.variants.reject(variant.id, "ines", "Drops the storm beat.")
    assert session.variants.get(variant.id).status is VariantStatus.REJECTED


def test_edit_and_approve_links_draft(session: ProjectSession) -> None:
    audience = make_audience(session)
    scene = session.scenes.create(Scene(key="a", title="A"))
    draft = session.variants.create(
        Variant(scene.id, audience.id, "draft", 10, origin=VariantOrigin.AI)
    )
    edited = session.variants.edit_and_approve(draft.id, "better text", 12, "ines")
    assert edited.origin is VariantOrigin.HUMAN_EDITED
    assert edited.parent_id == draft.id
    assert edited.status is VariantStatus.APPROVED
    assert session.variants.get(draft.id).status is VariantStatus.SUPERSEDED


def test_delete_scene_cascades_in_one_notice(session, notices) -> None:
    audience = make_audience(session)
    start = session.scenes.start()
    scene = session.scenes.create(Scene(key="a", title="A"))
    choice = session.choices.create(Choice(start.id, scene.id, "Go"))
    variant = session.variants.create(Variant(scene.id, audience.id, "v", 10))
    fact = session.canon.create(CanonFact(term="Ana", scene_id=scene.id))
    notices.clear()

    bundle = session.scenes.delete_many([scene.id])

    assert len(notices) == 1
    notice = notices[0]
    assert notice.ids(Entity.SCENE, Action.DELETED) == {scene.id}
    assert notice.ids(Entity.CHOICE, Action.DELETED) == {choice.id}
    assert notice.ids(Entity.VARIANT, Action.DELETED) == {variant.id}
    assert notice.ids(Entity.CANON, Action.DELETED) == {fact.id}
    other = reopen(session)
    assert other.counts().choices == 0
    assert other.variants.list() == []
    other.close()

    session.scenes.restore(bundle)
    assert session.choices.get(choice.id) == choice
    assert session.variants.get(variant.id).script == "v"


def test_delete_start_scene_refused(session: ProjectSession) -> None:
    start = session.scenes.start()
    with pytest.raises(ConflictError, match="Set as Start"):
        session.scenes.delete(start.id)
    assert session.scenes.start() == start


def test_set_start_moves_the_start(session: ProjectSession) -> None:
    old = session.scenes.start()
    new = session.scenes.create(Scene(key="cold_open", title="Cold open"))
    with pytest.raises(ConflictError, match="already the start scene"):
        session.scenes.update(new.id, kind=SceneKind.START)
    session.scenes.set_start(new.id)
    assert session.scenes.start().id == new.id
    assert session.scenes.get(old.id).kind is SceneKind.SCENE


def test_move_sends_layout_notice(session, notices) -> None:
    start = session.scenes.start()
    session.scenes.move({start.id: (12.0, 34.0)})
    assert notices[-1].is_only_layout()
    assert session.scenes.get(start.id).x == 12.0


def test_unknown_field_rejected(session: ProjectSession) -> None:
    start = session.scenes.start()
    with pytest.raises(ValidationError, match="no editable field 'colour'"):
        session.scenes.update(start.id, colour="red")


def test_audience_delete_cascades(session: ProjectSession, notices) -> None:
    audience = make_audience(session)
    persona = session.personas.create(Persona(name="P", audience_id=audience.id))
    session.audiences.delete(audience.id)
    assert notices[-1].ids(Entity.PERSONA, Action.DELETED) == {persona.id}
    assert session.personas.list() == []


def test_persona_validation(session: ProjectSession) -> None:
    audience = make_audience(session)
    with pytest.raises(ValidationError, match="share from 0 to 1"):
        session.personas.create(
            Persona(name="P", audience_id=audience.id, timeout_rate=1.5)
        )
    with pytest.raises(NotFoundError, match="unknown audience"):
        session.personas.create(Persona(name="Q", audience_id=audience.id + 7))


def test_variable_type_checked(session: ProjectSession) -> None:
    with pytest.raises(ValidationError, match="not a whole number"):
        session.variables.create(Variable("clues", VariableType.INT, "three"))
    session.variables.create(Variable("clues", VariableType.INT, 0))
    with pytest.raises(ConflictError, match="already a variable named 'clues'"):
        session.variables.create(Variable("clues", VariableType.INT, 1))


def test_failed_call_sends_no_notice(session, notices) -> None:
    with pytest.raises(ConflictError):
        session.scenes.create(Scene(key="start", title="Dup"))
    assert notices == []


def test_create_many_all_or_nothing(session: ProjectSession, notices) -> None:
    start = session.scenes.start()
    scenes = session.scenes.create_many(
        [Scene(key="a", title="A"), Scene(key="b", title="B")]
    )
    assert [s.key for s in session.scenes.list()] == ["start", "a", "b"]
    assert notices[-1].ids(Entity.SCENE, Action.CREATED) == {s.id for s in scenes}

    with pytest.raises(ConflictError, match="'a' is already used"):
        session.scenes.create_many([Scene(key="c", title="C"), Scene("a", "A2")])
    with pytest.raises(ConflictError, match="more than one new scene"):
        session.scenes.create_many([Scene(key="d", title="D"), Scene("d", "D2")])
    assert len(session.scenes.list()) == 3

    with pytest.raises(NotFoundError, match="missing target scene"):
        session.choices.create_many(
            [Choice(start.id, scenes[0].id, "Fine"), Choice(start.id, 404, "Broken")]
        )
    assert session.choices.list() == []


def test_create_many_choices_keeps_one_default(session: ProjectSession) -> None:
    start = session.scenes.start()
    a, b = session.scenes.create_many([Scene("a", "A"), Scene("b", "B")])
    old = session.choices.create(Choice(start.id, a.id, "Old", is_default=True))
    (new,) = session.choices.create_many(
        [Choice(start.id, b.id, "New", is_default=True)]
    )
    assert session.choices.get(old.id).is_default is False
    assert session.choices.get(new.id).is_default is True
    with pytest.raises(ConflictError, match="more than one default"):
        session.choices.create_many(
            [
                Choice(a.id, b.id, "One", is_default=True),
                Choice(a.id, b.id, "Two", is_default=True),
            ]
        )


def test_move_unknown_scene_stores_nothing(session: ProjectSession) -> None:
    start = session.scenes.start()
    with pytest.raises(NotFoundError, match="No scene with id 9999"):
        session.scenes.move({start.id: (50.0, 60.0), 9999: (1.0, 2.0)})
    assert (session.scenes.get(start.id).x, session.scenes.get(start.id).y) == (
        start.x,
        start.y,
    )


def test_move_many_scenes_stores_each(session: ProjectSession) -> None:
    scenes = session.scenes.create_many(
        Scene(key=f"s{index}", title=f"Scene {index}") for index in range(50)
    )
    session.scenes.move({s.id: (s.id * 10.0, -s.id * 2.0) for s in scenes})
    stored = {s.id: (s.x, s.y) for s in session.scenes.list()}
    for scene in scenes:
        assert stored[scene.id] == (scene.id * 10.0, -scene.id * 2.0)


def test_positions_follow_moves(session: ProjectSession) -> None:
    start = session.scenes.start()
    other = session.scenes.create(Scene(key="other", title="Other", x=5.0, y=6.0))
    session.scenes.move({start.id: (-40.0, 80.5)})
    assert session.scenes.positions() == {start.id: (-40.0, 80.5), other.id: (5.0, 6.0)}


def test_shared_story_ends_at_write(session: ProjectSession) -> None:
    story = session.load_story()
    with session.sharing_story(story):
        assert session.load_story() is story
        session.scenes.create(Scene(key="late", title="Late"))
        fresh = session.load_story()
    assert fresh is not story
    assert "late" in {scene.key for scene in fresh.scenes}
    assert session.load_story() is not story
