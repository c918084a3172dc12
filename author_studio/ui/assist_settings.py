"""Per-user assistant settings in the GUI: storage and the settings dialog.

Everything but the API key goes into QSettings under ``assist/``. The key comes
from ``OPENAI_API_KEY`` when that is set; otherwise a key typed in the dialog is
kept in the OS keyring when one is available, or in memory for this session.
The key never reaches QSettings, the project file or a log line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping

import keyring
import keyring.errors
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from author_studio.assist import factory, local_server
from author_studio.assist.provider import ConnectionReport, ProviderError
from author_studio.assist.settings import (
    ENV_API_KEY,
    ENV_PROVIDER,
    LOCAL,
    OFFLINE,
    OPENAI,
    AssistSettings,
    format_prices,
    parse_extra_body,
    parse_prices,
)
from author_studio.domain.errors import ValidationError
from author_studio.ui.tasks import run_in_background

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "Author Studio"
KEYRING_USER = "openai-api-key"
_GROUP = "assist"
# Keys typed while no keyring is available live here until the app quits.
_SESSION_KEYS: dict[str, str] = {}


def keyring_available() -> bool:
    """Tell whether the OS keyring can store secrets here."""
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    try:
        return backend.priority > 0
    except Exception:
        return False


class SettingsStore:
    """Load and save :class:`AssistSettings` for the current user."""

    def __init__(
        self,
        qsettings: QSettings | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._qsettings = qsettings or QSettings()
        self._environ = os.environ if environ is None else environ

    def provider_source(self) -> str:
        """Return where the provider choice comes from: saved, environment, or
        default when the user chose none."""
        if self._qsettings.contains(f"{_GROUP}/provider"):
            return "saved"
        if self._environ.get(ENV_PROVIDER, "").strip():
            return "environment"
        return "default"

    def key_source(self) -> str:
        """Return where the key comes from: environment, keyring, session or none."""
        if self._environ.get(ENV_API_KEY):
            return "environment"
        if self._keyring_key():
            return "keyring"
        if _SESSION_KEYS.get(KEYRING_USER):
            return "session"
        return "none"

    def _keyring_key(self) -> str:
        if not keyring_available():
            return ""
        try:
            return keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or ""
        except keyring.errors.KeyringError as error:
            logger.warning("Could not read the API key from the keyring: %s", error)
            return ""

    def api_key(self) -> str:
        return (
            self._environ.get(ENV_API_KEY, "").strip()
            or self._keyring_key()
            or _SESSION_KEYS.get(KEYRING_USER, "")
        )

    def load(self) -> AssistSettings:
        """Read the stored settings; the environment fills what was never saved."""
        stored = self._qsettings
        base = AssistSettings.from_env(self._environ)
        if not stored.contains(f"{_GROUP}/provider"):
            return base.replace(api_key=self.api_key())

        def value(name: str, default: object, kind: type) -> object:
            raw = stored.value(f"{_GROUP}/{name}", default)
            try:
                if kind is bool:
                    return raw in (True, "true", "1", 1)
                return kind(raw)
            except (TypeError, ValueError):
                return default

        try:
            extra = parse_extra_body(str(stored.value(f"{_GROUP}/extra_body", "")))
            prices = parse_prices(str(stored.value(f"{_GROUP}/prices", "")))
            options = json.loads(str(stored.value(f"{_GROUP}/options", "{}")))
        except (ValidationError, json.JSONDecodeError) as error:
            logger.warning("Ignoring invalid stored assistant settings: %s", error)
            extra, prices, options = {}, {}, {}
        defaults = AssistSettings()
        max_tokens = value("max_tokens", 0, int)
        budget = value("max_prompt_tokens", 0, int)
        return AssistSettings(
            provider=str(value("provider", OFFLINE, str)),
            base_url=str(value("base_url", "", str)),
            model=str(value("model", "", str)),
            api_key=self.api_key(),
            temperature=value("temperature", defaults.temperature, float),
            timeout_s=value("timeout_s", defaults.timeout_s, float),
            max_in_flight=value("max_in_flight", defaults.max_in_flight, int),
            max_retries=value("max_retries", defaults.max_retries, int),
            stream=value("stream", False, bool),
            max_tokens=max_tokens or None,
            max_prompt_tokens=budget or None,
            extra_body=extra,
            options=options if isinstance(options, dict) else {},
            prices=prices,
        )

    def save(
        self, settings: AssistSettings, typed_key: str | None, remember: bool
    ) -> str:
        """Store ``settings``; ``typed_key`` (None keeps the current key) goes to
        the keyring when ``remember`` and a keyring exist. Returns where the key
        went: keyring, session or none."""
        stored = self._qsettings
        values = {
            "provider": settings.provider,
            "base_url": settings.base_url,
            "model": settings.model,
            "temperature": settings.temperature,
            "timeout_s": settings.timeout_s,
            "max_in_flight": settings.max_in_flight,
            "max_retries": settings.max_retries,
            "stream": settings.stream,
            "max_tokens": settings.max_tokens or 0,
            "max_prompt_tokens": settings.max_prompt_tokens or 0,
            "extra_body": json.dumps(dict(settings.extra_body)),
            "prices": format_prices(settings.prices),
            "options": json.dumps(dict(settings.options)),
        }
        for name, value in values.items():
            stored.setValue(f"{_GROUP}/{name}", value)
        stored.sync()
        if typed_key is None:
            return self.key_source()
        return self._store_key(typed_key.strip(), remember)

    def _store_key(self, key: str, remember: bool) -> str:
        _SESSION_KEYS.pop(KEYRING_USER, None)
        if keyring_available():
            try:
                if remember and key:
                    keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
                    return "keyring"
                if keyring.get_password(KEYRING_SERVICE, KEYRING_USER):
                    keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
            except keyring.errors.KeyringError as error:
                logger.warning("Could not use the keyring: %s", error)
        if key:
            _SESSION_KEYS[KEYRING_USER] = key
            return "session"
        return "none"


_PROVIDER_LABELS = {
    OFFLINE: "Offline drafter (rule-based, no network)",
    OPENAI: "OpenAI-compatible server",
    LOCAL: "Local model on this machine",
}


class AssistSettingsDialog(QDialog):
    """Edit the assistant settings and test the connection before saving.

    ``saved`` carries the new settings once OK stored them.
    """

    saved = Signal(object)

    def __init__(self, store: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistSettingsDialog")
        self.setWindowTitle("Assistant settings")
        self._store = store
        self._task = None
        self._key_edited = False
        current = store.load()

        layout = QVBoxLayout(self)
        layout.addWidget(self._build_provider_box(current))
        layout.addWidget(self._build_request_box(current))
        layout.addWidget(self._build_cost_box(current))

        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        layout.addLayout(test_row)

        self.error_label = QLabel("")
        self.error_label.setObjectName("settingsError")
        self.error_label.setStyleSheet("color:#a01010;")
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._provider_changed()
        self.resize(560, self.sizeHint().height())

    # Sections

    def _build_provider_box(self, current: AssistSettings) -> QGroupBox:
        box = QGroupBox("Provider")
        form = QFormLayout(box)
        self.provider = QComboBox()
        self.provider.setObjectName("provider")
        for name in factory.provider_names():
            label = _PROVIDER_LABELS.get(name, name)
            if not factory.is_available(name):
                label += " — not installed"
            self.provider.addItem(label, name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(current.provider)))
        self.provider.currentIndexChanged.connect(self._provider_changed)
        form.addRow("Drafts by", self.provider)

        self.active_provider = QLabel(self._active_text(current))
        self.active_provider.setObjectName("activeProvider")
        self.active_provider.setWordWrap(True)
        form.addRow("Active now", self.active_provider)

        self.provider_note = QLabel("")
        self.provider_note.setObjectName("providerNote")
        self.provider_note.setWordWrap(True)
        form.addRow(self.provider_note)

        self.base_url = QLineEdit(current.base_url)
        self.base_url.setPlaceholderText(
            "https://api.openai.com/v1 or http://127.0.0.1:8080/v1"
        )
        form.addRow("Base URL", self.base_url)
        self.model = QLineEdit(current.model)
        self.model.setPlaceholderText("e.g. gpt-4o-mini")
        form.addRow("Model", self.model)

        self.api_key = QLineEdit()
        self.api_key.setObjectName("apiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.textEdited.connect(self._mark_key_edited)
        self.remember_key = QCheckBox("Keep the key in the OS keyring")
        self.remember_key.setObjectName("rememberKey")
        self.key_note = QLabel("")
        self.key_note.setObjectName("keyNote")
        self.key_note.setWordWrap(True)
        self._show_key_source()
        key_box = QVBoxLayout()
        key_box.addWidget(self.api_key)
        key_box.addWidget(self.remember_key)
        key_box.addWidget(self.key_note)
        form.addRow("API key", key_box)
        return box

    def _build_request_box(self, current: AssistSettings) -> QGroupBox:
        box = QGroupBox("Requests")
        form = QFormLayout(box)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0, 2)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(current.temperature)
        form.addRow("Temperature", self.temperature)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(current.timeout_s)
        form.addRow("Request timeout", self.timeout)
        self.in_flight = QSpinBox()
        self.in_flight.setRange(1, 64)
        self.in_flight.setValue(current.max_in_flight)
        form.addRow("Max requests in flight", self.in_flight)
        self.retries = QSpinBox()
        self.retries.setRange(0, 20)
        self.retries.setValue(current.max_retries)
        form.addRow("Retries on 429, 5xx, timeout", self.retries)
        self.stream = QCheckBox("Stream the response (shows progress while it arrives)")
        self.stream.setChecked(current.stream)
        form.addRow(self.stream)
        self.prompt_budget = QSpinBox()
        self.prompt_budget.setRange(0, 1_000_000)
        self.prompt_budget.setSpecialValueText("no limit")
        self.prompt_budget.setSuffix(" tokens")
        self.prompt_budget.setValue(current.max_prompt_tokens or 0)
        form.addRow("Prompt budget", self.prompt_budget)
        self.extra_body = QLineEdit(
            json.dumps(dict(current.extra_body)) if current.extra_body else ""
        )
        self.extra_body.setObjectName("extraBody")
        self.extra_body.setPlaceholderText('{"frequency_penalty": 0.5}')
        form.addRow("Extra request fields (JSON)", self.extra_body)
        return box

    def _build_cost_box(self, current: AssistSettings) -> QGroupBox:
        box = QGroupBox("Prices for the cost estimate (US$ per million tokens)")
        layout = QVBoxLayout(box)
        self.prices = QPlainTextEdit(format_prices(current.prices))
        self.prices.setObjectName("prices")
        self.prices.setPlaceholderText(
            "MODEL PROMPT COMPLETION, one model a line, e.g.\ngpt-4o-mini 0.15 0.60"
        )
        self.prices.setFixedHeight(64)
        layout.addWidget(self.prices)
        return box

    # Behaviour

    def _mark_key_edited(self) -> None:
        self._key_edited = True

    def _show_key_source(self) -> None:
        source = self._store.key_source()
        has_keyring = keyring_available()
        self.remember_key.setEnabled(has_keyring and source != "environment")
        self.remember_key.setChecked(has_keyring and source == "keyring")
        self.api_key.setEnabled(source != "environment")
        notes = {
            "environment": f"Using the key from {ENV_API_KEY}; unset it to type one.",
            "keyring": "A key is stored in the OS keyring; type a new one to replace "
            "it.",
            "session": "A key is kept for this session only.",
            "none": "No key set. Local servers usually need none.",
        }
        note = notes[source]
        if not has_keyring and source != "environment":
            note += " No OS keyring is available, so a typed key lasts until you quit."
        self.key_note.setText(note)
        self.api_key.setPlaceholderText("••••••••" if source != "none" else "sk-…")

    def _active_text(self, current: AssistSettings) -> str:
        label = _PROVIDER_LABELS.get(current.provider, current.provider)
        source = self._store.provider_source()
        if source == "environment":
            return f"{label}, chosen by {ENV_PROVIDER}"
        if source == "default" and current.provider == LOCAL:
            return f"{label}, the default because the local model is installed"
        if source == "default":
            return f"{label}, the default because no other provider is set up"
        return label

    def _provider_changed(self) -> None:
        name = self.provider.currentData()
        network = name == OPENAI
        # The local provider runs its own server and model, one request at a
        # time and without retries, so only the sampling settings apply to it.
        for widget in (self.base_url, self.model):
            widget.setEnabled(network)
        for widget in (self.in_flight, self.retries):
            widget.setEnabled(name != LOCAL)
        for widget in (self.temperature, self.stream):
            widget.setEnabled(network or name == LOCAL)
        self.api_key.setEnabled(network and self._store.key_source() != "environment")
        if name == OFFLINE:
            self.provider_note.setText(
                "The offline drafter is not a language model: it trims and softens "
                "scripts by rule from the audience profile, and sends nothing."
            )
        elif name == LOCAL:
            self.provider_note.setText(local_server.local_model_note())
        else:
            self.provider_note.setText("")

    def settings(self) -> AssistSettings:
        """Return the settings as typed; raises ValidationError naming a field."""
        budget = self.prompt_budget.value()
        settings = AssistSettings(
            provider=self.provider.currentData(),
            base_url=self.base_url.text().strip(),
            model=self.model.text().strip(),
            api_key=self.api_key.text().strip()
            if self._key_edited
            else self._store.api_key(),
            temperature=self.temperature.value(),
            timeout_s=self.timeout.value(),
            max_in_flight=self.in_flight.value(),
            max_retries=self.retries.value(),
            stream=self.stream.isChecked(),
            max_prompt_tokens=budget or None,
            extra_body=parse_extra_body(self.extra_body.text(), "Extra request fields"),
            prices=parse_prices(self.prices.toPlainText()),
        )
        settings.validate()
        return settings

    def test_connection(self) -> None:
        """Build a provider from the typed values and check it off the GUI thread."""
        try:
            provider = factory.create_provider(self.settings())
        except (ValidationError, ProviderError) as error:
            self._show_test(ConnectionReport(False, str(error)))
            return
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText("Testing…")

        def run(_control):
            try:
                return provider.test_connection()
            finally:
                provider.close()

        self._task = run_in_background("Test assistant connection", run, self)
        self._task.succeeded.connect(self._show_test)
        self._task.failed.connect(
            lambda error: self._show_test(ConnectionReport(False, str(error)))
        )
        self._task.finished.connect(lambda: self.test_button.setEnabled(True))

    def _show_test(self, report: ConnectionReport) -> None:
        colour = "#0b6b0b" if report.ok else "#a01010"
        self.test_result.setStyleSheet(f"color:{colour};")
        self.test_result.setText(("✔ " if report.ok else "✖ ") + report.message)

    def accept(self) -> None:
        try:
            settings = self.settings()
        except ValidationError as error:
            self.error_label.setText(str(error))
            return
        typed = self.api_key.text() if self._key_edited else None
        where = self._store.save(settings, typed, self.remember_key.isChecked())
        logger.info(
            "Saved assistant settings %s; key in %s", settings.public_dict(), where
        )
        self.saved.emit(settings.replace(api_key=self._store.api_key()))
        super().accept()
