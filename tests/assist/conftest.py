"""Fixtures of the assistant tests: a loopback OpenAI-compatible server and
in-memory scenes and audiences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from author_studio.assist.provider import DraftContext
from author_studio.assist.settings import AssistSettings
from author_studio.domain.model import Audience, ContentRating, Pacing, Scene
from tests.assist.fake_openai_server import FakeOpenAIServer

TEST_KEY = "sk-test-loopback-0000"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=TEST_KEY) as running:
        yield running


@pytest.fixture
def settings(server: FakeOpenAIServer) -> AssistSettings:
    return AssistSettings(
        provider="openai",
        base_url=server.url,
        model="test-model",
        api_key=TEST_KEY,
        timeout_s=5,
        max_retries=3,
        backoff_base_s=0.05,
        backoff_max_s=0.4,
    )


@pytest.fixture
def context() -> DraftContext:
    scene = Scene(
        key="bridge",
        title="On the bridge",
        synopsis="Mara decides whether to trust the stranger.",
        script=(
            "(Wind howls across the bridge.)\n"
            "MARA: Who sent you? Tell me now, or I walk.\n"
            "STRANGER: The Lantern Guild. They said you would ask."
        ),
        duration_s=90,
        id=1,
    )
    audience = Audience(
        name="Teens", pacing=Pacing.FAST, rating=ContentRating.PG13, id=1
    )
    return DraftContext(scene=scene, audience=audience, canon_terms=("Lantern Guild",))


@pytest.fixture
def project(tmp_path):
    """A small project: start → bridge → two endings, two audiences, canon."""
    from author_studio.domain.model import CanonFact, Choice, SceneKind
    from author_studio.services.session import ProjectSession

    session = ProjectSession.create(tmp_path / "show.authorstudio", "Night Bridge")
    start = session.scenes.by_key("start")
    session.scenes.update(
        start.id,
        script="NARRATOR: The city sleeps. Mara does not.",
        synopsis="Mara walks to the bridge.",
    )
    bridge = session.scenes.create(
        Scene(
            key="bridge",
            title="On the bridge",
            synopsis="Mara decides whether to trust the stranger.",
            script=(
                "(Wind howls across the bridge.)\n"
                "MARA: Who sent you? Tell me now, or I walk. I have waited long "
                "enough for people who lie to me, and I am done with the damn "
                "Lantern Guild and its riddles.\n"
                "STRANGER: The Lantern Guild. They said you would ask."
            ),
            duration_s=90,
            canon=True,
        )
    )
    trust = session.scenes.create(
        Scene(key="trust", title="Trust", kind=SceneKind.ENDING, script="They go.")
    )
    walk = session.scenes.create(
        Scene(key="walk", title="Walk away", kind=SceneKind.ENDING, script="She goes.")
    )
    session.choices.create(Choice(start.id, bridge.id, "Go to the bridge"))
    session.choices.create(Choice(bridge.id, trust.id, "Trust him"))
    session.choices.create(Choice(bridge.id, walk.id, "Walk away", is_default=True))
    session.audiences.create(
        Audience(name="Teens", pacing=Pacing.FAST, rating=ContentRating.PG13)
    )
    session.audiences.create(
        Audience(name="Family", pacing=Pacing.SLOW, rating=ContentRating.G)
    )
    session.canon.create(CanonFact(term="Lantern Guild", note="Mara's old order"))
    session.canon.create(CanonFact(term="Mara", scene_id=bridge.id))
    yield session
    session.close()
