"""The layers below the GUI import no Qt, so they run headless."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = [
    "author_studio.domain",
    "author_studio.store",
    "author_studio.services",
    "author_studio.cli",
    "author_studio.analysis",
    "author_studio.simulate",
    "author_studio.preview",
    "author_studio.assist",
    "author_studio.review",
    "author_studio.interop",
]

SCRIPT = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in (
    "PySide6", "shiboken6", "pyqtgraph"))
print(",".join(loaded))
"""


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_package_imports_no_qt(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, package],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{package} loaded {result.stdout.strip()}"
