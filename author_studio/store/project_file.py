"""Open, create, migrate and copy project files.

A project is one SQLite 3 file. ``PRAGMA application_id`` marks it as ours,
``PRAGMA user_version`` contains the schema version, the journal is WAL and foreign keys
are on for every connection. Every check that can reject a file runs before the file
is opened for writing, so a rejected file keeps its bytes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

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
from author_studio.store.migrations import SCHEMA_VERSION, apply_migrations
from author_studio.store.tables import ProjectRow

logger = logging.getLogger(__name__)

# "ASTD" in ASCII. Registered nowhere; chosen to differ from the ids in SQLite's
# magic.txt list of known application ids.
APPLICATION_ID = 0x41535444
PROJECT_SUFFIX = ".authorstudio"
SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_LOCK_PROBE_TIMEOUT_S = 0.25


@dataclass(frozen=True)
class FileHeader:
    """The fields of the 100-byte SQLite header that decide whether a file is ours."""

    page_size: int
    page_count: int
    page_count_valid: bool
    user_version: int
    application_id: int


def read_header(path: Path) -> FileHeader:
    """Read the SQLite header of ``path`` without opening it as a database.

    Raises NotSQLiteError when the file is too short or lacks the SQLite magic.
    """
    with path.open("rb") as handle:
        header = handle.read(_HEADER_SIZE)
    if len(header) < _HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        raise NotSQLiteError(path)
    (page_size_field,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size_field == 1 else page_size_field
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    (user_version,) = struct.unpack(">i", header[60:64])
    (application_id,) = struct.unpack(">i", header[68:72])
    return FileHeader(
        page_size=page_size,
        page_count=page_count,
        page_count_valid=valid_for == change_counter and page_count > 0,
        user_version=user_version,
        application_id=application_id & 0xFFFFFFFF,
    )


def check_project_file(path: Path, *, writable: bool = True) -> FileHeader:
    """Raise the matching ProjectFileError unless ``path`` is a usable project.

    Reads only: the header through plain file I/O, the rest through a read-only
    SQLite connection. The schema may be older than this version's; migrating is the
    caller's step.
    """
    if not path.exists():
        raise ProjectNotFoundError(path)
    if path.is_dir():
        raise ProjectFileError(
            path,
            f"{path}: is a folder, not a project file; open a *.authorstudio file.",
        )
    header = read_header(path)
    if header.application_id != APPLICATION_ID:
        raise ForeignDatabaseError(path, header.application_id)
    if header.user_version > SCHEMA_VERSION:
        raise SchemaTooNewError(path, header.user_version, SCHEMA_VERSION)
    if header.user_version < 1:
        raise CorruptProjectError(path, "it has no schema version")
    if header.page_size < 512 or header.page_size & (header.page_size - 1):
        raise CorruptProjectError(path, f"invalid page size {header.page_size}")
    size = path.stat().st_size
    if header.page_count_valid and size < header.page_count * header.page_size:
        raise CorruptProjectError(
            path,
            f"truncated: {size} bytes of {header.page_count * header.page_size}",
        )
    if writable:
        _check_writable(path)
    _quick_check(path)
    return header


def is_read_only(path: Path) -> bool:
    # Root passes os.access for any file, so the mode bits are checked as well:
    # a file the owner marked read-only is treated as read-only for everyone.
    mode = path.stat().st_mode
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP)


def _check_writable(path: Path) -> None:
    if is_read_only(path):
        raise ReadOnlyProjectError(path, "file")
    # WAL mode creates the -wal and -shm files beside the project.
    if is_read_only(path.parent):
        raise ReadOnlyProjectError(path, "folder")


def _quick_check(path: Path) -> None:
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    if not Path(f"{path}-wal").exists():
        # No process has the file open in WAL mode, so it cannot change under the
        # check, and "immutable" keeps the check from creating -wal and -shm files.
        uri += "&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=_LOCK_PROBE_TIMEOUT_S)
    except sqlite3.Error as error:
        raise CorruptProjectError(path, str(error)) from error
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table'"
            )
        }
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise ProjectLockedError(path) from error
        raise CorruptProjectError(path, str(error)) from error
    except sqlite3.DatabaseError as error:
        raise CorruptProjectError(path, str(error)) from error
    finally:
        connection.close()
    problems = [row[0] for row in rows if row[0] != "ok"]
    if problems:
        raise CorruptProjectError(path, problems[0])
    missing = {"project", "scene", "choice"} - tables
    if missing:
        raise CorruptProjectError(path, f"missing tables: {', '.join(sorted(missing))}")


def _check_not_locked(path: Path) -> None:
    connection = sqlite3.connect(
        path, timeout=_LOCK_PROBE_TIMEOUT_S, isolation_level=None
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        raise ProjectLockedError(path) from error
    finally:
        connection.close()


def backup_path_for(path: Path, version: int) -> Path:
    """Return where the copy taken before migrating from ``version`` goes.

    The ``.bak`` suffix keeps the copy from being opened (and migrated) by mistake.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return path.with_name(f"{path.name}.schema{version}-{stamp}.bak")


