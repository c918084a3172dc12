"""The OpenAI-compatible provider against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from author_studio.assist import prompts
from author_studio.assist.openai_provider import OpenAIProvider, parse_retry_after
from author_studio.assist.provider import (
    AuthenticationFailedError,
    DraftCancelledError,
    InvalidAnswerError,
    ProviderConnectionError,
    ProviderTimeoutError,
    RateLimitedError,
    ServerError,
)
from tests.assist.fake_openai_server import FakeOpenAIServer, Reply


def _request(provider, context, count=2):
    request, _notes = prompts.build_request(context, provider, count)
    return request


def test_structured_output_parsed(server, settings, context):
    provider = OpenAIProvider(settings)
    result = provider.draft(_request(provider, context))

    assert len(result.drafts) == 2
    assert result.drafts[0].script.endswith("(Take 1 for Teens.)")
    assert result.drafts[0].duration_s == 72.0
    assert result.drafts[1].canon_kept == ("Lantern Guild",)
    assert result.attempts == 1
    assert result.prompt_tokens > 0
    assert result.completion_tokens > 0
    body = server.chat_requests()[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["model"] == "test-model"


def test_key_sent_as_bearer(server, settings, context):
    provider = OpenAIProvider(settings)
    provider.draft(_request(provider, context))
    headers = server.chat_requests()[0].headers
    assert headers["authorization"] == f"Bearer {settings.api_key}"


def test_response_format_rejected_falls_back(server, settings, context):
    server.rejects_response_format = True
    provider = OpenAIProvider(settings)
    result = provider.draft(_request(provider, context))

    seen = server.chat_requests()
    assert len(seen) == 2
    assert "response_format" in seen[0].body
    assert "response_format" not in seen[1].body
    assert "Answer with one JSON object" in seen[1].body["messages"][0]["content"]
    assert result.fallbacks == ("response_format",)
    assert result.retry_waits_s == ()
    assert len(result.drafts) == 2


def test_fallback_remembered_for_later_requests(server, settings, context):
    server.rejects_response_format = True
    provider = OpenAIProvider(settings)
    provider.draft(_request(provider, context))
    provider.draft(_request(provider, context))
    assert len(server.chat_requests()) == 3
    assert provider.dropped_parameters == {"response_format"}


def test_malformed_json_fails_without_retry(server, settings, context):
    server.queue(Reply("malformed"))
    provider = OpenAIProvider(settings)
    with pytest.raises(InvalidAnswerError, match="not valid JSON"):
        provider.draft(_request(provider, context))
    assert len(server.chat_requests()) == 1


def test_wrong_schema_names_the_field(server, settings, context):
    server.queue(Reply("wrong_schema"))
    provider = OpenAIProvider(settings)
    with pytest.raises(InvalidAnswerError, match=r"variants\.0\.script"):
        provider.draft(_request(provider, context))


def test_truncated_answer_fails(server, settings, context):
    server.queue(Reply("truncated"))
    provider = OpenAIProvider(settings)
    with pytest.raises(InvalidAnswerError, match="cut off at the token limit"):
        provider.draft(_request(provider, context))


def test_rate_limit_honours_retry_after(server, settings, context):
    server.queue(Reply("rate_limit", retry_after="1"))
    provider = OpenAIProvider(settings)
    result = provider.draft(_request(provider, context))

    seen = server.chat_requests()
    assert len(seen) == 2
    assert result.retry_waits_s == (1.0,)
    assert seen[1].at - seen[0].at >= 0.95
    assert result.attempts == 2


def test_retry_after_above_limit_fails_fast(server, settings, context):
    server.queue(Reply("rate_limit", retry_after="600"))
    provider = OpenAIProvider(settings)
    with pytest.raises(RateLimitedError, match="wait 600 s"):
        provider.draft(_request(provider, context))
    assert len(server.chat_requests()) == 1


def test_server_errors_back_off_exponentially(server, settings, context):
    server.queue(Reply("server_error"), Reply("server_error", status=503))
    provider = OpenAIProvider(settings)
    result = provider.draft(_request(provider, context))

    assert len(server.chat_requests()) == 3
    first, second = result.retry_waits_s
    # Equal jitter: half of base * 2**n plus up to the other half.
    assert 0.025 <= first <= 0.05
    assert 0.05 <= second <= 0.1


def test_unavailable_honours_retry_after(server, settings, context):
    server.queue(Reply("server_error", status=503, retry_after="0.5"))
    provider = OpenAIProvider(settings)
    result = provider.draft(_request(provider, context))
    assert result.retry_waits_s == (0.5,)
    seen = server.chat_requests()
    assert seen[1].at - seen[0].at >= 0.45


def test_stream_options_rejected_falls_back(server, settings, context):
    server.rejects_stream_options = True
    provider = OpenAIProvider(settings.replace(stream=True))
    result = provider.draft(_request(provider, context))
    seen = server.chat_requests()
    assert len(seen) == 2
    assert "stream_options" not in seen[1].body
    assert result.fallbacks == ("stream_options",)
    assert result.completion_tokens == 0
    assert len(result.drafts) == 2


def test_both_fallbacks_in_one_request(server, settings, context):
    server.rejects_stream_options = True
    server.rejects_response_format = True
    provider = OpenAIProvider(settings.replace(stream=True))
    result = provider.draft(_request(provider, context))
    assert set(result.fallbacks) == {"stream_options", "response_format"}
    assert len(server.chat_requests()) == 3


def test_server_error_gives_up_after_max_retries(server, settings, context):
    server.queue(*[Reply("server_error")] * 5)
    provider = OpenAIProvider(settings.replace(max_retries=2))
    with pytest.raises(ServerError, match="failed with 500") as raised:
        provider.draft(_request(provider, context))
    assert raised.value.attempts == 3
    assert len(server.chat_requests()) == 3


def test_stall_past_timeout_retried_then_fails(server, settings, context):
    server.queue(Reply("stall", stall_s=3), Reply("stall", stall_s=3))
    provider = OpenAIProvider(settings.replace(timeout_s=0.3, max_retries=1))
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match=r"did not respond within 0\.3 s"):
        provider.draft(_request(provider, context))
    elapsed = time.monotonic() - started
    assert len(server.chat_requests()) == 2
    assert elapsed < 2.0


def test_stall_then_success(server, settings, context):
    server.queue(Reply("stall", stall_s=3))
    provider = OpenAIProvider(settings.replace(timeout_s=0.3))
    result = provider.draft(_request(provider, context))
    assert result.attempts == 2
    assert len(result.drafts) == 2


def test_streaming_reports_each_chunk(server, settings, context):
    provider = OpenAIProvider(settings.replace(stream=True))
    events = []
    result = provider.draft(_request(provider, context), progress=events.append)

    streamed = [e for e in events if e.stage == "streaming"]
    assert len(streamed) > 5
    assert streamed[-1].characters == len(result.raw)
    assert [e.chunks for e in streamed] == list(range(1, len(streamed) + 1))
    assert result.completion_tokens == len(result.raw) // 4
    assert server.chat_requests()[0].body["stream"] is True
    assert len(result.drafts) == 2


def test_cancel_interrupts_a_stalled_request(server, settings, context):
    server.queue(Reply("stall", stall_s=5))
    provider = OpenAIProvider(settings)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(DraftCancelledError):
        provider.draft(_request(provider, context), cancel_event=cancel)
    assert time.monotonic() - started < 1.0


def test_cancel_interrupts_a_retry_wait(server, settings, context):
    server.queue(Reply("rate_limit", retry_after="30"))
    provider = OpenAIProvider(settings.replace(max_retry_after_s=60))
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(DraftCancelledError):
        provider.draft(_request(provider, context), cancel_event=cancel)
    assert time.monotonic() - started < 1.5
    assert len(server.chat_requests()) == 1


def test_in_flight_limit_holds(settings, context):
    with FakeOpenAIServer(api_key=settings.api_key, latency_s=0.2) as slow:
        provider = OpenAIProvider(settings.replace(base_url=slow.url, max_in_flight=2))
        request = _request(provider, context)
        threads = [
            threading.Thread(target=provider.draft, args=(request,)) for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(slow.chat_requests()) == 6
        assert slow.max_in_flight == 2


def test_wrong_key_not_retried(server, settings, context):
    provider = OpenAIProvider(settings.replace(api_key="sk-wrong"))
    with pytest.raises(AuthenticationFailedError, match="rejected the API key"):
        provider.draft(_request(provider, context))
    assert len(server.chat_requests()) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_retried(settings, context):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    provider = OpenAIProvider(settings.replace(base_url=url, max_retries=1))
    with pytest.raises(ProviderConnectionError, match="Could not connect") as raised:
        provider.draft(_request(provider, context))
    assert raised.value.attempts == 2


def test_connection_test_lists_models(server, settings):
    report = OpenAIProvider(settings).test_connection()
    assert report.ok
    assert report.models == ("test-model",)
    assert "is available" in report.message


def test_connection_test_flags_missing_model(server, settings):
    report = OpenAIProvider(settings.replace(model="other")).test_connection()
    assert not report.ok
    assert "does not offer the model 'other'" in report.message


def test_connection_test_reports_bad_key(server, settings):
    report = OpenAIProvider(settings.replace(api_key="sk-wrong")).test_connection()
    assert not report.ok
    assert "rejected the API key" in report.message


def test_connection_test_reports_refused(settings):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    report = OpenAIProvider(settings.replace(base_url=url)).test_connection()
    assert not report.ok
    assert "Could not connect" in report.message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date():
    from email.utils import formatdate

    waited = parse_retry_after({"retry-after": formatdate(time.time() + 30)})
    assert 28 <= waited <= 31
