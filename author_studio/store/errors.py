"""Typed errors for project files that cannot be opened or written.

Each message names the file and says what to do; the GUI shows it as it is and the
CLI prints it on one line.
"""

from __future__ import annotations

from pathlib import Path


class ProjectFileError(Exception):
    """Base class: the file at ``path`` cannot be used as a project."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(message)
        self.path = Path(path)


class ProjectNotFoundError(ProjectFileError):
    def __init__(self, path: Path | str) -> None:
        super().__init__(path, f"{path}: file not found; check the path.")


class NotSQLiteError(ProjectFileError):
    def __init__(self, path: Path | str) -> None:
        super().__init__(
            path,
            f"{path}: not an Author Studio project (not a SQLite file); open a "
            "*.authorstudio file, or use Import for Twine and ink stories.",
        )


class ForeignDatabaseError(ProjectFileError):
    def __init__(self, path: Path | str, application_id: int) -> None:
        super().__init__(
            path,
            f"{path}: a SQLite file of another program (application id "
            f"{application_id:#010x}), not an Author Studio project; open a "
            "*.authorstudio file.",
        )
        self.application_id = application_id


class CorruptProjectError(ProjectFileError):
    def __init__(self, path: Path | str, detail: str) -> None:
        super().__init__(
            path,
            f"{path}: the project file is damaged ({detail}); open a backup copy, or "
            "the *.bak file written before the last migration.",
        )
        self.detail = detail


class SchemaTooNewError(ProjectFileError):
    def __init__(self, path: Path | str, found: int, supported: int) -> None:
        super().__init__(
            path,
            f"{path}: made by a newer Author Studio (schema {found}, this version "
            f"reads up to {supported}); update Author Studio to open it.",
        )
        self.found = found
        self.supported = supported


class MigrationError(ProjectFileError):
    def __init__(self, path: Path | str, version: int, detail: str) -> None:
        super().__init__(
            path,
            f"{path}: upgrading the file from schema {version} failed ({detail}); the "
            "file is unchanged. It may be damaged: open a backup copy.",
        )
        self.version = version
        self.detail = detail


class ReadOnlyProjectError(ProjectFileError):
    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(
            path,
            f"{path}: the {what} is read-only, and every edit is saved at once; make "
            "it writable, or copy the project to a writable folder.",
        )


class ProjectLockedError(ProjectFileError):
    def __init__(self, path: Path | str) -> None:
        super().__init__(
            path,
            f"{path}: another process is writing this project; close it there "
            "(another Author Studio window?) and try again.",
        )


class ProjectExistsError(ProjectFileError):
    def __init__(self, path: Path | str) -> None:
        super().__init__(
            path, f"{path}: a file already exists there; choose another name."
        )
