"""Test set-up: offscreen Qt, settings in a temporary folder, shared fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
# AUTHOR_STUDIO_CORPUS points the corpus tests at another copy of the corpus.
CORPUS = Path(os.environ.get("AUTHOR_STUDIO_CORPUS", REPO.parent / "shared" / "corpus"))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """Point QSettings, the keyring and the assistant's environment at nothing real."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AUTHOR_STUDIO_PROVIDER",
        "AUTHOR_STUDIO_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    # QSettings keeps its values in memory for the whole process, so a window
    # layout saved by one test would otherwise reach the next.
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings().clear()
    return home


@pytest.fixture(autouse=True)
def offline_default_provider(request: pytest.FixtureRequest, monkeypatch) -> None:
    """Make the offline drafter the default provider, as on a machine without the
    local-model extra, so that no test starts the local model by accident.

    Tests marked ``local_model`` keep the real default.
    """
    if request.node.get_closest_marker("local_model"):
        return
    from author_studio.assist import settings

    monkeypatch.setattr(settings, "default_provider_name", lambda: settings.OFFLINE)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the story corpus folder {CORPUS} is not present")
    return CORPUS


@pytest.fixture(autouse=True, scope="session")
def release_clipboard():
    """Empty the clipboard before the interpreter exits.

    QClipboard owns the QMimeData a copy puts on it and deletes it from a C++ exit
    handler, after Python has shut down; deleting a Python-made object there
    crashes the process with SIGSEGV.
    """
    yield
    if "PySide6.QtGui" in sys.modules:
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()
