"""Helpers shared by the CLI commands."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from author_studio.domain.errors import DomainError
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectFileError, ReadOnlyProjectError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure to report on stderr as one line, with the exit code to return."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def open_project(
    path: str | Path, *, reads_only: bool = False
) -> Iterator[ProjectSession]:
    """Open a project for a command, turning store and domain errors into
    CommandError with the file named.

    A command that only reads passes ``reads_only``: a read-only file is then
    opened read-only instead of rejected.
    """
    try:
        try:
            session = ProjectSession.open(path)
        except ReadOnlyProjectError:
            if not reads_only:
                raise
            session = ProjectSession.open(path, read_only=True)
    except ProjectFileError as error:
        raise CommandError(str(error)) from error
    try:
        yield session
    except DomainError as error:
        raise CommandError(f"{path}: {error}") from error
    finally:
        session.close()


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
