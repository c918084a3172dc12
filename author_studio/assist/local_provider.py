"""The "local" provider: drafts from the bundled SmolLM2-135M-Instruct model.

The provider starts a :class:`~author_studio.assist.local_server.LocalServer` on
the first request and talks to it through the OpenAI-compatible provider, so
retries, cancelling, parsing and provenance work as for any other server. It
differs from a remote server in four ways:

- Structured output: llama-cpp-python's server (0.3.36) rejects a
  ``response_format`` of type ``json_schema`` and takes ``{"type": "json_object",
  "schema": ...}`` instead, which it compiles into a llama.cpp grammar. Sampling is
  then limited to tokens that keep the answer valid, so even a 135M model returns
  a variant in the right structure. The schema sent is :func:`grammar_schema`.
- Repetition: small models repeat phrases, so ``repeat_penalty`` and
  ``frequency_penalty`` are sent with every request.
- Context: the prompt and the answer must fit in the server's ``n_ctx``, so the
  provider sets a prompt budget and the prompt builder trims the neighbouring
  scenes first and the scene's own script last.
- Crashes: when the server process has died, the request fails with
  :class:`LocalServerCrashedProviderError` and the server's log, and nothing is
  stored. The next request starts a new server.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import threading
import time
from typing import Any

from author_studio.assist import local_server
from author_studio.assist.local_server import (
    MODEL_NAME,
    WORKFLOW_NOTICE,
    LocalModelError,
    LocalServer,
    ServerSettings,
)
from author_studio.assist.openai_provider import OpenAIProvider
from author_studio.assist.provider import (
    ConnectionReport,
    DraftProvider,
    DraftRequest,
    DraftResult,
    ProgressCallback,
    ProviderConnectionError,
    ProviderError,
    ProviderInfo,
    ProviderTimeoutError,
    ServerError,
)
from author_studio.assist.settings import LOCAL, AssistSettings

logger = logging.getLogger(__name__)

NAME = LOCAL
CONTEXT_TOKENS = 2048
# Tokens left for the answer; about three short variants fit.
ANSWER_TOKENS = 768
# The prompt builder estimates one token per four characters. SmolLM2's tokenizer
# needed 781 tokens for a drafting prompt estimated at 671, so the budget keeps a
# quarter in reserve.
PROMPT_TOKEN_RESERVE = 1.25
PROMPT_BUDGET = int((CONTEXT_TOKENS - ANSWER_TOKENS) / PROMPT_TOKEN_RESERVE)
# Sampling settings that keep a 135M model from looping on one phrase. The values
# were picked by reading a handful of drafts, not by a systematic search.
SAMPLING = {"repeat_penalty": 1.15, "frequency_penalty": 0.2}
# llama_cpp.server runs one completion at a time; more requests would only queue.
MAX_IN_FLIGHT = 1
REQUEST_TIMEOUT_S = 300.0
# The script must be at least this long, so the grammar cannot close it at once.
MIN_SCRIPT_CHARS = 20
# llama-cpp-python's grammar ignores minimum and maximum, and the model then
# writes durations like 10645278, so the grammar offers these values instead.
DURATION_STEP_S = 5
MAX_DURATION_S = 900


# Schema keywords that llama-cpp-python expands into one grammar rule per
# repetition. A maxLength of a few hundred characters makes the grammar parser
# give up ("number of rules that are going to be repeated ... exceeds sane
# defaults") and took the 0.3.36 server process down with it.
_UNBOUNDED_KEYWORDS = ("maxLength", "maxItems", "minimum", "maximum", "pattern")
# The grammar's string characters are [^"\\], which lets raw newlines and tabs
# into strings, where JSON forbids them.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class LocalServerCrashedProviderError(ProviderError):
    """The local model server died during the request; the next one restarts it."""


class LocalModelStartError(ProviderError):
    """The local model server could not be started."""


def grammar_schema(
    schema: dict[str, Any], count: int, canon_terms: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return a copy of the answer schema that llama.cpp can turn into a grammar.

    Bounds that expand into long repetitions are removed (the answer is validated
    against the full rules after parsing). The variant list is fixed at ``count``
    items, the script gets a minimum length, the duration is a multiple of
    ``DURATION_STEP_S`` up to ``MAX_DURATION_S`` seconds, and ``canon_kept`` may
    only name ``canon_terms``.
    """
    fitted = copy.deepcopy(schema)
    _strip_keywords(fitted)
    variants = fitted.get("properties", {}).get("variants")
    if not isinstance(variants, dict):
        return fitted
    variants["minItems"] = count
    variants["maxItems"] = count
    properties = variants.get("items", {}).get("properties", {})
    if "script" in properties:
        properties["script"]["minLength"] = MIN_SCRIPT_CHARS
    if "duration_s" in properties:
        durations = list(range(DURATION_STEP_S, MAX_DURATION_S + 1, DURATION_STEP_S))
        properties["duration_s"] = {"type": "integer", "enum": durations}
    if "canon_kept" in properties:
        if canon_terms:
            terms = list(dict.fromkeys(canon_terms))
            properties["canon_kept"]["items"] = {"type": "string", "enum": terms}
        else:
            properties["canon_kept"]["maxItems"] = 0
    return fitted


