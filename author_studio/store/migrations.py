"""Numbered schema migrations of the project file.

A new project runs every migration from an empty file, so the schema a fresh file
gets and the schema an old file reaches after migrating are one and the same. Each
migration is a list of SQL statements that moves ``PRAGMA user_version`` from its
number minus one to its number. Migrations are never edited once released: a change
to the schema is a new entry at the end.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_V1 = (
    """
    CREATE TABLE project (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        title TEXT NOT NULL,
        ifid TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        story_format TEXT NOT NULL DEFAULT '',
        story_format_version TEXT NOT NULL DEFAULT '',
        tag_colors TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE scene (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'scene', 'ending')),
        synopsis TEXT NOT NULL DEFAULT '',
        script TEXT NOT NULL DEFAULT '',
        duration_s REAL NOT NULL DEFAULT 60 CHECK (duration_s >= 0),
        tags TEXT NOT NULL DEFAULT '[]',
        canon INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        x REAL NOT NULL DEFAULT 0,
        y REAL NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE choice (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES scene(id) ON DELETE CASCADE,
        target_id INTEGER NOT NULL REFERENCES scene(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        condition TEXT NOT NULL DEFAULT '',
        effects TEXT NOT NULL DEFAULT '',
        window_s REAL CHECK (window_s IS NULL OR window_s > 0),
        is_default INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX choice_source ON choice(source_id)",
    "CREATE INDEX choice_target ON choice(target_id)",
    """
    CREATE TABLE variable (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL CHECK (type IN ('bool', 'int', 'text')),
        initial TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE audience (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        pacing TEXT NOT NULL,
        tone TEXT NOT NULL DEFAULT '',
        rating TEXT NOT NULL,
        interests TEXT NOT NULL DEFAULT '[]',
        language TEXT NOT NULL DEFAULT 'en',
        description TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE persona (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        audience_id INTEGER NOT NULL REFERENCES audience(id) ON DELETE CASCADE,
        tag_weights TEXT NOT NULL DEFAULT '{}',
        timeout_rate REAL NOT NULL DEFAULT 0.1,
        dropoff_per_minute REAL NOT NULL DEFAULT 0.01,
        mismatch_factor REAL NOT NULL DEFAULT 2.0,
        description TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE canon_fact (
        id INTEGER PRIMARY KEY,
        term TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        scene_id INTEGER REFERENCES scene(id) ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE variant (
        id INTEGER PRIMARY KEY,
        scene_id INTEGER NOT NULL REFERENCES scene(id) ON DELETE CASCADE,
        audience_id INTEGER NOT NULL REFERENCES audience(id) ON DELETE CASCADE,
        script TEXT NOT NULL,
        duration_s REAL NOT NULL CHECK (duration_s >= 0),
        origin TEXT NOT NULL,
        status TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        canon_kept TEXT NOT NULL DEFAULT '[]',
        provider TEXT,
        model TEXT,
        prompt_hash TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        latency_ms INTEGER,
        parent_id INTEGER REFERENCES variant(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX variant_scene ON variant(scene_id, audience_id)",
    """
    CREATE UNIQUE INDEX variant_one_approved ON variant(scene_id, audience_id)
        WHERE status = 'approved'
    """,
    """
    CREATE TABLE review (
        id INTEGER PRIMARY KEY,
        variant_id INTEGER NOT NULL REFERENCES variant(id) ON DELETE CASCADE,
        decision TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    )
    """,
)

_V2 = (
    "ALTER TABLE scene ADD COLUMN pacing TEXT",
    "ALTER TABLE choice ADD COLUMN link_kind TEXT NOT NULL DEFAULT 'link'",
    "CREATE UNIQUE INDEX scene_one_start ON scene(kind) WHERE kind = 'start'",
    """
    CREATE TABLE audit_entry (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE story_asset (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        text TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE journey (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        audience_id INTEGER REFERENCES audience(id) ON DELETE SET NULL,
        start_scene_id INTEGER REFERENCES scene(id) ON DELETE SET NULL,
        start_state TEXT NOT NULL DEFAULT '{}',
        steps TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE draft_cache (
        prompt_hash TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE assist_request (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        cached INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT ''
    )
    """,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "story tables", _V1),
    Migration(
        2,
        "scene pacing, macro links, audit log, story assets, journeys, draft cache",
        _V2,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def apply_migrations(connection: sqlite3.Connection, from_version: int) -> int:
    """Run every migration above ``from_version`` in one transaction.

    Returns the new schema version. On any error the transaction is rolled back and
    the file keeps its old schema.
    """
    pending = [m for m in MIGRATIONS if m.version > from_version]
    if not pending:
        return from_version
    connection.execute("BEGIN IMMEDIATE")
    try:
        for migration in pending:
            logger.info(
                "Applying schema migration %d (%s)",
                migration.version,
                migration.description,
            )
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {migration.version:d}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return pending[-1].version
