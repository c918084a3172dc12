"""Fixtures for the GUI tests: a small story on disk and a main window on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from author_studio.domain.model import (
    Audience,
    Choice,
    Scene,
    SceneKind,
    Variable,
    VariableType,
    Variant,
    VariantStatus,
)
from author_studio.services.session import ProjectSession


def build_story(path: Path) -> dict[str, int]:
    """Write a five-scene story: a start, two branches that meet, and an ending.
    Returns scene ids by key."""
    session = ProjectSession.create(path, "Harbour Lights", start_title="Pier at Dusk")
    ids = {"start": session.scenes.start().id}
    session.scenes.move({ids["start"]: (0.0, 0.0)})
    for key, title, kind, x, y in [
        ("lighthouse", "The Lighthouse", SceneKind.SCENE, 400.0, -150.0),
        ("market", "Night Market", SceneKind.SCENE, 400.0, 150.0),
        ("harbour_master", "Harbour Master", SceneKind.SCENE, 800.0, 0.0),
        ("dawn", "Dawn Departure", SceneKind.ENDING, 1200.0, 0.0),
    ]:
        scene = session.scenes.create(
            Scene(key=key, title=title, kind=kind, x=x, y=y, synopsis=f"{title}.")
        )
        ids[key] = scene.id
    for source, target, label in [
        ("start", "lighthouse", "Climb to the light"),
        ("start", "market", "Follow the lanterns"),
        ("lighthouse", "harbour_master", "Signal the boat"),
        ("market", "harbour_master", "Ask about the ferry"),
        ("harbour_master", "dawn", "Board at dawn"),
    ]:
        session.choices.create(
            Choice(source_id=ids[source], target_id=ids[target], label=label)
        )
    session.variables.create(Variable(name="trust", type=VariableType.INT, initial=0))
    audience = session.audiences.create(Audience(name="Young adults"))
    session.variants.create(
        Variant(
            scene_id=ids["market"],
            audience_id=audience.id,
            script="A faster market.",
            duration_s=40,
            status=VariantStatus.PROPOSED,
        )
    )
    session.close()
    return ids


@pytest.fixture
def story_path(tmp_path: Path) -> Path:
    path = tmp_path / "harbour.authorstudio"
    build_story(path)
    return path


@pytest.fixture
def window(qtbot, story_path: Path):
    from author_studio.ui.main_window import MainWindow

    main = MainWindow()
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    qtbot.waitExposed(main)
    assert main.open_project(story_path)
    main.canvas.actual_size()
    main.canvas.centerOn(600, 0)
    yield main
    main.close_project()


def on_disk(path: Path):
    """Return the story as a fresh session reads it from ``path``."""
    session = ProjectSession.open(path)
    try:
        return session.load_story()
    finally:
        session.close()
