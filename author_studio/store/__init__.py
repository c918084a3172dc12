"""The project file on SQLite: tables, migrations, open and save. Imports no Qt."""

from author_studio.store.errors import (
    CorruptProjectError,
    ForeignDatabaseError,
    MigrationError,
    NotSQLiteError,
    ProjectExistsError,
    ProjectFileError,
    ProjectLockedError,
    ProjectNotFoundError,
    ReadOnlyProjectError,
    SchemaTooNewError,
)
from author_studio.store.migrations import SCHEMA_VERSION
from author_studio.store.project_file import APPLICATION_ID, PROJECT_SUFFIX, ProjectFile

__all__ = [
    "APPLICATION_ID",
    "PROJECT_SUFFIX",
    "SCHEMA_VERSION",
    "CorruptProjectError",
    "ForeignDatabaseError",
    "MigrationError",
    "NotSQLiteError",
    "ProjectExistsError",
    "ProjectFile",
    "ProjectFileError",
    "ProjectLockedError",
    "ProjectNotFoundError",
    "ReadOnlyProjectError",
    "SchemaTooNewError",
]
