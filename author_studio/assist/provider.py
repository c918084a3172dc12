"""The interface every drafting back end implements, and what goes in and out of it.

A provider turns one :class:`DraftRequest` (a scene, an audience, the built chat
messages and the JSON Schema of the answer) into one :class:`DraftResult` holding
one or more drafted scripts. Providers never touch the project file: the drafting
service stores what they return.

Threading contract: :meth:`DraftProvider.draft` blocks and is called from worker
threads, possibly several at once. Implementations keep at most
``max_in_flight`` requests open at a time and return promptly once
``cancel_event`` is set, raising :class:`DraftCancelledError`.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from author_studio.domain.model import Audience, CanonFact, Scene

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """A drafting request failed; the message says what failed and what to do.

    ``retryable`` marks failures that may succeed when sent again unchanged
    (timeouts, rate limits, server errors, dropped connections).
    """

    retryable = False

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class ProviderTimeoutError(ProviderError):
    retryable = True


class RateLimitedError(ProviderError):
    """The server answered 429; ``retry_after_s`` is its Retry-After, if sent."""

    retryable = True

    def __init__(
        self, message: str, *, retry_after_s: float | None = None, attempts: int = 1
    ) -> None:
        super().__init__(message, attempts=attempts)
        self.retry_after_s = retry_after_s


class ServerError(ProviderError):
    """The server answered with a 5xx status; ``retry_after_s`` is its
    Retry-After (a 503 often sends one), if sent."""

    retryable = True

    def __init__(
        self, message: str, *, retry_after_s: float | None = None, attempts: int = 1
    ) -> None:
        super().__init__(message, attempts=attempts)
        self.retry_after_s = retry_after_s


class ProviderConnectionError(ProviderError):
    """No connection could be made, or it dropped before an answer arrived."""

    retryable = True


class AuthenticationFailedError(ProviderError):
    """The server rejected the API key (401 or 403)."""


class RequestRejectedError(ProviderError):
    """The server rejected the request itself (a 4xx other than 401, 403, 429)."""


class InvalidAnswerError(ProviderError):
    """The answer arrived but is not the structured output that was requested."""


class DraftCancelledError(ProviderError):
    """The request was cancelled before an answer arrived."""


@dataclass(frozen=True)
class Neighbour:
    """A scene next to the drafted one, with the choice that links the two.

    ``direction`` is ``"before"`` for a scene whose choice leads into the drafted
    scene and ``"after"`` for a scene that one of its choices leads to.
    """

    direction: str
    key: str
    title: str
    synopsis: str
    choice_label: str
    choice_condition: str = ""
    script: str = ""
    canon: bool = False


@dataclass(frozen=True)
class DraftContext:
    """Everything the assistant knows about one drafting job, before any prompt
    is built from it."""

    scene: Scene
    audience: Audience
    before: tuple[Neighbour, ...] = ()
    after: tuple[Neighbour, ...] = ()
    canon_terms: tuple[str, ...] = ()
    canon_facts: tuple[CanonFact, ...] = ()
    instruction: str = ""


@dataclass(frozen=True)
class DraftRequest:
    """One request to a provider: ``count`` variants of one scene for one audience.

    ``messages`` are the chat messages exactly as sent (dicts with ``role`` and
    ``content``), ``schema`` is the JSON Schema the answer must match and
    ``prompt_hash`` is the sha256 of the canonical request, which keys the cache.
    """

    context: DraftContext
    count: int
    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    temperature: float
    prompt_hash: str

    @property
    def label(self) -> str:
        return f"{self.context.scene.key} for {self.context.audience.name}"


@dataclass(frozen=True)
class Draft:
    """One drafted variant as the provider returned it."""

    script: str
    duration_s: float
    summary: str
    canon_kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftResult:
    """The drafts of one request and what producing them cost.

    ``raw`` is the answer text as received, which the cache stores. ``attempts``
    counts the HTTP requests sent, ``retry_waits_s`` the pauses between them, and
    ``fallbacks`` names the request parameters dropped because the server
    rejected them (for example ``response_format``).
    """

    drafts: tuple[Draft, ...]
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    raw: str = ""
    attempts: int = 1
    retry_waits_s: tuple[float, ...] = ()
    fallbacks: tuple[str, ...] = ()
    cached: bool = False


@dataclass(frozen=True)
class DraftProgress:
    """A progress report from inside one request.

    ``stage`` is one of ``"sending"``, ``"waiting"`` (a pause before a retry),
    ``"streaming"`` and ``"parsing"``.
    """

    stage: str
    attempt: int = 1
    chunks: int = 0
    characters: int = 0
    wait_s: float = 0.0
    message: str = ""


ProgressCallback = Callable[[DraftProgress], None]


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of :meth:`DraftProvider.test_connection`."""

    ok: bool
    message: str
    models: tuple[str, ...] = ()
    latency_ms: int = 0


@dataclass
class ProviderInfo:
    """What the UI shows about a provider next to its drafts."""

    name: str
    model: str
    is_language_model: bool
    description: str = ""
    warnings: list[str] = field(default_factory=list)


class DraftProvider(abc.ABC):
    """A back end that drafts variants.

    Subclasses set ``name`` (stored as the variant's provider), ``model`` and
    ``is_language_model``; ``max_prompt_tokens`` is the prompt budget that
    :mod:`author_studio.assist.prompts` trims neighbours to, or ``None`` when
    the model's context window is large enough not to matter.
    """

    name: str = ""
    model: str = ""
    is_language_model: bool = True
    max_in_flight: int = 1
    max_prompt_tokens: int | None = None
    temperature: float = 0.0

    @abc.abstractmethod
    def draft(
        self,
        request: DraftRequest,
        cancel_event: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> DraftResult:
        """Draft the variants of ``request``, blocking until done.

        Raises a :class:`ProviderError` subclass on failure; a result is only
        returned when every draft in it passed validation.
        """

    @abc.abstractmethod
    def test_connection(self) -> ConnectionReport:
        """Check that the back end answers, without drafting anything."""

    def info(self) -> ProviderInfo:
        return ProviderInfo(self.name, self.model, self.is_language_model)

    def request_extras(self) -> dict[str, Any]:
        """Return the request settings besides the messages that shape the answer
        (extra body parameters, token limits); they go into the prompt hash."""
        return {}

    def request_body(self, request: DraftRequest) -> dict[str, Any]:
        """Return the request body exactly as it would be sent, for the preview."""
        return {"messages": [dict(m) for m in request.messages]}

    def close(self) -> None:
        """Release network clients; the provider must not be used afterwards."""
        return None
