"""The shipped sample project matches its JSON source and opens as it is."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path

import pytest

from author_studio.domain import SceneKind, VariantStatus
from author_studio.services import ProjectSession
from author_studio.store import SCHEMA_VERSION

SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"
SHIPPED = SAMPLES / "night_ferry.authorstudio"
SOURCE = SAMPLES / "source" / "night_ferry.json"


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_sample", SAMPLES / "build_sample.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dump(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        )
    ]
    result = {
        table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        for table in tables
    }
    connection.close()
    return result


@pytest.fixture
def sample(tmp_path: Path):
    copy = tmp_path / SHIPPED.name
    shutil.copyfile(SHIPPED, copy)
    session = ProjectSession.open(copy)
    yield session
    session.close()


def test_shipped_file_matches_source(tmp_path: Path) -> None:
    rebuilt = load_builder().build(SOURCE, tmp_path / "rebuilt.authorstudio")
    shipped, fresh = dump(SHIPPED), dump(rebuilt)
    assert shipped.keys() == fresh.keys()
    for table in shipped:
        assert shipped[table] == fresh[table], (
            f"table {table} differs; run python sample_projects/build_sample.py"
        )


def test_shipped_file_has_current_schema(tmp_path: Path, sample) -> None:
    connection = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert not list(tmp_path.glob("*.bak"))


def test_sample_covers_the_workflow(sample: ProjectSession) -> None:
    story = sample.load_story()
    assert len(story.scenes) >= 30
    assert len(story.endings) >= 3
    assert story.start is not None
    assert len(story.audiences) == 3
    assert len({a.pacing for a in story.audiences}) == 3
    assert len(story.personas) >= 4

    conditions = " ".join(c.condition for c in story.choices)
    effects = " ".join(c.effects for c in story.choices)
    read = [v.name for v in story.variables if v.name in conditions]
    assert read
    assert all(name in effects for name in read)

    timed_points = {c.source_id for c in story.choices if c.window_s}
    assert timed_points
    for scene_id in timed_points:
        defaults = [c for c in story.choices_from(scene_id) if c.is_default]
        assert len(defaults) == 1, story.scene_by_id[scene_id].key

    statuses = {v.status for v in story.variants}
    assert statuses == set(VariantStatus)
    for variant in story.variants:
        if variant.status is not VariantStatus.PROPOSED:
            assert all(r.note for r in sample.variants.reviews(variant.id))
    assert all(s.script.strip() for s in story.scenes)
    assert sum(s.kind is SceneKind.START for s in story.scenes) == 1
