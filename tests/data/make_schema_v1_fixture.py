"""Write ``schema_v1.authorstudio``: a small project as schema version 1 stored it.

The file is committed, so the migration test opens bytes written by the old schema
and not a file made on the fly. Rerun this only if the fixture is lost; it uses the
frozen statements of migration 1.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from author_studio.store.migrations import MIGRATIONS
from author_studio.store.project_file import APPLICATION_ID

OUTPUT = Path(__file__).with_name("schema_v1.authorstudio")


def main() -> None:
    OUTPUT.unlink(missing_ok=True)
    connection = sqlite3.connect(OUTPUT, isolation_level=None)
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
    connection.execute("PRAGMA foreign_keys = ON")
    for statement in MIGRATIONS[0].statements:
        connection.execute(statement)
    connection.execute("PRAGMA user_version = 1")
    connection.executescript(
        """
        INSERT INTO project (id, title, ifid, created_at) VALUES
            (1, 'Lighthouse', '0B1C9E52-8C57-4C1B-9A43-2F1D55D2A3B1',
             '2026-06-01T10:00:00+00:00');
        INSERT INTO scene (id, key, title, kind, script, duration_s, tags, x, y) VALUES
            (1, 'arrival', 'Arrival', 'start', 'EXT. LIGHTHOUSE - DUSK', 75,
             '["act1"]', 0, 0),
            (2, 'lamp_room', 'The Lamp Room', 'scene', 'INT. LAMP ROOM - NIGHT', 90,
             '[]', 300, 0),
            (3, 'dawn', 'Dawn', 'ending', 'EXT. ROCKS - DAWN', 40, '[]', 600, 0);
        INSERT INTO choice (id, source_id, target_id, label, window_s, is_default,
                            position) VALUES
            (1, 1, 2, 'Climb the stairs', 10, 1, 1),
            (2, 2, 3, 'Wait for the light', NULL, 0, 1);
        INSERT INTO audience (id, name, pacing, rating) VALUES
            (1, 'Family', 'medium', 'PG');
        INSERT INTO variant (id, scene_id, audience_id, script, duration_s, origin,
                             status, created_at) VALUES
            (1, 2, 1, 'INT. LAMP ROOM - NIGHT (gentler)', 80, 'human', 'approved',
             '2026-06-02T10:00:00+00:00');
        """
    )
    connection.close()


if __name__ == "__main__":
    main()
