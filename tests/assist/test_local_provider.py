"""The local provider against a stand-in llama_cpp.server: request shape, crash
handling, restart, shutdown and prompt trimming. No model is needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from author_studio.assist import prompts
from author_studio.assist.answer import answer_schema
from author_studio.assist.local_provider import (
    ANSWER_TOKENS,
    MAX_DURATION_S,
    PROMPT_BUDGET,
    SAMPLING,
    LocalModelStartError,
    LocalProvider,
    LocalServerCrashedProviderError,
    grammar_schema,
)
from author_studio.assist.local_server import (
    MODEL_NAME,
    LocalServer,
    ServerSettings,
)
from author_studio.assist.provider import DraftContext, Neighbour, ProviderError
from author_studio.assist.settings import AssistSettings
from author_studio.domain.model import Audience, ContentRating, Pacing, Scene
from tests.assist.process_tools import process_alive

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inspects /proc, which is Linux-only"
)

FAKE_SERVER = Path(__file__).with_name("fake_llama_server.py")
REPLY = {
    "variants": [
        {
            "script": "MARA: The ferry leaves at midnight. I will be on it.",
            "duration_s": 45,
            "summary": "Shorter, with Mara's line kept.",
            "canon_kept": ["Mara"],
        }
    ]
}


def make_context(script: str = "MARA waits on the pier. The ferry horn sounds.", **kw):
    scene = Scene(key="pier", title="The pier", script=script, duration_s=60, id=1)
    audience = Audience(name="Family", pacing=Pacing.FAST, rating=ContentRating.G, id=1)
    return DraftContext(scene=scene, audience=audience, canon_terms=("Mara",), **kw)


@pytest.fixture
def stand_in(tmp_path: Path):
    providers: list[LocalProvider] = []

    def create(**behaviour: object) -> tuple[LocalProvider, Path]:
        log = tmp_path / f"requests-{len(providers)}.jsonl"
        config = tmp_path / f"stand-in-{len(providers)}.json"
        behaviour = {"reply": json.dumps(REPLY), "request_log": str(log), **behaviour}
        config.write_text(json.dumps(behaviour))
        server = LocalServer(
            ServerSettings(
                model_path=config, startup_timeout_s=20, target=str(FAKE_SERVER)
            )
        )
        provider = LocalProvider(AssistSettings(provider="local"), server=server)
        providers.append(provider)
        return provider, log

    yield create
    for provider in providers:
        provider.close()


def sent_bodies(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_grammar_schema_drops_long_bounds():
    schema = answer_schema()
    schema["properties"]["variants"]["items"]["properties"]["script"]["maxLength"] = 9
    fitted = grammar_schema(schema, 3, ("Mara", "ferry", "Mara"))
    variants = fitted["properties"]["variants"]
    item = variants["items"]["properties"]

    assert variants["minItems"] == 3
    assert variants["maxItems"] == 3
    assert "maxLength" not in item["script"]
    assert item["script"]["minLength"] == 20
    assert item["canon_kept"]["items"] == {"type": "string", "enum": ["Mara", "ferry"]}
    assert item["duration_s"]["type"] == "integer"
    assert item["duration_s"]["enum"][0] == 5
    assert item["duration_s"]["enum"][-1] == MAX_DURATION_S
    assert (
        "maxLength" in schema["properties"]["variants"]["items"]["properties"]["script"]
    ), "the caller's schema must stay unchanged"


def test_grammar_schema_without_canon_forbids_terms():
    fitted = grammar_schema(answer_schema(), 1)
    item = fitted["properties"]["variants"]["items"]["properties"]
    assert item["canon_kept"]["maxItems"] == 0


def test_draft_sends_grammar_and_sampling(stand_in):
    provider, log = stand_in()
    request, _ = prompts.build_request(make_context(), provider, 1)
    result = provider.draft(request)

    (body,) = sent_bodies(log)
    assert body["model"] == MODEL_NAME
    assert body["response_format"]["type"] == "json_object"
    schema = body["response_format"]["schema"]
    assert schema["properties"]["variants"]["maxItems"] == 1
    assert body["repeat_penalty"] == SAMPLING["repeat_penalty"]
    assert body["frequency_penalty"] == SAMPLING["frequency_penalty"]
    assert body["max_tokens"] == ANSWER_TOKENS

    assert result.provider == "local"
    assert result.model == MODEL_NAME
    assert result.drafts[0].script.startswith("MARA: The ferry leaves")
    assert result.drafts[0].duration_s == 45
    assert result.prompt_tokens == 10


def test_raw_newline_in_answer_is_escaped(stand_in):
    raw = (
        '{"variants": [{"script": "MARA: Go.\nCAPTAIN:\tNow.", "duration_s": 30, '
        '"summary": "Two lines.", "canon_kept": []}]}'
    )
    assert "\n" in raw
    provider, _ = stand_in(reply=raw)
    request, _ = prompts.build_request(make_context(), provider, 1)
    result = provider.draft(request)
    assert result.drafts[0].script == "MARA: Go.\nCAPTAIN:\tNow."


def test_preview_starts_no_server(stand_in):
    provider, _ = stand_in()
    request, _ = prompts.build_request(make_context(), provider, 2)
    body = provider.request_body(request)
    assert body["response_format"]["schema"]["properties"]["variants"]["minItems"] == 2
    assert provider.server.pid is None


def test_crash_fails_request_then_restarts(stand_in, tmp_path):
    provider, log = stand_in(crash_marker=str(tmp_path / "crashed"))
    request, _ = prompts.build_request(make_context(), provider, 1)

    with pytest.raises(LocalServerCrashedProviderError) as caught:
        provider.draft(request)
    message = str(caught.value)
    assert "local model server stopped" in message
    assert "Nothing was stored" in message
    assert "exit code -9" in message
    assert "stand-in listening on 127.0.0.1" in message

    first_starts = provider.server.starts
    result = provider.draft(request)
    assert provider.server.starts == first_starts + 1
    assert result.drafts[0].summary == "Shorter, with Mara's line kept."
    assert len(sent_bodies(log)) == 2


def test_start_failure_is_provider_error(stand_in):
    provider, _ = stand_in(exit_code=2)
    request, _ = prompts.build_request(make_context(), provider, 1)
    with pytest.raises(LocalModelStartError) as caught:
        provider.draft(request)
    assert "could not be started" in str(caught.value)
    assert "error loading model" in str(caught.value)


def test_close_stops_server(stand_in):
    provider, _ = stand_in()
    report = provider.test_connection()
    assert report.ok, report.message
    assert MODEL_NAME in report.message
    pid = provider.server.pid

    provider.close()
    assert not process_alive(pid)
    request, _ = prompts.build_request(make_context(), provider, 1)
    with pytest.raises(ProviderError, match="was closed"):
        provider.draft(request)


def test_info_warns_about_model_size(stand_in):
    provider, _ = stand_in()
    info = provider.info()
    assert info.is_language_model
    assert "135 million parameters" in info.warnings[0]
    assert "production" in info.warnings[0]


def test_budget_trims_neighbours_before_scene(stand_in):
    provider, _ = stand_in()
    neighbours = tuple(
        Neighbour(
            "after",
            f"next-{index}",
            f"Next scene {index}",
            "A synopsis. " * 20,
            f"Go to {index}",
            script="A line of the next scene. " * 30,
        )
        for index in range(8)
    )
    script = "MARA looks at the water. " * 80
    request, notes = prompts.build_request(
        make_context(script, after=neighbours), provider, 1
    )

    assert provider.max_prompt_tokens == PROMPT_BUDGET
    assert (
        prompts.estimate_tokens("".join(m["content"] for m in request.messages))
        <= PROMPT_BUDGET
    )
    assert request.context.scene.script == script
    assert len(request.context.after) < len(neighbours)
    assert any("neighbour" in note for note in notes)
