"""The project file: header fields, rejected files, migration and Save As."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from author_studio.domain import Scene
from author_studio.services import ProjectSession
from author_studio.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    CorruptProjectError,
    ForeignDatabaseError,
    MigrationError,
    NotSQLiteError,
    ProjectExistsError,
    ProjectFile,
    ProjectFileError,
    ProjectLockedError,
    ProjectNotFoundError,
    ReadOnlyProjectError,
    SchemaTooNewError,
)
from author_studio.store.migrations import MIGRATIONS
from author_studio.store.tables import SQLModel

DATA = Path(__file__).parent / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "show.authorstudio"
    session = ProjectSession.create(path, "Harbour Lights")
    for number in range(40):
        session.scenes.create(Scene(key=f"s{number}", title=f"Scene {number}"))
    session.close()
    return path


def test_new_file_header(project: Path) -> None:
    connection = sqlite3.connect(project)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_foreign_keys_on_every_connection(project: Path) -> None:
    file = ProjectFile.open(project)
    with file.read() as db:
        assert db.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    file.close()


def test_tables_match_migrated_schema(project: Path) -> None:
    connection = sqlite3.connect(project)
    for table in SQLModel.metadata.sorted_tables:
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        assert columns, f"table {table.name} is missing"
        missing = {column.name for column in table.columns} - columns
        assert not missing, f"{table.name} lacks {missing}"
    connection.close()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="file not found"):
        ProjectFile.open(tmp_path / "nothing.authorstudio")


def test_random_bytes_rejected_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "noise.authorstudio"
    path.write_bytes(os.urandom(8192))
    before = digest(path)
    with pytest.raises(NotSQLiteError, match="not a SQLite file"):
        ProjectFile.open(path)
    assert digest(path) == before


def test_empty_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.authorstudio"
    path.write_bytes(b"")
    with pytest.raises(NotSQLiteError):
        ProjectFile.open(path)
    assert path.read_bytes() == b""


def test_other_programs_sqlite_rejected_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA application_id = {0x46524446}")
    connection.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(ForeignDatabaseError, match="another program") as caught:
        ProjectFile.open(path)
    assert "0x46524446" in str(caught.value)
    assert digest(path) == before


def test_plain_sqlite_without_id_rejected(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(ForeignDatabaseError):
        ProjectFile.open(path)
    assert digest(path) == before


def test_truncated_project_rejected_unchanged(project: Path) -> None:
    data = project.read_bytes()
    assert len(data) > 8192
    project.write_bytes(data[: len(data) // 2])
    before = digest(project)
    with pytest.raises(CorruptProjectError, match="truncated"):
        ProjectFile.open(project)
    assert digest(project) == before


def test_damaged_pages_rejected_unchanged(project: Path) -> None:
    data = bytearray(project.read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0]
    # Overwrite the second page (the first table's root) with garbage.
    data[page_size : page_size * 2] = os.urandom(page_size)
    project.write_bytes(bytes(data))
    before = digest(project)
    with pytest.raises(CorruptProjectError, match="damaged"):
        ProjectFile.open(project)
    assert digest(project) == before


def test_newer_schema_rejected_unchanged(project: Path) -> None:
    connection = sqlite3.connect(project)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    connection.commit()
    connection.close()
    before = digest(project)
    with pytest.raises(SchemaTooNewError) as caught:
        ProjectFile.open(project)
    assert f"schema {SCHEMA_VERSION + 5}" in str(caught.value)
    assert "update Author Studio" in str(caught.value)
    assert digest(project) == before


def test_read_only_file_rejected_unchanged(project: Path) -> None:
    before = digest(project)
    project.chmod(0o444)
    try:
        with pytest.raises(ReadOnlyProjectError, match="file is read-only"):
            ProjectFile.open(project)
    finally:
        project.chmod(0o644)
    assert digest(project) == before


def test_read_only_folder_rejected(project: Path) -> None:
    before = digest(project)
    folder = project.parent
    folder.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyProjectError, match="folder is read-only"):
            ProjectFile.open(project)
    finally:
        folder.chmod(0o755)
    assert digest(project) == before


def test_file_written_by_another_process(project: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"UPDATE project SET title = 'busy'\")\n"
            "print('locked', flush=True)\n"
            "time.sleep(30)\n",
            str(project),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(ProjectLockedError, match="another process"):
            ProjectFile.open(project)
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    session = ProjectSession.open(project)
    assert session.info().title == "Harbour Lights"
    session.close()


def test_folder_as_project_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "show.authorstudio"
    folder.mkdir()
    with pytest.raises(ProjectFileError, match="is a folder, not a project file"):
        ProjectFile.open(folder)


def test_create_refuses_existing_file(project: Path) -> None:
    before = digest(project)
    with pytest.raises(ProjectExistsError):
        ProjectFile.create(project, "Other")
    assert digest(project) == before


def test_migrates_schema_v1_fixture(tmp_path: Path) -> None:
    path = tmp_path / "lighthouse.authorstudio"
    shutil.copyfile(DATA / "schema_v1.authorstudio", path)
    original = path.read_bytes()

    session = ProjectSession.open(path)
    story = session.load_story()
    session.close()

    backups = list(tmp_path.glob("lighthouse.authorstudio.schema1-*.bak"))
    assert len(backups) == 1
    backup = sqlite3.connect(backups[0])
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT count(*) FROM scene").fetchone()[0] == 3
    backup.close()
    assert original[:16] == backups[0].read_bytes()[:16]

    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert story.info.title == "Lighthouse"
    assert [s.key for s in sorted(story.scenes, key=lambda s: s.id)] == [
        "arrival",
        "lamp_room",
        "dawn",
    ]
    assert all(s.pacing is None for s in story.scenes)
    assert {c.link_kind.value for c in story.choices} == {"link"}
    assert story.approved_variant(2, 1).script.endswith("(gentler)")


def test_failed_migration_keeps_old_schema(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "lighthouse.authorstudio"
    shutil.copyfile(DATA / "schema_v1.authorstudio", path)
    broken = MIGRATIONS[1].__class__(2, "broken", ("CREATE TABLE scene (x)",))
    monkeypatch.setattr(
        "author_studio.store.migrations.MIGRATIONS", (MIGRATIONS[0], broken)
    )
    before = digest(path)
    with pytest.raises(MigrationError, match="from schema 1 failed") as caught:
        ProjectFile.open(path)
    assert "file is unchanged" in str(caught.value)
    assert digest(path) == before
    assert not list(tmp_path.glob("*.bak"))


def test_save_as_copies_live_project(project: Path, tmp_path: Path) -> None:
    session = ProjectSession.open(project)
    session.scenes.create(Scene(key="late", title="Added before the copy"))
    copy = session.save_as(tmp_path / "copy.authorstudio")
    session.close()

    reopened = ProjectSession.open(copy)
    keys = {scene.key for scene in reopened.scenes.list()}
    reopened.close()
    assert "late" in keys
    assert len(keys) == 42
    with pytest.raises(ProjectExistsError):
        ProjectSession.open(project).save_as(copy)
