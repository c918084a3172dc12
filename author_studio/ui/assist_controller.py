"""The assistant state one main window shares: settings, provider, service."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from author_studio.assist import factory
from author_studio.assist.offline import OfflineDrafter
from author_studio.assist.provider import DraftProvider, ProviderError
from author_studio.assist.service import AssistService, DraftJob
from author_studio.assist.settings import AssistSettings
from author_studio.domain.errors import ValidationError
from author_studio.services.session import ProjectSession
from author_studio.ui.assist_settings import AssistSettingsDialog, SettingsStore
from author_studio.ui.draft_run import DraftRun

logger = logging.getLogger(__name__)


class AssistController(QObject):
    """Own the current assistant settings and the provider built from them.

    ``settings_changed`` is sent after the user saves new settings. When the
    saved settings cannot build a provider (a missing module, a bad URL), the
    offline drafter is used instead and ``provider_problem`` gives the reason.
    """

    settings_changed = Signal()

    def __init__(
        self, store: SettingsStore | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store or SettingsStore()
        self.settings = self.store.load()
        self._provider: DraftProvider | None = None
        self.provider_problem = ""
        self.runs: list[DraftRun] = []

    def provider(self) -> DraftProvider:
        if self._provider is None:
            try:
                self._provider = factory.create_provider(self.settings)
                self.provider_problem = ""
            except (ProviderError, ValidationError) as error:
                logger.warning("Using the offline drafter instead: %s", error)
                self.provider_problem = (
                    f"{error} Using the offline drafter until the settings are fixed."
                )
                self._provider = OfflineDrafter(self.settings)
        return self._provider

    def apply(self, settings: AssistSettings) -> None:
        if self._provider is not None:
            self._provider.close()
        self._provider = None
        self.settings = settings
        self.settings_changed.emit()

    def service(self, session: ProjectSession) -> AssistService:
        return AssistService(session, self.provider(), self.settings)

    def start_run(
        self, service: AssistService, jobs: list[DraftJob], fresh: bool
    ) -> DraftRun:
        """Start a batch that lives as long as this controller, not its dialog."""
        run = DraftRun(service, jobs, fresh, self)
        self.runs.append(run)
        run.finished.connect(lambda _outcomes: self._forget(run))
        return run

    def _forget(self, run: DraftRun) -> None:
        if run in self.runs:
            self.runs.remove(run)
        run.deleteLater()

    def cancel_runs(self) -> None:
        """Cancel every running batch, for closing the project."""
        for run in list(self.runs):
            run.cancel()

    def describe_provider(self) -> str:
        """Return one line naming the provider, saying plainly when it is not a
        language model."""
        provider = self.provider()
        if not provider.is_language_model:
            text = (
                "Offline drafter — rule-based edits, not a language model; nothing "
                "is sent over the network."
            )
        else:
            info = provider.info()
            text = f"{provider.name}: {info.description or provider.model}"
        if self.provider_problem:
            text += f"  ({self.provider_problem})"
        return text

    def open_settings(self, parent: QWidget | None = None) -> AssistSettingsDialog:
        """Show the settings dialog (not modal); saving applies the settings."""
        dialog = AssistSettingsDialog(self.store, parent)
        dialog.saved.connect(self.apply)
        dialog.open()
        return dialog

    def close(self) -> None:
        self.cancel_runs()
        if self._provider is not None:
            self._provider.close()
            self._provider = None


def controller_for(window: QObject) -> AssistController:
    """Return the window's controller, creating it on first use."""
    controller = getattr(window, "assist", None)
    if not isinstance(controller, AssistController):
        controller = AssistController(parent=window)
        window.assist = controller
    return controller
