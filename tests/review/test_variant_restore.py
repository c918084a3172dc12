"""Restoring variant statuses, the service step behind undoing a decision."""

from __future__ import annotations

from author_studio.domain.model import Variant, VariantStatus


def _two_variants(project):
    story = project.load_story()
    scene = story.scene_by_key["bridge"].id
    audience = story.audience_by_name["Teens"].id
    first = project.variants.create(Variant(scene, audience, "MARA: One.", 40))
    second = project.variants.create(Variant(scene, audience, "MARA: Two.", 40))
    return first.id, second.id


def test_restore_swaps_approval(project):
    first, second = _two_variants(project)
    project.variants.approve(first, "ed")
    project.variants.approve(second, "ed")
    project.variants.restore(
        {first: VariantStatus.APPROVED, second: VariantStatus.PROPOSED}, "ed", "undo"
    )
    assert project.variants.get(first).status is VariantStatus.APPROVED
    assert project.variants.get(second).status is VariantStatus.PROPOSED
    reviews = project.variants.reviews(first)
    assert reviews[-1].note == "undo (now approved)"


def test_restore_removes_copies(project):
    first, _second = _two_variants(project)
    copy = project.variants.edit_and_approve(first, "MARA: Edited.", 30, "ed")
    project.variants.restore({first: VariantStatus.PROPOSED}, "ed", "undo", [copy.id])
    ids = [v.id for v in project.variants.list()]
    assert copy.id not in ids
    assert project.variants.get(first).status is VariantStatus.PROPOSED
    actions = {e.action for e in project.audit_log()}
    assert {"removed", "reopened"} <= actions


def test_restore_unchanged_writes_nothing(project):
    first, _second = _two_variants(project)
    before = len(project.audit_log())
    project.variants.restore({first: VariantStatus.PROPOSED}, "ed", "undo")
    assert len(project.audit_log()) == before
