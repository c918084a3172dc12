"""Per-user assistant settings: which provider, where it is, and how to call it.

These settings belong to the user, never to a project: the GUI keeps them in
QSettings (and the API key in the OS keyring), the CLI reads them from the
environment. ``repr`` and :meth:`AssistSettings.public_dict` leave the API key
out, so logging a settings object cannot leak it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from author_studio.assist import local_server
from author_studio.domain.errors import ValidationError

logger = logging.getLogger(__name__)

ENV_PROVIDER = "AUTHOR_STUDIO_PROVIDER"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_API_KEY = "OPENAI_API_KEY"
ENV_MODEL = "AUTHOR_STUDIO_MODEL"
ENV_TEMPERATURE = "AUTHOR_STUDIO_TEMPERATURE"
ENV_TIMEOUT = "AUTHOR_STUDIO_TIMEOUT"
ENV_MAX_IN_FLIGHT = "AUTHOR_STUDIO_MAX_IN_FLIGHT"
ENV_EXTRA_BODY = "AUTHOR_STUDIO_EXTRA_BODY"

OFFLINE = "offline"
OPENAI = "openai"
LOCAL = "local"


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million prompt and completion tokens."""

    prompt_per_million: float
    completion_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.prompt_per_million
            + completion_tokens * self.completion_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class AssistSettings:
    """How to reach the drafting back end.

    ``extra_body`` is merged into every chat completion request as-is (for
    example ``{"repeat_penalty": 1.3}`` for a llama.cpp server). ``options``
    holds settings of providers added later (a local model's file path), so
    adding a provider does not change this class. ``prices`` maps model names to
    what the user pays; a model missing from it has an unknown cost.
    """

    provider: str = OFFLINE
    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    temperature: float = 0.8
    timeout_s: float = 60.0
    max_in_flight: int = 4
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0
    stream: bool = False
    max_tokens: int | None = None
    max_prompt_tokens: int | None = None
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    prices: Mapping[str, ModelPrice] = field(default_factory=dict)

    def replace(self, **changes: Any) -> AssistSettings:
        return dataclasses.replace(self, **changes)

    def public_dict(self) -> dict[str, Any]:
        """Return the settings without the API key, for logs and the UI."""
        values = dataclasses.asdict(self)
        values.pop("api_key")
        values["has_api_key"] = bool(self.api_key)
        return values

    def price_for(self, model: str) -> ModelPrice | None:
        return self.prices.get(model)

    def validate(self) -> None:
        """Raise ValidationError naming the first setting that cannot work."""
        if not self.provider.strip():
            raise ValidationError(
                "No provider is chosen; pick offline, openai or local.",
                field="provider",
            )
        if self.provider == OPENAI and not self.model.strip():
            raise ValidationError(
                "The openai provider needs a model name; set it in the assistant "
                f"settings or in {ENV_MODEL}.",
                field="model",
            )
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValidationError(
                f"The base URL {self.base_url!r} is not an http:// or https:// URL; "
                "type it as http://host:port/v1.",
                field="base_url",
            )
        if not (math.isfinite(self.temperature) and 0 <= self.temperature <= 2):
            raise ValidationError(
                f"The temperature {self.temperature} is outside 0 to 2.",
                field="temperature",
            )
        if not (math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise ValidationError(
                f"The request timeout {self.timeout_s} s must be a positive number "
                "of seconds.",
                field="timeout_s",
            )
        if not 1 <= self.max_in_flight <= 64:
            raise ValidationError(
                f"Max requests in flight is {self.max_in_flight}; use 1 to 64.",
                field="max_in_flight",
            )
        if not 0 <= self.max_retries <= 20:
            raise ValidationError(
                f"Max retries is {self.max_retries}; use 0 to 20.",
                field="max_retries",
            )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        base: AssistSettings | None = None,
    ) -> AssistSettings:
        """Overlay the ``AUTHOR_STUDIO_*`` and ``OPENAI_*`` variables on ``base``.

        With no ``AUTHOR_STUDIO_PROVIDER`` the base's provider stays, and the
        default base uses :func:`default_provider_name`: the local model when it
        is installed, else the offline drafter. Neither sends scene text off this
        computer, so an ``OPENAI_API_KEY`` alone sends nothing anywhere.
        """
        env = os.environ if environ is None else environ
        settings = base or cls(provider=default_provider_name())
        changes: dict[str, Any] = {}
        if env.get(ENV_PROVIDER, "").strip():
            changes["provider"] = env[ENV_PROVIDER].strip().lower()
        if env.get(ENV_BASE_URL, "").strip():
            changes["base_url"] = env[ENV_BASE_URL].strip()
        if env.get(ENV_API_KEY, ""):
            changes["api_key"] = env[ENV_API_KEY].strip()
        if env.get(ENV_MODEL, "").strip():
            changes["model"] = env[ENV_MODEL].strip()
        numbers = (
            (ENV_TEMPERATURE, "temperature", float),
            (ENV_TIMEOUT, "timeout_s", float),
            (ENV_MAX_IN_FLIGHT, "max_in_flight", int),
        )
        for name, attribute, convert in numbers:
            raw = env.get(name, "").strip()
            if not raw:
                continue
            try:
                changes[attribute] = convert(raw)
            except ValueError as error:
                raise ValidationError(
                    f"{name}={raw!r} is not a valid {convert.__name__}.",
                    field=attribute,
                ) from error
        raw_extra = env.get(ENV_EXTRA_BODY, "").strip()
        if raw_extra:
            changes["extra_body"] = parse_extra_body(raw_extra, source=ENV_EXTRA_BODY)
        return settings.replace(**changes)


def default_provider_name() -> str:
    """Return the provider used when none is configured: ``local`` when the
    ``local-model`` extra is installed, otherwise ``offline``."""
    return LOCAL if local_server.local_model_available() else OFFLINE


def parse_extra_body(text: str, source: str = "extra body") -> dict[str, Any]:
    """Parse the JSON object of extra request parameters typed by the user."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"{source} is not valid JSON ({error.msg} at column {error.colno}); "
            'type an object such as {"repeat_penalty": 1.3}.',
            field="extra_body",
        ) from error
    if not isinstance(value, dict):
        raise ValidationError(
            f'{source} must be a JSON object such as {{"repeat_penalty": 1.3}}.',
            field="extra_body",
        )
    return value


def parse_prices(text: str) -> dict[str, ModelPrice]:
    """Parse price lines ``MODEL PROMPT_PER_MILLION COMPLETION_PER_MILLION``."""
    prices: dict[str, ModelPrice] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        parts = stripped.split()
        try:
            if len(parts) != 3:
                raise ValueError
            prompt, completion = float(parts[1]), float(parts[2])
            if prompt < 0 or completion < 0:
                raise ValueError
        except ValueError as error:
            raise ValidationError(
                f"Price line {number} ({line.strip()!r}) must read MODEL "
                "PROMPT_USD_PER_MILLION COMPLETION_USD_PER_MILLION, e.g. "
                "'gpt-4o-mini 0.15 0.60'.",
                field="prices",
            ) from error
        prices[parts[0]] = ModelPrice(prompt, completion)
    return prices


def format_prices(prices: Mapping[str, ModelPrice]) -> str:
    return "\n".join(
        f"{model} {price.prompt_per_million:g} {price.completion_per_million:g}"
        for model, price in sorted(prices.items())
    )
