"""An OpenAI-compatible HTTP server on 127.0.0.1 for the assistant tests.

It speaks ``GET /v1/models`` and ``POST /v1/chat/completions`` (JSON, and SSE when
the request sets ``stream``). By default it answers every chat request with valid
structured output built from the request's own scene data. A test queues
:class:`Reply` objects to make the next requests fail in a chosen way, and reads
back what the server saw in :attr:`FakeOpenAIServer.requests`.
"""

from __future__ import annotations

import collections
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DATA = re.compile(r"<<<SCENE_DATA_JSON\n(?P<json>.*?)\nSCENE_DATA_JSON>>>", re.DOTALL)
COUNT = re.compile(r"Write (?P<n>\d+) variant")


@dataclass
class Reply:
    """How to answer one chat completion request.

    ``kind`` is one of ``ok``, ``malformed`` (200 with text that is not JSON),
    ``wrong_schema`` (JSON without the required fields), ``rate_limit`` (429 with
    ``retry_after``), ``server_error`` (``status``, default 500), ``status``
    (any ``status`` with an error body), ``stall`` (wait ``stall_s`` before
    answering ``ok``) and ``truncated`` (finish_reason ``length``).
    """

    kind: str = "ok"
    status: int = 500
    retry_after: str | None = None
    stall_s: float = 0.0
    message: str = ""


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that timed out closes its socket while a stalled handler still
        # holds it; the write that follows fails, which is expected here.
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class _State:
    replies: collections.deque = field(default_factory=collections.deque)
    requests: list[SeenRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


def answer_for(body: dict[str, Any]) -> dict[str, Any]:
    """Build a valid answer from the scene data inside the request's messages."""
    user = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
    data = json.loads(DATA.search(user).group("json"))
    count_match = COUNT.search(user)
    count = int(count_match.group("n")) if count_match else 1
    scene = data["scene"]
    audience = data["audience"]["name"]
    variants = []
    for index in range(count):
        variants.append(
            {
                "script": f"{scene['script']}\n(Take {index + 1} for {audience}.)",
                "duration_s": round(scene["duration_s"] * (0.8 - 0.1 * index), 1),
                "summary": f"Tightened take {index + 1} for {audience}.",
                "canon_kept": list(data["canon_terms"]),
            }
        )
    return {"variants": variants}


class FakeOpenAIServer:
    """Start with ``with FakeOpenAIServer() as server:``; ``server.url`` ends in /v1.

    ``latency_s`` delays every chat answer. ``rejects_response_format`` makes
    every request carrying ``response_format`` fail with 400, as servers without
    structured output do; ``rejects_stream_options`` does the same for
    ``stream_options``. ``api_key`` makes requests without that bearer key
    fail with 401.
    """

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        models: tuple[str, ...] = ("test-model",),
        api_key: str | None = None,
        rejects_response_format: bool = False,
        rejects_stream_options: bool = False,
        record_bodies: bool = True,
    ) -> None:
        self.latency_s = latency_s
        self.models = models
        self.api_key = api_key
        self.rejects_response_format = rejects_response_format
        self.rejects_stream_options = rejects_stream_options
        self.record_bodies = record_bodies
        self._state = _State()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True
        )

    # Control

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *replies: Reply) -> None:
        """Answer the next chat requests with ``replies``, then with ``ok``."""
        with self._lock:
            self._state.replies.extend(replies)

    @property
    def requests(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._state.requests)

    def chat_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._state.max_in_flight

    # Handling

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._state.replies.popleft() if self._state.replies else Reply()

    def _record(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        seen = SeenRequest(
            handler.command,
            handler.path,
            {k.lower(): v for k, v in handler.headers.items()},
            body if self.record_bodies else {},
            time.monotonic(),
        )
        with self._lock:
            self._state.requests.append(seen)

    def _enter(self) -> None:
        with self._lock:
            self._state.in_flight += 1
            self._state.max_in_flight = max(
                self._state.max_in_flight, self._state.in_flight
            )

    def _leave(self) -> None:
        with self._lock:
            self._state.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm
            # on, the body waits for the client's delayed ACK (about 40 ms on
            # Linux) on every kept-alive request.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._record(self, {})
                if not self._authorised():
                    return
                if self.path.rstrip("/").endswith("/models"):
                    data = [
                        {"id": m, "object": "model", "created": 0, "owned_by": "test"}
                        for m in server.models
                    ]
                    self._json(200, {"object": "list", "data": data})
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server._record(self, body)
                if not self._authorised():
                    return
                if not self.path.endswith("/chat/completions"):
                    self._error(404, f"no route {self.path}")
                    return
                server._enter()
                try:
                    self._chat(body)
                finally:
                    server._leave()

            def _authorised(self) -> bool:
                if server.api_key is None:
                    return True
                if self.headers.get("authorization") == f"Bearer {server.api_key}":
                    return True
                self._error(401, "Incorrect API key provided.")
                return False

            def _chat(self, body: dict[str, Any]) -> None:
                reply = server._next_reply()
                if server.latency_s:
                    server._stopping.wait(server.latency_s)
                if server.rejects_response_format and "response_format" in body:
                    self._error(
                        400,
                        "Unsupported parameter: response_format of type "
                        "json_schema is not supported by this server.",
                    )
                    return
                if reply.kind == "rate_limit":
                    headers = {}
                    if reply.retry_after is not None:
                        headers["Retry-After"] = reply.retry_after
                    self._error(429, "Rate limit reached.", headers)
                    return
                if reply.kind in ("server_error", "status"):
                    headers = {}
                    if reply.retry_after is not None:
                        headers["Retry-After"] = reply.retry_after
                    self._error(
                        reply.status, reply.message or "Internal error.", headers
                    )
                    return
                if server.rejects_stream_options and "stream_options" in body:
                    self._error(400, "Unknown field: stream_options.")
                    return
                if reply.kind == "stall" and server._stopping.wait(reply.stall_s):
                    return
                if reply.kind == "malformed":
                    content = '{"variants": [{"script": "Half an answ'
                elif reply.kind == "wrong_schema":
                    content = json.dumps({"variants": [{"text": "no script key"}]})
                else:
                    content = json.dumps(answer_for(body))
                finish = "length" if reply.kind == "truncated" else "stop"
                if body.get("stream"):
                    self._stream(body, content, finish)
                else:
                    self._json(200, self._completion(body, content, finish))

            def _usage(self, body: dict[str, Any], content: str) -> dict[str, int]:
                prompt = sum(len(m["content"]) for m in body["messages"]) // 4
                completion = len(content) // 4
                return {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                }

            def _completion(
                self, body: dict[str, Any], content: str, finish: str
            ) -> dict[str, Any]:
                return {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", ""),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": finish,
                        }
                    ],
                    "usage": self._usage(body, content),
                }

            def _stream(self, body: dict[str, Any], content: str, finish: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                base = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": body.get("model", ""),
                }
                pieces = [content[i : i + 40] for i in range(0, len(content), 40)]
                for index, piece in enumerate(pieces):
                    delta = {"content": piece}
                    if index == 0:
                        delta["role"] = "assistant"
                    chunk = {
                        **base,
                        "choices": [
                            {"index": 0, "delta": delta, "finish_reason": None}
                        ],
                    }
                    self._event(chunk)
                self._event(
                    {
                        **base,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                    }
                )
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event(
                        {**base, "choices": [], "usage": self._usage(body, content)}
                    )
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _json(
                self,
                status: int,
                payload: dict[str, Any],
                headers: dict[str, str] | None = None,
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(
                self, status: int, message: str, headers: dict[str, str] | None = None
            ) -> None:
                payload = {
                    "error": {
                        "message": message,
                        "type": "invalid_request_error" if status < 500 else "server",
                        "code": None,
                    }
                }
                self._json(status, payload, headers)

        return Handler
