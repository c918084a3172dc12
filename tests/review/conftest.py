"""The review tests share the assistant tests' small project."""

from tests.assist.conftest import project  # noqa: F401 - a fixture, used by name
