"""Choosing a provider from settings and the environment."""

from __future__ import annotations

import pytest

from author_studio.assist import factory
from author_studio.assist.offline import OfflineDrafter
from author_studio.assist.openai_provider import OpenAIProvider
from author_studio.assist.provider import ProviderError
from author_studio.assist.settings import AssistSettings, parse_extra_body, parse_prices
from author_studio.domain.errors import ValidationError


def test_offline_is_the_default():
    provider = factory.provider_from_env({})
    assert isinstance(provider, OfflineDrafter)
    assert not provider.is_language_model


def test_key_alone_stays_offline():
    provider = factory.provider_from_env({"OPENAI_API_KEY": "sk-test-not-real"})
    assert isinstance(provider, OfflineDrafter)


def test_openai_from_environment(server):
    provider = factory.provider_from_env(
        {
            "AUTHOR_STUDIO_PROVIDER": "openai",
            "OPENAI_BASE_URL": server.url,
            "OPENAI_API_KEY": "sk-test-not-real",
            "AUTHOR_STUDIO_MODEL": "test-model",
            "AUTHOR_STUDIO_EXTRA_BODY": '{"repeat_penalty": 1.3}',
        }
    )
    assert isinstance(provider, OpenAIProvider)
    assert provider.model == "test-model"
    assert provider.request_extras() == {"repeat_penalty": 1.3}


def test_openai_without_model_rejected():
    with pytest.raises(ValidationError, match="needs a model name"):
        factory.provider_from_env({"AUTHOR_STUDIO_PROVIDER": "openai"})


def test_unknown_provider_named():
    with pytest.raises(ProviderError, match="no assistant provider named 'gpt'"):
        factory.create_provider(AssistSettings(provider="gpt"))


def test_registered_provider_used():
    factory.register_provider("stub-test", lambda s: OfflineDrafter(s))
    try:
        assert isinstance(
            factory.create_provider(AssistSettings(provider="stub-test")),
            OfflineDrafter,
        )
    finally:
        factory._REGISTERED.pop("stub-test")


def test_local_listed_as_a_choice():
    assert "local" in factory.provider_names()


def test_settings_repr_hides_key():
    settings = AssistSettings(api_key="sk-test-secret-value")
    assert "sk-test-secret-value" not in repr(settings)
    assert "sk-test-secret-value" not in str(settings.public_dict())
    assert settings.public_dict()["has_api_key"] is True


def test_bad_number_in_environment():
    with pytest.raises(ValidationError, match="AUTHOR_STUDIO_TIMEOUT='soon'"):
        AssistSettings.from_env({"AUTHOR_STUDIO_TIMEOUT": "soon"})


def test_extra_body_must_be_object():
    with pytest.raises(ValidationError, match="must be a JSON object"):
        parse_extra_body("[1, 2]")


def test_prices_parsed_and_rejected():
    prices = parse_prices("gpt-4o-mini 0.15 0.6\n# comment\nlocal 0 0\n")
    assert prices["gpt-4o-mini"].cost(1_000_000, 1_000_000) == pytest.approx(0.75)
    with pytest.raises(ValidationError, match="Price line 1"):
        parse_prices("gpt-4o-mini cheap")