def copy_database(source: Path, destination: Path) -> None:
    """Copy a SQLite file through the backup API, so a live WAL file copies whole.

    The copy is written to a temporary file beside ``destination`` and renamed, so
    a failure leaves no partial file.
    """
    temp = _temporary_beside(destination)
    try:
        src = sqlite3.connect(f"file:{source.resolve().as_posix()}?mode=ro", uri=True)
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        os.replace(temp, destination)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _temporary_beside(path: Path) -> Path:
    """Create an empty temporary file next to ``path`` with the usual permissions.

    mkstemp makes files readable only by their owner; project files are shared
    between writers, so the mode follows the umask like any new file.
    """
    handle, name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def _configure_connection(
    dbapi_connection: sqlite3.Connection, _record: object
) -> None:
    # Autocommit at the driver level; the "begin" hook below opens transactions, so
    # SQLAlchemy and not pysqlite decides where a transaction starts.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    dbapi_connection.execute("PRAGMA busy_timeout = 5000")
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _begin(connection: object) -> None:
    options = connection.get_execution_options()  # type: ignore[attr-defined]
    mode = "BEGIN IMMEDIATE" if options.get("write") else "BEGIN"
    connection.exec_driver_sql(mode)  # type: ignore[attr-defined]


def _make_engine(path: Path, *, read_only: bool = False) -> Engine:
    url = f"sqlite:///{path.resolve().as_posix()}"
    if read_only:
        url = f"sqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true"
        if not Path(f"{path}-wal").exists():
            # With no write-ahead log beside it, nobody is writing the file, and
            # "immutable" keeps SQLite from creating -wal and -shm files next to
            # a file the user marked read-only.
            url += "&immutable=1"
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    return engine


class ProjectFile:
    """An open project file: an engine and transactions over it.

    Use :meth:`create` or :meth:`open`; both validate the file first.
    """

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._write_engine = engine.execution_options(write=True)

    @classmethod
    def create(
        cls, path: Path | str, title: str, *, overwrite: bool = False
    ) -> ProjectFile:
        """Create a new project file with the current schema and one project row."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise ProjectExistsError(path)
        if not path.parent.is_dir():
            raise ProjectNotFoundError(path.parent)
        if is_read_only(path.parent):
            raise ReadOnlyProjectError(path, "folder")
        temp = _temporary_beside(path)
        try:
            connection = sqlite3.connect(temp, isolation_level=None)
            try:
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
                connection.execute("PRAGMA foreign_keys = ON")
                apply_migrations(connection, 0)
                connection.execute(
                    "INSERT INTO project (id, title, ifid, created_at) "
                    "VALUES (1, ?, ?, ?)",
                    (title, str(uuid.uuid4()).upper(), datetime.now(UTC).isoformat()),
                )
                connection.execute("PRAGMA journal_mode = WAL")
            finally:
                connection.close()
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        logger.info("Created project %s", path)
        return cls(path, _make_engine(path))

    @classmethod
    def open(
        cls, path: Path | str, *, migrate: bool = True, read_only: bool = False
    ) -> ProjectFile:
        """Open an existing project, migrating an older schema after a backup copy.

        Raises a ProjectFileError subclass, with the file unchanged, when the file is
        missing, not SQLite, another program's, damaged, newer, read-only or locked.
        With ``read_only`` a read-only file is accepted and every write through the
        returned object fails; an older schema is then an error, since migrating
        writes.
        """
        path = Path(path)
        header = check_project_file(path, writable=not read_only)
        if read_only:
            if header.user_version < SCHEMA_VERSION:
                raise ProjectFileError(
                    path,
                    f"{path}: schema {header.user_version} needs upgrading to "
                    f"{SCHEMA_VERSION}, which writes to the file; make it writable "
                    "and open it once.",
                )
            logger.info("Opened project %s read-only", path)
            return cls(path, _make_engine(path, read_only=True))
        _check_not_locked(path)
        if header.user_version < SCHEMA_VERSION:
            if not migrate:
                raise ProjectFileError(
                    path,
                    f"{path}: schema {header.user_version} needs migrating to "
                    f"{SCHEMA_VERSION}; open it without read-only mode.",
                )
            cls._migrate(path, header.user_version)
        logger.info("Opened project %s", path)
        return cls(path, _make_engine(path))

    @staticmethod
    def _migrate(path: Path, version: int) -> Path:
        backup = backup_path_for(path, version)
        copy_database(path, backup)
        logger.info("Wrote backup %s before migrating schema %d", backup, version)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            apply_migrations(connection, version)
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            # The migration ran in one transaction that was rolled back, so the
            # file is as it was and the backup copy is not needed.
            logger.error("Migrating %s from schema %d failed: %s", path, version, error)
            backup.unlink(missing_ok=True)
            raise MigrationError(path, version, str(error)) from error
        finally:
            connection.close()
        return backup

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session whose work commits as one write transaction on exit."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session that sees one consistent snapshot and writes nothing."""
        # Closing (not rolling back) keeps loaded attributes readable afterwards.
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def project_row(self) -> ProjectRow:
        with self.read() as session:
            row = session.get(ProjectRow, 1)
        if row is None:
            raise CorruptProjectError(self.path, "the project row is missing")
        return row

    def save_as(self, destination: Path | str, *, overwrite: bool = False) -> Path:
        """Copy the project to ``destination`` with the SQLite backup API."""
        destination = Path(destination)
        if destination.resolve() == self.path.resolve():
            return destination
        if destination.exists() and not overwrite:
            raise ProjectExistsError(destination)
        if is_read_only(destination.parent):
            raise ReadOnlyProjectError(destination, "folder")
        copy_database(self.path, destination)
        connection = sqlite3.connect(destination, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
        finally:
            connection.close()
        logger.info("Saved a copy of %s as %s", self.path, destination)
        return destination

    def close(self) -> None:
        self.engine.dispose()
