"""A small branching story built through the services, for the play tests.

Harbour Night: the viewer boards a ferry with or without a ticket, may meet a
stranger, and reaches one of four endings. It has a variable read by a condition,
effects, timed default choices, an approved variant for one audience and a persona
for each audience.

    dock ─┬─ Board the ferry (default, 8 s) ──────────────► deck
          └─ Buy a ticket {has_ticket = true} ─► ticket_office ─► deck (default, 6 s)
    deck ─┬─ Talk to the stranger [has_ticket] {trust += 1} ─► stranger
          └─ Stay by the rail (default, 5 s) ─► rail
    stranger ─┬─ Follow her below [trust >= 1] ─► below ─► ending_truth (default)
              └─ Say goodbye (default, 4 s) ─► ending_alone
    rail ─┬─ Jump ─► ending_sea
          └─ Wait for dawn (default, 10 s) ─► ending_dawn
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from author_studio.domain.model import (
    Audience,
    Choice,
    Pacing,
    Persona,
    Scene,
    SceneKind,
    Variable,
    VariableType,
    Variant,
)
from author_studio.services.session import ProjectSession

DOCK_SCRIPT = (
    "EXT. HARBOUR - NIGHT\n\nRain on the water. MARA (30s) stands at the gangway, "
    "a suitcase in one hand.\n\nMARA\nLast boat tonight."
)
DOCK_TEEN_SCRIPT = (
    "EXT. HARBOUR - NIGHT\n\nMARA (17) checks her phone one last time.\n\nMARA\n"
    "If I miss this one, I'm walking home."
)


@dataclass
class HarbourStory:
    session: ProjectSession
    scenes: dict[str, Scene]
    choices: dict[str, Choice]
    teens: Audience
    adults: Audience


def build_harbour_story(path: Path) -> HarbourStory:
    session = ProjectSession.create(path, "Harbour Night", start_title="Dock")
    scenes: dict[str, Scene] = {"dock": session.scenes.by_key("start")}
    scenes["dock"] = session.scenes.update(
        scenes["dock"].id, key="dock", script=DOCK_SCRIPT, duration_s=40, tags=["calm"]
    )
    for key, title, kind, pacing, x in (
        ("ticket_office", "Ticket Office", SceneKind.SCENE, Pacing.SLOW, 1),
        ("deck", "On Deck", SceneKind.SCENE, Pacing.MEDIUM, 2),
        ("stranger", "The Stranger", SceneKind.SCENE, Pacing.MEDIUM, 3),
        ("rail", "At the Rail", SceneKind.SCENE, Pacing.SLOW, 3),
        ("below", "Below Deck", SceneKind.SCENE, Pacing.FAST, 4),
        ("ending_truth", "The Truth", SceneKind.ENDING, None, 5),
        ("ending_alone", "Alone", SceneKind.ENDING, None, 5),
        ("ending_sea", "Into the Sea", SceneKind.ENDING, Pacing.FAST, 5),
        ("ending_dawn", "Dawn", SceneKind.ENDING, None, 5),
    ):
        scenes[key] = session.scenes.create(
            Scene(
                key=key,
                title=title,
                kind=kind,
                pacing=pacing,
                script=f"{title.upper()}\n\nThe base script of {title}.",
                duration_s=30,
                x=x * 200.0,
            )
        )

    session.variables.create(Variable("has_ticket", VariableType.BOOL, False))
    session.variables.create(Variable("trust", VariableType.INT, 0))

    def link(name: str, source: str, target: str, label: str, **fields) -> None:
        choices[name] = session.choices.create(
            Choice(scenes[source].id, scenes[target].id, label, **fields)
        )

    choices: dict[str, Choice] = {}
    link(
        "board",
        "dock",
        "deck",
        "Board the ferry",
        is_default=True,
        window_s=8,
        tags=["calm"],
    )
    link(
        "ticket",
        "dock",
        "ticket_office",
        "Buy a ticket",
        effects="has_ticket = true",
        tags=["careful"],
    )
    link(
        "board_ticket",
        "ticket_office",
        "deck",
        "Board with the ticket",
        is_default=True,
        window_s=6,
    )
    link(
        "talk",
        "deck",
        "stranger",
        "Talk to the stranger",
        condition="has_ticket",
        effects="trust += 1",
        tags=["social"],
    )
    link(
        "stay",
        "deck",
        "rail",
        "Stay by the rail",
        is_default=True,
        window_s=5,
        tags=["calm"],
    )
    link(
        "follow",
        "stranger",
        "below",
        "Follow her below",
        condition="trust >= 1",
        tags=["thrill"],
    )
    link(
        "goodbye",
        "stranger",
        "ending_alone",
        "Say goodbye",
        is_default=True,
        window_s=4,
    )
    link("to_truth", "below", "ending_truth", "Open the cabin", is_default=True)
    link("jump", "rail", "ending_sea", "Jump", tags=["thrill"])
    link(
        "dawn",
        "rail",
        "ending_dawn",
        "Wait for dawn",
        is_default=True,
        window_s=10,
        tags=["calm"],
    )

    teens = session.audiences.create(Audience("Teens", pacing=Pacing.FAST))
    adults = session.audiences.create(Audience("Adults", pacing=Pacing.SLOW))
    variant = session.variants.create(
        Variant(scenes["dock"].id, teens.id, DOCK_TEEN_SCRIPT, 25)
    )
    session.variants.approve(variant.id, "editor")
    session.personas.create(
        Persona(
            "Social teen",
            teens.id,
            tag_weights={"social": 2.0, "careful": 1.0},
            timeout_rate=0.2,
            dropoff_per_minute=0.02,
        )
    )
    session.personas.create(
        Persona(
            "Thrill seeker",
            adults.id,
            tag_weights={"thrill": 3.0},
            timeout_rate=0.05,
            dropoff_per_minute=0.01,
        )
    )
    return HarbourStory(session, scenes, choices, teens, adults)
