"""The assistant and review packages run without Qt."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "author_studio.assist.answer",
    "author_studio.assist.factory",
    "author_studio.assist.local_provider",
    "author_studio.assist.local_server",
    "author_studio.assist.offline",
    "author_studio.assist.openai_provider",
    "author_studio.assist.prompts",
    "author_studio.assist.service",
    "author_studio.review.checks",
    "author_studio.review.diff",
    "author_studio.review.queue",
    "author_studio.cli.assist_commands",
]


def test_no_qt_loaded():
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_offline_does_not_load_openai():
    code = (
        "import sys\n"
        "from author_studio.assist.factory import provider_from_env\n"
        "provider_from_env({'AUTHOR_STUDIO_PROVIDER': 'offline'})\n"
        "print('openai' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
