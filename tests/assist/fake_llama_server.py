"""A stand-in for ``python -m llama_cpp.server`` for tests that need no model.

It takes the same command line. The file passed as ``--model`` is a JSON object that
sets its behaviour instead of weights:

- ``startup_delay_s``: seconds to wait before listening;
- ``exit_code``: exit at once with this code after printing a load error;
- ``ignore_sigterm``: keep running on SIGTERM, so only SIGKILL stops it;
- ``models_status``: HTTP status of ``/v1/models`` (200 answers a model list);
- ``reply``: the message content returned by ``/v1/chat/completions``;
- ``request_log``: a file that gets each chat request body as one JSON line;
- ``crash_marker``: a file path; the first chat request creates it and kills the
  process before responding; later processes find it and respond normally.

Like llama-cpp-python 0.3.36, it lets the HOST and PORT environment variables
override ``--host`` and ``--port``, so tests can prove that the parent removes them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--model_alias", default="stand-in")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8000)
    args, _ = parser.parse_known_args()
    with open(args.model, encoding="utf-8") as config_file:
        config = json.load(config_file)

    if "exit_code" in config:
        print("error loading model: the stand-in was told to fail", file=sys.stderr)
        sys.exit(config["exit_code"])
    if config.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(config.get("startup_delay_s", 0))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/v1/models":
                self._send(404, {"error": "not found"})
                return
            status = config.get("models_status", 200)
            self._send(status, {"object": "list", "data": [{"id": args.model_alias}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if config.get("request_log"):
                with open(config["request_log"], "a", encoding="utf-8") as log:
                    log.write(json.dumps(body) + "\n")
            marker = config.get("crash_marker")
            if marker and not os.path.exists(marker):
                open(marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
            content = config.get("reply", "{}")
            self._send(
                200,
                {
                    "id": "chatcmpl-stand-in",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "stand-in"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 10,
                        "completion_tokens": 20,
                        "total_tokens": 30,
                    },
                },
            )

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *values: object) -> None:
            print(format % values, file=sys.stderr)

    host = os.getenv("HOST", args.host)
    port = int(os.getenv("PORT", args.port))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"stand-in listening on {host}:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
