"""Build the configured drafting provider from settings or the environment.

Providers are registered by name. The built-in names map to modules that define
``create(settings) -> DraftProvider`` and are imported only when chosen, so the
offline drafter never loads the ``openai`` package:

- ``offline``: :mod:`author_studio.assist.offline`, rule-based, no network;
- ``openai``: :mod:`author_studio.assist.openai_provider`, any OpenAI-compatible
  server;
- ``local``: :mod:`author_studio.assist.local_provider`, the model of the
  ``local-model`` extra run on this machine. Without the extra, choosing
  ``local`` fails with a message naming the install command.

:func:`register_provider` adds or replaces a name at run time.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Mapping

from author_studio.assist import local_server
from author_studio.assist.provider import DraftProvider, ProviderError
from author_studio.assist.settings import LOCAL, OFFLINE, OPENAI, AssistSettings

logger = logging.getLogger(__name__)

ProviderFactory = Callable[[AssistSettings], DraftProvider]

_MODULES = {
    OFFLINE: "author_studio.assist.offline",
    OPENAI: "author_studio.assist.openai_provider",
    LOCAL: "author_studio.assist.local_provider",
}
_REGISTERED: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make ``name`` build providers with ``factory``, replacing a built-in one."""
    _REGISTERED[name] = factory


def provider_names() -> list[str]:
    """Return every name a user can choose, available or not."""
    return sorted(set(_MODULES) | set(_REGISTERED))


def is_available(name: str) -> bool:
    """Tell whether ``name`` can be built here: its module can be imported and,
    for ``local``, the ``local-model`` extra is installed."""
    if name in _REGISTERED:
        return True
    module = _MODULES.get(name)
    if module is None:
        return False
    if name == LOCAL and not local_server.local_model_available():
        return False
    return importlib.util.find_spec(module) is not None


def _factory(name: str) -> ProviderFactory:
    if name in _REGISTERED:
        return _REGISTERED[name]
    module_name = _MODULES.get(name)
    if module_name is None:
        raise ProviderError(
            f"There is no assistant provider named {name!r}; choose one of "
            f"{', '.join(provider_names())}."
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise ProviderError(
            f"The {name!r} provider is not installed in this build of Author "
            "Studio; choose offline or openai."
        ) from error
    return module.create


def create_provider(settings: AssistSettings) -> DraftProvider:
    """Build the provider that ``settings.provider`` names."""
    settings.validate()
    provider = _factory(settings.provider)(settings)
    logger.info("Assistant provider %s, model %r", provider.name, provider.model or "-")
    return provider


def provider_from_env(
    environ: Mapping[str, str] | None = None, base: AssistSettings | None = None
) -> DraftProvider:
    """Build the provider the environment configures; with none named, the
    default of :func:`~author_studio.assist.settings.default_provider_name`."""
    return create_provider(AssistSettings.from_env(environ, base))
