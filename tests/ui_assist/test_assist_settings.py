"""The assistant settings dialog: key storage, connection test, saved values."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings

from author_studio.ui import assist_settings
from author_studio.ui.assist_settings import AssistSettingsDialog, SettingsStore
from tests.assist.conftest import TEST_KEY


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def forget_session_keys():
    assist_settings._SESSION_KEYS.clear()
    yield
    assist_settings._SESSION_KEYS.clear()


@pytest.fixture
def ini(tmp_path):
    return tmp_path / "user.ini"


def _store(ini, environ=None):
    return SettingsStore(QSettings(str(ini), QSettings.Format.IniFormat), environ or {})


def _dialog(qtbot, store):
    dialog = AssistSettingsDialog(store)
    qtbot.addWidget(dialog)
    return dialog


def _fill_openai(dialog, server):
    dialog.provider.setCurrentIndex(dialog.provider.findData("openai"))
    dialog.base_url.setText(server.url)
    dialog.model.setText("test-model")


def test_typed_key_session_only_without_keyring(qtbot, ini, server):
    dialog = _dialog(qtbot, _store(ini))
    _fill_openai(dialog, server)
    assert not dialog.remember_key.isEnabled()
    dialog.api_key.setText(TEST_KEY)
    dialog.api_key.textEdited.emit(TEST_KEY)
    saved = []
    dialog.saved.connect(saved.append)
    dialog.accept()

    assert saved[0].api_key == TEST_KEY
    assert saved[0].provider == "openai"
    assert TEST_KEY not in ini.read_text()
    assert _store(ini).key_source() == "session"
    assert _store(ini).load().base_url == server.url


def test_typed_key_kept_in_keyring(qtbot, ini, server):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        dialog = _dialog(qtbot, _store(ini))
        _fill_openai(dialog, server)
        assert dialog.remember_key.isEnabled()
        dialog.remember_key.setChecked(True)
        dialog.api_key.setText(TEST_KEY)
        dialog.api_key.textEdited.emit(TEST_KEY)
        dialog.accept()
        assert backend.passwords[("Author Studio", "openai-api-key")] == TEST_KEY
        assert _store(ini).key_source() == "keyring"
        assert TEST_KEY not in ini.read_text()
    finally:
        keyring.set_keyring(previous)


def test_environment_key_locks_field(qtbot, ini):
    dialog = _dialog(qtbot, _store(ini, {"OPENAI_API_KEY": TEST_KEY}))
    dialog.provider.setCurrentIndex(dialog.provider.findData("openai"))
    assert not dialog.api_key.isEnabled()
    assert "OPENAI_API_KEY" in dialog.key_note.text()


def test_connection_test_succeeds(qtbot, ini, server):
    dialog = _dialog(qtbot, _store(ini, {"OPENAI_API_KEY": TEST_KEY}))
    _fill_openai(dialog, server)
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5_000)
    assert dialog.test_result.text().startswith("✔ Connected to")
    assert [r.path for r in server.requests] == ["/v1/models"]


def test_connection_test_reports_wrong_key(qtbot, ini, server):
    dialog = _dialog(qtbot, _store(ini, {"OPENAI_API_KEY": "sk-wrong"}))
    _fill_openai(dialog, server)
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5_000)
    assert "rejected the API key" in dialog.test_result.text()


def test_invalid_extra_fields_block_saving(qtbot, ini):
    dialog = _dialog(qtbot, _store(ini))
    dialog.extra_body.setText("{not json")
    dialog.accept()
    assert dialog.result() == 0
    assert "Extra request fields is not valid JSON" in dialog.error_label.text()
    assert not ini.exists() or "provider" not in ini.read_text()


def test_offline_note_says_not_a_model(qtbot, ini):
    dialog = _dialog(qtbot, _store(ini))
    dialog.provider.setCurrentIndex(dialog.provider.findData("offline"))
    assert "not a language model" in dialog.provider_note.text()
    assert not dialog.base_url.isEnabled()


def test_saved_values_round_trip(qtbot, ini, server):
    dialog = _dialog(qtbot, _store(ini))
    _fill_openai(dialog, server)
    dialog.extra_body.setText('{"repeat_penalty": 1.3}')
    dialog.prices.setPlainText("test-model 1 2")
    dialog.in_flight.setValue(8)
    dialog.accept()
    loaded = _store(ini).load()
    assert loaded.extra_body == {"repeat_penalty": 1.3}
    assert loaded.prices["test-model"].completion_per_million == 2
    assert loaded.max_in_flight == 8
