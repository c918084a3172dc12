"""Drafting with the real bundled model, SmolLM2-135M-Instruct, through the
drafting service and the CLI. Skipped when the local-model extra is missing."""

from __future__ import annotations

import json
import os
import signal
import sys

import pytest

from author_studio.assist import local_server
from author_studio.assist.local_provider import MAX_DURATION_S, LocalProvider
from author_studio.assist.local_server import MODEL_NAME
from author_studio.assist.service import AssistService, DraftJob, JobState
from author_studio.assist.settings import AssistSettings
from author_studio.cli import main
from author_studio.domain.model import VariantOrigin, VariantStatus
from tests.assist.process_tools import listening_addresses, process_alive

_MISSING = local_server.missing_local_model_parts()

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        bool(_MISSING),
        reason=f"the local-model extra is not installed (missing: "
        f"{', '.join(_MISSING)}); {local_server.INSTALL_HINT}",
    ),
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="inspects /proc (Linux only)"
    ),
]


@pytest.fixture
def provider():
    created = LocalProvider(AssistSettings(provider="local"))
    yield created
    created.close()


def bridge_job(project, count: int) -> DraftJob:
    scene = project.scenes.by_key("bridge")
    teens = project.load_story().audience_by_name["Teens"]
    return DraftJob(scene.id, teens.id, count)


def test_draft_stored_as_proposed(project, provider):
    service = AssistService(project, provider, provider.settings)
    outcome = service.draft(bridge_job(project, 2))

    assert outcome.state is JobState.DONE, outcome.error
    variants = project.variants.list()
    assert [v.id for v in variants] == list(outcome.variant_ids)
    assert len(variants) == 2
    canon_terms = set(project.load_story().canon_terms_for(variants[0].scene_id))
    for variant in variants:
        assert variant.status is VariantStatus.PROPOSED
        assert variant.origin is VariantOrigin.AI
        assert len(variant.script.strip()) >= 20
        assert 5 <= variant.duration_s <= MAX_DURATION_S
        assert set(variant.canon_kept) <= canon_terms
        assert variant.provenance.provider == "local"
        assert variant.provenance.model == MODEL_NAME
        assert variant.provenance.prompt_tokens > 0
        assert variant.provenance.completion_tokens > 0

    pid = provider.server.pid
    provider.close()
    assert not process_alive(pid)


def test_killed_server_stores_nothing(project, provider):
    assert provider.test_connection().ok
    pid = provider.server.pid

    def kill_on_send(event) -> None:
        if event.stage == "sending" and process_alive(pid):
            os.kill(pid, signal.SIGKILL)

    service = AssistService(project, provider, provider.settings)
    outcome = service.draft(bridge_job(project, 1), progress=kill_on_send)

    assert outcome.state is JobState.FAILED
    assert "local model server stopped" in outcome.error
    assert "Nothing was stored" in outcome.error
    assert project.variants.list() == []
    assert not process_alive(pid)

    provider.server.ensure_running()
    assert provider.server.pid != pid


def test_listens_only_on_loopback(provider, monkeypatch):
    # llama_cpp.server would bind HOST from the environment instead of --host.
    monkeypatch.setenv("HOST", "0.0.0.0")
    report = provider.test_connection()
    assert report.ok, report.message
    assert listening_addresses(provider.server.pid) == [
        ("127.0.0.1", provider.server.port)
    ]


def test_cli_draft_with_local_provider(project, monkeypatch, capsys):
    monkeypatch.setenv("AUTHOR_STUDIO_PROVIDER", "local")
    path = str(project.path)
    project.close()

    arguments = ["draft", path, "--scene", "bridge", "--audience", "Family"]
    code = main([*arguments, "--count", "1", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    printed = json.loads(captured.out)
    assert printed["provider"] == "local"
    assert printed["model"] == MODEL_NAME
    assert printed["is_language_model"] is True
    assert len(printed["variant_ids"]) == 1
    assert local_server.running_server_pids() == []