def _strip_keywords(node: Any) -> None:
    if isinstance(node, dict):
        for keyword in _UNBOUNDED_KEYWORDS:
            node.pop(keyword, None)
        for value in node.values():
            _strip_keywords(value)
    elif isinstance(node, list):
        for value in node:
            _strip_keywords(value)


def escape_control_characters(text: str) -> str:
    """Escape the raw control characters of a grammar-constrained answer.

    Between JSON tokens that grammar allows one space and nothing else, so every
    control character in the answer sits inside a string, where its escape is
    what the model meant.
    """
    return _CONTROL_CHARACTER.sub(
        lambda match: _ESCAPES.get(match.group(), f"\\u{ord(match.group()):04x}"),
        text,
    )


def token_limits(settings: AssistSettings) -> tuple[int, int]:
    """Return the answer's token limit and the prompt budget for ``settings``.

    A user's limits are honoured only as far as prompt and answer still fit in
    ``CONTEXT_TOKENS``: a larger answer limit shrinks the prompt budget.
    """
    answer = min(settings.max_tokens or ANSWER_TOKENS, CONTEXT_TOKENS // 2)
    budget = int((CONTEXT_TOKENS - answer) / PROMPT_TOKEN_RESERVE)
    if settings.max_prompt_tokens:
        budget = min(budget, settings.max_prompt_tokens)
    return answer, budget


class _LlamaCppServerProvider(OpenAIProvider):
    """The OpenAI-compatible provider with llama-cpp-python's form of
    ``response_format``, and answers cleaned of raw control characters."""

    def _send(self, *args: Any, **kwargs: Any) -> Any:
        completion = super()._send(*args, **kwargs)
        return dataclasses.replace(
            completion, text=escape_control_characters(completion.text)
        )

    def _params(self, request: DraftRequest) -> dict[str, Any]:
        params = super()._params(request)
        if "response_format" in params:
            params["response_format"] = {
                "type": "json_object",
                "schema": grammar_schema(
                    request.schema, request.count, request.context.canon_terms
                ),
            }
        return params


class LocalProvider(DraftProvider):
    """Drafts with the bundled model, through a server started on demand.

    ``server`` replaces the server (tests pass one with other settings). The
    server stops on :meth:`close`; the app closes the provider when the user
    picks another one and when it quits.
    """

    name = NAME
    model = MODEL_NAME
    is_language_model = True
    max_in_flight = MAX_IN_FLIGHT
    max_prompt_tokens = PROMPT_BUDGET

    def __init__(
        self, settings: AssistSettings, *, server: LocalServer | None = None
    ) -> None:
        answer_tokens, prompt_budget = token_limits(settings)
        self.settings = settings.replace(
            provider=NAME,
            model=MODEL_NAME,
            api_key="",
            max_in_flight=MAX_IN_FLIGHT,
            max_tokens=answer_tokens,
            max_prompt_tokens=prompt_budget,
            timeout_s=max(settings.timeout_s, REQUEST_TIMEOUT_S),
            # A local server has no rate limit and no flaky network, so a failed
            # request is reported at once instead of after several backoffs.
            max_retries=0,
            extra_body={**SAMPLING, **settings.extra_body},
        )
        self.temperature = settings.temperature
        self.max_prompt_tokens = self.settings.max_prompt_tokens
        self._server = server or LocalServer(
            ServerSettings(
                model_path=local_server.bundled_model_path(),
                context_tokens=CONTEXT_TOKENS,
            )
        )
        self._client_lock = threading.Lock()
        self._inner: _LlamaCppServerProvider | None = None
        self._inner_url = ""
        self._closed = False

    @property
    def server(self) -> LocalServer:
        return self._server

    def info(self) -> ProviderInfo:
        state = (
            f"running at {self._server.base_url} (pid {self._server.pid})"
            if self._server.is_running()
            else "starts with the first request"
        )
        return ProviderInfo(
            self.name,
            self.model,
            True,
            description=f"Local model {MODEL_NAME} on this computer, {state}.",
            warnings=[WORKFLOW_NOTICE],
        )

    def request_extras(self) -> dict[str, Any]:
        extras = dict(self.settings.extra_body)
        extras["max_tokens"] = self.settings.max_tokens
        extras["n_ctx"] = CONTEXT_TOKENS
        return extras

    def request_body(self, request: DraftRequest) -> dict[str, Any]:
        """Return the body as it will be sent; previewing starts no server."""
        with self._client_lock:
            inner = self._inner
        if inner is None:
            settings = self.settings.replace(
                provider="openai", base_url="http://127.0.0.1:1/v1"
            )
            inner = _LlamaCppServerProvider(settings, name=NAME)
            try:
                return inner.request_body(request)
            finally:
                inner.close()
        return inner.request_body(request)

    def draft(
        self,
        request: DraftRequest,
        cancel_event: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> DraftResult:
        inner = self._started()
        # NOTE: cancelling returns at once, but the server still generates the
        # cancelled answer (up to ANSWER_TOKENS), and the next request waits for it.
        try:
            return inner.draft(request, cancel_event, progress)
        except (ProviderConnectionError, ServerError, ProviderTimeoutError) as error:
            self._raise_if_crashed(request, error)
            raise

    def test_connection(self) -> ConnectionReport:
        started = time.monotonic()
        try:
            inner = self._started()
        except ProviderError as error:
            return ConnectionReport(False, str(error))
        report = inner.test_connection()
        if not report.ok:
            return report
        seconds = time.monotonic() - started
        return ConnectionReport(
            True,
            f"The local model {MODEL_NAME} answers at {self._server.base_url} "
            f"(ready after {seconds:.1f} s).",
            report.models,
            report.latency_ms,
        )

    def close(self) -> None:
        """Stop the server and close the HTTP client."""
        self._closed = True
        with self._client_lock:
            if self._inner is not None:
                self._inner.close()
                self._inner = None
        self._server.stop()

    def _started(self) -> _LlamaCppServerProvider:
        if self._closed:
            raise ProviderError(
                "The local model provider was closed; choose it again in the "
                "assistant settings."
            )
        try:
            base_url = self._server.ensure_running()
        except LocalModelError as error:
            raise LocalModelStartError(
                f"The local model could not be started. {error}"
            ) from error
        return self._provider_for(base_url)

    def _provider_for(self, base_url: str) -> _LlamaCppServerProvider:
        """Return the OpenAI-compatible provider for ``base_url``, replacing the
        one of an earlier server, which listened on another port."""
        with self._client_lock:
            if self._inner is None or self._inner_url != base_url:
                if self._inner is not None:
                    self._inner.close()
                settings = self.settings.replace(provider="openai", base_url=base_url)
                self._inner = _LlamaCppServerProvider(settings, name=NAME)
                self._inner_url = base_url
            return self._inner

    def _raise_if_crashed(self, request: DraftRequest, error: ProviderError) -> None:
        # The exit status can lag behind the dropped connection by a moment.
        code = self._server.wait_for_exit(1.0)
        if code is None:
            return
        logger.error(
            "Local model server crashed during the request for %s (exit code %s)",
            request.label,
            code,
        )
        try:
            self._server.check_alive()
        except LocalModelError as crash:
            raise LocalServerCrashedProviderError(
                f"The request for {request.label} failed because the local model "
                f"server stopped. Nothing was stored. {crash}",
                attempts=error.attempts,
            ) from error


def create(settings: AssistSettings) -> LocalProvider:
    """Build the provider from settings; the entry point the factory uses."""
    missing = local_server.missing_local_model_parts()
    if missing:
        raise ProviderError(
            f"The local model is not installed (missing: {', '.join(missing)}); "
            f"{local_server.INSTALL_HINT}."
        )
    try:
        return LocalProvider(settings)
    except LocalModelError as error:
        raise ProviderError(str(error)) from error
