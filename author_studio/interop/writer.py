"""Write a story draft into a new project file, all or nothing.

The project is built in a temporary file beside the destination and renamed into
place only after the last row is committed and the file is closed. A failure at
any step removes the temporary file, so no half-written project is left behind.
Rows go in as bulk inserts inside one transaction with ids assigned here, which
keeps a 10,000-passage import to a few seconds.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import insert

from author_studio.domain import validation
from author_studio.domain.errors import ValidationError
from author_studio.domain.model import Choice, Scene, SceneKind
from author_studio.interop.draft import ChoiceDraft, StoryDraft
from author_studio.services.session import ProjectSession
from author_studio.store import convert
from author_studio.store.errors import ProjectExistsError, ProjectFileError
from author_studio.store.project_file import ProjectFile, is_read_only
from author_studio.store.tables import (
    ChoiceRow,
    ProjectRow,
    SceneRow,
    StoryAssetRow,
    VariableRow,
)

logger = logging.getLogger(__name__)


def check_draft(draft: StoryDraft) -> None:
    """Validate every record of a draft; raise ValidationError naming the record."""
    keys = set()
    for scene in draft.scenes:
        try:
            validation.validate_scene(scene)
        except ValidationError as error:
            raise ValidationError(
                f"scene {scene.title!r}: {error}", field=error.field
            ) from error
        keys.add(scene.key)
    if len(keys) != len(draft.scenes):
        raise ValidationError("two scenes share a key", field="key")
    starts = [s for s in draft.scenes if s.kind is SceneKind.START]
    if len(starts) > 1:
        raise ValidationError("more than one start scene", field="kind")
    for choice in draft.choices:
        probe = Choice(source_id=0, target_id=0, label=choice.label)
        validation.validate_choice(probe)
    for variable in draft.variables:
        validation.validate_variable(variable)


def write_project(draft: StoryDraft, destination: Path) -> None:
    """Create the project file ``destination`` holding ``draft``.

    Raises ProjectExistsError when the file exists, ValidationError when a record
    of the draft is invalid; in both cases nothing is written.
    """
    destination = Path(destination)
    if destination.exists():
        raise ProjectExistsError(destination)
    if not destination.parent.is_dir():
        raise ProjectFileError(
            destination,
            f"{destination}: the folder {destination.parent} does not exist; create "
            "it first or choose another place.",
        )
    if is_read_only(destination.parent):
        raise ProjectFileError(
            destination,
            f"{destination}: the folder {destination.parent} is read-only; choose a "
            "writable folder.",
        )
    check_draft(draft)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".importing", dir=destination.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    temp.unlink()
    try:
        file = ProjectFile.create(temp, draft.title)
        session = ProjectSession(file)
        try:
            _insert(session, draft)
        finally:
            session.close()
        _checkpoint(temp)
        if destination.exists():
            raise ProjectExistsError(destination)
        os.replace(temp, destination)
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)
        raise
    logger.info(
        "Imported %d scenes and %d choices into %s",
        len(draft.scenes),
        len(draft.choices),
        destination,
    )


def _insert(session: ProjectSession, draft: StoryDraft) -> None:
    scene_ids = {scene.key: index for index, scene in enumerate(draft.scenes, 1)}
    with session.write() as (db, _changes):
        project = db.get(ProjectRow, 1)
        project.title = draft.title
        project.ifid = draft.ifid
        project.author = draft.author
        project.story_format = draft.story_format
        project.story_format_version = draft.story_format_version
        project.tag_colors = dict(draft.tag_colors)
        db.add(project)
        db.flush()
        # Plain dicts rather than SQLModel rows: building 30,000 validated row
        # objects took most of a 10,000-passage import.
        scene_rows = [
            _scene_values(scene, scene_ids[scene.key]) for scene in draft.scenes
        ]
        if scene_rows:
            db.execute(insert(SceneRow), scene_rows)
        choice_rows = [
            _choice_values(choice, number, scene_ids)
            for number, choice in enumerate(draft.choices, 1)
        ]
        if choice_rows:
            db.execute(insert(ChoiceRow), choice_rows)
        variable_rows = [
            convert.variable_to_row(v).model_dump() for v in draft.variables
        ]
        if variable_rows:
            db.execute(insert(VariableRow), variable_rows)
        asset_rows = [
            {"name": a.name, "kind": a.kind, "tags": list(a.tags), "text": a.text}
            for a in draft.assets
        ]
        if asset_rows:
            db.execute(insert(StoryAssetRow), asset_rows)


def _scene_values(scene: Scene, scene_id: int) -> dict[str, object]:
    return {"id": scene_id, **convert.scene_values(scene)}


def _choice_values(
    choice: ChoiceDraft, choice_id: int, scene_ids: dict[str, int]
) -> dict[str, object]:
    return {
        "id": choice_id,
        "source_id": scene_ids[choice.source_key],
        "target_id": scene_ids[choice.target_key],
        "label": choice.label,
        "condition": choice.condition,
        "effects": choice.effects,
        "window_s": None,
        "is_default": choice.is_default,
        "tags": [],
        "position": choice.position,
        "link_kind": choice.link_kind.value,
    }


def _checkpoint(path: Path) -> None:
    # Merging the WAL into the main file lets the rename move one complete file.
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
