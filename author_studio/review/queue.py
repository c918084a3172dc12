"""The list of variants an editor works through, filtered like the review panel."""

from __future__ import annotations

from dataclasses import dataclass

from author_studio.domain.model import Variant, VariantOrigin, VariantStatus
from author_studio.domain.story import Story


@dataclass(frozen=True)
class ReviewFilter:
    """A filter over variants; ``None`` in a field matches any value."""

    scene_id: int | None = None
    audience_id: int | None = None
    status: VariantStatus | None = VariantStatus.PROPOSED
    origin: VariantOrigin | None = None

    def accepts(self, variant: Variant) -> bool:
        return (
            (self.scene_id is None or variant.scene_id == self.scene_id)
            and (self.audience_id is None or variant.audience_id == self.audience_id)
            and (self.status is None or variant.status is self.status)
            and (self.origin is None or variant.origin is self.origin)
        )


def review_queue(story: Story, review_filter: ReviewFilter) -> list[Variant]:
    """Return the matching variants, oldest first, grouped by scene and audience."""
    order = {scene.id: index for index, scene in enumerate(story.scenes)}
    matching = [v for v in story.variants if review_filter.accepts(v)]
    return sorted(
        matching, key=lambda v: (order.get(v.scene_id, 0), v.audience_id, v.id or 0)
    )
