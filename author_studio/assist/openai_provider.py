"""Drafting through any OpenAI-compatible chat completions server.

The ``openai`` client runs with ``max_retries=0``: this module does its own
retries so that it can honour ``Retry-After``, report each wait as progress and
stop waiting the moment a request is cancelled. Timeouts, 429 and 5xx answers
and dropped connections are retried with exponential backoff and jitter.

Servers differ in what they accept. The first request asks for structured output
(``response_format`` of type ``json_schema``); a 400 answer that names
``response_format`` or ``json_schema`` makes the provider drop it, for this and
every later request, and put a JSON-only instruction in the system message
instead. ``stream_options`` is dropped the same way.

Each attempt runs in a short-lived helper thread while the calling thread waits
on it and on the cancel event, so cancelling returns at once even while a
request is stalled. A slot of the ``max_in_flight`` semaphore is held by the
helper thread until its HTTP request ends, so a cancelled request that is still
open keeps counting against the limit.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import openai

from author_studio.assist.answer import (
    json_only_instruction,
    parse_answer,
    response_format,
)
from author_studio.assist.provider import (
    AuthenticationFailedError,
    ConnectionReport,
    DraftCancelledError,
    DraftProgress,
    DraftProvider,
    DraftRequest,
    DraftResult,
    InvalidAnswerError,
    ProgressCallback,
    ProviderConnectionError,
    ProviderError,
    ProviderInfo,
    ProviderTimeoutError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
)
from author_studio.assist.settings import AssistSettings

logger = logging.getLogger(__name__)

# Parameters that some servers reject and that drafting can do without, with the
# words that identify them in a 400 error message.
_DROPPABLE = {
    "response_format": ("response_format", "json_schema", "structured output"),
    "stream_options": ("stream_options", "include_usage"),
}
# Sent when the user gave no key: local servers ignore it, and the openai client
# refuses to start without one.
_NO_KEY = "no-key"
_POLL_S = 0.05


@dataclass(frozen=True)
class _Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    chunks: int


class _ParameterRejectedError(RequestRejectedError):
    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def parse_retry_after(headers: Any) -> float | None:
    """Return the wait a 429 answer asks for, in seconds, or None.

    Reads ``retry-after-ms`` (sent by OpenAI) and ``Retry-After`` as seconds or
    as an HTTP date.
    """
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIProvider(DraftProvider):
    """A :class:`DraftProvider` on the ``openai`` package.

    ``client`` replaces the HTTP client (tests pass one bound to a loopback
    server), and ``rng`` the jitter source. ``name`` lets a provider that runs an
    OpenAI-compatible server of its own (a local model) reuse this class under
    its own name.
    """

    is_language_model = True

    def __init__(
        self,
        settings: AssistSettings,
        *,
        name: str = "openai",
        client: openai.OpenAI | None = None,
        rng: random.Random | None = None,
    ) -> None:
        settings.validate()
        self.settings = settings
        self.name = name
        self.model = settings.model
        self.max_in_flight = settings.max_in_flight
        self.max_prompt_tokens = settings.max_prompt_tokens
        self.temperature = settings.temperature
        self._client = client or openai.OpenAI(
            base_url=settings.base_url or None,
            api_key=settings.api_key or _NO_KEY,
            timeout=settings.timeout_s,
            max_retries=0,
        )
        self._slots = threading.BoundedSemaphore(settings.max_in_flight)
        self._rng = rng or random.Random()
        self._dropped: set[str] = set()
        self._lock = threading.Lock()

    @property
    def dropped_parameters(self) -> frozenset[str]:
        """The request parameters this server rejected, which are no longer sent."""
        with self._lock:
            return frozenset(self._dropped)

    def info(self) -> ProviderInfo:
        warnings = []
        if "response_format" in self.dropped_parameters:
            warnings.append(
                "The server rejected structured output; answers are asked for as "
                "plain JSON and validated."
            )
        return ProviderInfo(
            self.name,
            self.model,
            True,
            description=f"{self.model} at {self._client.base_url}",
            warnings=warnings,
        )

    def close(self) -> None:
        self._client.close()

    def request_extras(self) -> dict[str, Any]:
        extras: dict[str, Any] = dict(self.settings.extra_body)
        if self.settings.max_tokens:
            extras["max_tokens"] = self.settings.max_tokens
        return extras

    def request_body(self, request: DraftRequest) -> dict[str, Any]:
        params = self._params(request)
        body = params.pop("extra_body", {})
        return {**params, **body}

    # Drafting

    def draft(
        self,
        request: DraftRequest,
        cancel_event: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> DraftResult:
        cancel = cancel_event or threading.Event()
        report = progress or (lambda _event: None)
        started = time.monotonic()
        attempts = 0
        retries = 0
        waits: list[float] = []
        fallbacks: list[str] = []

        while True:
            self._raise_if_cancelled(cancel, request, attempts)
            attempts += 1
            params = self._params(request)
            report(DraftProgress("sending", attempt=attempts))
            try:
                completion = self._attempt(params, cancel, report, attempts)
            except _ParameterRejectedError as error:
                self._drop(error.parameter, error)
                fallbacks.append(error.parameter)
                continue
            except ProviderError as error:
                error.attempts = attempts
                if not error.retryable or retries >= self.settings.max_retries:
                    if error.retryable:
                        logger.warning(
                            "%s: giving up after %d attempt(s): %s",
                            request.label,
                            attempts,
                            error,
                        )
                    raise
                delay = self._delay(error, retries)
                retries += 1
                waits.append(delay)
                logger.warning(
                    "%s: %s Retry %d of %d in %.2f s.",
                    request.label,
                    error,
                    retries,
                    self.settings.max_retries,
                    delay,
                )
                report(DraftProgress("waiting", attempt=attempts, wait_s=delay))
                if cancel.wait(delay):
                    self._raise_if_cancelled(cancel, request, attempts)
                continue
            break

        report(DraftProgress("parsing", attempt=attempts, chunks=completion.chunks))
        if completion.finish_reason == "length":
            raise InvalidAnswerError(
                f"The response for {request.label} was cut off at the token limit "
                f"after {completion.completion_tokens} tokens; raise the max tokens "
                "setting or ask for fewer variants.",
                attempts=attempts,
            )
        try:
            drafts = parse_answer(completion.text, request.count)
        except InvalidAnswerError as error:
            error.attempts = attempts
            logger.warning("%s: invalid answer: %s", request.label, error)
            raise
        return DraftResult(
            drafts=drafts,
            provider=self.name,
            model=self.model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_ms=round((time.monotonic() - started) * 1000),
            raw=completion.text,
            attempts=attempts,
            retry_waits_s=tuple(waits),
            fallbacks=tuple(fallbacks),
        )

    def _raise_if_cancelled(
        self, cancel: threading.Event, request: DraftRequest, attempts: int
    ) -> None:
        if cancel.is_set():
            raise DraftCancelledError(
                f"The request for {request.label} was cancelled.", attempts=attempts
            )

    def _params(self, request: DraftRequest) -> dict[str, Any]:
        dropped = self.dropped_parameters
        messages = [dict(message) for message in request.messages]
        params: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
        }
        if "response_format" in dropped:
            instruction = json_only_instruction(request.schema, request.count)
            if messages and messages[0]["role"] == "system":
                messages[0]["content"] += "\n\n" + instruction
            else:
                messages.insert(0, {"role": "system", "content": instruction})
        else:
            params["response_format"] = response_format(request.schema)
        if self.settings.stream:
            params["stream"] = True
            if "stream_options" not in dropped:
                params["stream_options"] = {"include_usage": True}
        if self.settings.max_tokens:
            params["max_tokens"] = self.settings.max_tokens
        if self.settings.extra_body:
            params["extra_body"] = dict(self.settings.extra_body)
        return params

    def _drop(self, parameter: str, error: ProviderError) -> None:
        with self._lock:
            self._dropped.add(parameter)
        logger.warning(
            "The server at %s rejected %s (%s); sending requests without it",
            self._client.base_url,
            parameter,
            error,
        )

    def _delay(self, error: ProviderError, retries: int) -> float:
        """Return the pause before retry number ``retries + 1``.

        A Retry-After from the server is honoured as given; otherwise the pause
        is exponential with "equal jitter": half the capped backoff plus a random
        share of the other half, so parallel requests spread out.
        """
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            if retry_after > self.settings.max_retry_after_s:
                raise type(error)(
                    f"{error} The server asks to wait {retry_after:.0f} s, "
                    f"longer than the {self.settings.max_retry_after_s:.0f} s "
                    "allowed; try again later.",
                    retry_after_s=retry_after,
                    attempts=error.attempts,
                ) from error
            return retry_after
        cap = min(
            self.settings.backoff_max_s, self.settings.backoff_base_s * 2**retries
        )
        return cap / 2 + self._rng.uniform(0, cap / 2)

    def _attempt(
        self,
        params: dict[str, Any],
        cancel: threading.Event,
        report: ProgressCallback,
        attempt: int,
    ) -> _Completion:
        """Send one HTTP request in a helper thread and wait for it or for cancel."""
        while not self._slots.acquire(timeout=_POLL_S):
            if cancel.is_set():
                raise DraftCancelledError("The request was cancelled while queued.")

        outcome: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = self._send(params, cancel, report, attempt)
            except BaseException as error:
                outcome["error"] = error
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=run, name="openai-request", daemon=True).start()
        while not done.wait(_POLL_S):
            if cancel.is_set():
                raise DraftCancelledError("The request was cancelled while running.")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _send(
        self,
        params: dict[str, Any],
        cancel: threading.Event,
        report: ProgressCallback,
        attempt: int,
    ) -> _Completion:
        try:
            if params.get("stream"):
                return self._receive_stream(params, cancel, report, attempt)
            response = self._client.chat.completions.create(**params)
        except openai.APIError as error:
            raise self._translate(error, params) from error
        if not response.choices:
            raise InvalidAnswerError("The server returned a response with no choices.")
        choice = response.choices[0]
        usage = response.usage
        return _Completion(
            text=choice.message.content or "",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            finish_reason=choice.finish_reason,
            chunks=1,
        )

    def _receive_stream(
        self,
        params: dict[str, Any],
        cancel: threading.Event,
        report: ProgressCallback,
        attempt: int,
    ) -> _Completion:
        parts: list[str] = []
        characters = 0
        chunks = 0
        finish_reason = None
        prompt_tokens = completion_tokens = 0
        stream = self._client.chat.completions.create(**params)
        try:
            for chunk in stream:
                if cancel.is_set():
                    break
                chunks += 1
                if chunk.usage:
                    prompt_tokens = chunk.usage.prompt_tokens
                    completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                        characters += len(choice.delta.content)
                    finish_reason = choice.finish_reason or finish_reason
                report(
                    DraftProgress(
                        "streaming",
                        attempt=attempt,
                        chunks=chunks,
                        characters=characters,
                    )
                )
        finally:
            stream.close()
        return _Completion(
            "".join(parts), prompt_tokens, completion_tokens, finish_reason, chunks
        )

    def _translate(
        self, error: openai.APIError, params: dict[str, Any]
    ) -> ProviderError:
        """Turn an ``openai`` exception into a ProviderError that says what to do."""
        where = str(self._client.base_url)
        if isinstance(error, openai.APITimeoutError):
            return ProviderTimeoutError(
                f"The server at {where} did not respond within "
                f"{self.settings.timeout_s:g} s; raise the request timeout or check "
                "that the server is not overloaded."
            )
        if isinstance(error, openai.APIConnectionError):
            return ProviderConnectionError(
                f"Could not connect to {where} ({error.__cause__ or error}); check "
                "the base URL and that the server is running."
            )
        if not isinstance(error, openai.APIStatusError):
            return ProviderError(f"The server at {where} failed: {error}")

        status = error.status_code
        detail = _error_detail(error)
        if status == 429:
            return RateLimitedError(
                f"The server at {where} is rate limiting requests (429: {detail}).",
                retry_after_s=parse_retry_after(error.response.headers),
            )
        if status >= 500:
            return ServerError(
                f"The server at {where} failed with {status} ({detail}).",
                retry_after_s=parse_retry_after(error.response.headers),
            )
        if status in (401, 403):
            return AuthenticationFailedError(
                f"The server at {where} rejected the API key ({status}: {detail}); "
                "check the key in the assistant settings or OPENAI_API_KEY."
            )
        if status == 400:
            lowered = detail.lower()
            for parameter, words in _DROPPABLE.items():
                if parameter in params and any(word in lowered for word in words):
                    return _ParameterRejectedError(detail, parameter)
        if status == 404:
            return RequestRejectedError(
                f"The server at {where} has no model {self.model!r} or no chat "
                f"completions endpoint (404: {detail}); check the model name and "
                "that the base URL ends in /v1."
            )
        return RequestRejectedError(
            f"The server at {where} rejected the request ({status}: {detail})."
        )

    # Connection test

    def test_connection(self) -> ConnectionReport:
        """List the server's models and check that the configured one is there.

        Sends one request with no retry and a timeout of at most 10 s.
        """
        started = time.monotonic()
        client = self._client.with_options(
            timeout=min(10.0, self.settings.timeout_s), max_retries=0
        )
        try:
            page = client.models.list()
            models = tuple(sorted(model.id for model in page.data))
        except openai.APIError as error:
            translated = self._translate(error, {})
            return ConnectionReport(False, str(translated))
        latency = round((time.monotonic() - started) * 1000)
        where = str(self._client.base_url)
        if models and self.model not in models:
            shown = ", ".join(models[:8]) + (" …" if len(models) > 8 else "")
            return ConnectionReport(
                False,
                f"Connected to {where}, but it does not offer the model "
                f"{self.model!r}; it offers {shown}.",
                models,
                latency,
            )
        return ConnectionReport(
            True,
            f"Connected to {where} in {latency} ms; model {self.model!r} is available.",
            models,
            latency,
        )


def _error_detail(error: openai.APIStatusError) -> str:
    """Return the server's own error message, shortened for one line."""
    body = error.body
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message")
        elif isinstance(inner, str):
            message = inner
    if not message:
        message = error.response.text or error.message
    message = " ".join(str(message).split())
    return message[:300]


def create(settings: AssistSettings) -> OpenAIProvider:
    """Build the provider from settings; the entry point the factory uses."""
    return OpenAIProvider(settings)
