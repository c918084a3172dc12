"""Switching away from the local provider in the GUI stops its server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from author_studio.assist import factory
from author_studio.assist.local_provider import LocalProvider
from author_studio.assist.local_server import LocalServer, ServerSettings
from author_studio.assist.settings import AssistSettings
from author_studio.ui.assist_controller import AssistController
from author_studio.ui.assist_settings import SettingsStore
from tests.assist.process_tools import process_alive

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inspects /proc, which is Linux-only"
)

FAKE_SERVER = Path(__file__).parents[1] / "assist" / "fake_llama_server.py"


@pytest.fixture
def stand_in_local(tmp_path, monkeypatch):
    """Make the "local" provider run the stand-in server instead of the model."""
    config = tmp_path / "stand-in.json"
    config.write_text(json.dumps({}))

    def create(settings: AssistSettings) -> LocalProvider:
        server = LocalServer(ServerSettings(model_path=config, target=str(FAKE_SERVER)))
        return LocalProvider(settings, server=server)

    monkeypatch.setitem(factory._REGISTERED, "local", create)


@pytest.fixture
def controller(tmp_path):
    store = SettingsStore(
        QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat), {}
    )
    created = AssistController(store)
    yield created
    created.close()


def test_switching_provider_stops_server(stand_in_local, controller):
    controller.apply(AssistSettings(provider="local"))
    provider = controller.provider()
    assert provider.test_connection().ok
    pid = provider.server.pid
    assert process_alive(pid)

    controller.apply(AssistSettings(provider="offline"))
    assert not process_alive(pid)
    assert controller.provider().name == "offline"


def test_controller_close_stops_server(stand_in_local, controller):
    controller.apply(AssistSettings(provider="local"))
    provider = controller.provider()
    assert provider.test_connection().ok
    pid = provider.server.pid

    controller.close()
    assert not process_alive(pid)
