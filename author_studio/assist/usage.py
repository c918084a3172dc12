"""Assistant usage per project: requests, tokens and an estimated cost.

The figures come from the project's ``assist_request`` table, one row per request
(cache hits included, at zero tokens). Prices come from the user's settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import col, select

from author_studio.assist.settings import AssistSettings
from author_studio.services.session import ProjectSession
from author_studio.store.tables import AssistRequestRow

logger = logging.getLogger(__name__)

# Providers that run on this machine and cost nothing per token.
FREE_PROVIDERS = frozenset({"offline", "local"})


@dataclass(frozen=True)
class UsageLine:
    """Requests and tokens of one provider and model in this project."""

    provider: str
    model: str
    requests: int
    cached: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


@dataclass(frozen=True)
class UsageSummary:
    lines: tuple[UsageLine, ...] = ()

    @property
    def total_cost_usd(self) -> float | None:
        """Return the summed cost, or None when any model's price is unknown."""
        costs = [line.cost_usd for line in self.lines]
        if any(cost is None for cost in costs):
            return None
        return sum(costs)  # type: ignore[arg-type]

    @property
    def requests(self) -> int:
        return sum(line.requests for line in self.lines)

    @property
    def tokens(self) -> int:
        return sum(line.prompt_tokens + line.completion_tokens for line in self.lines)


def project_usage(session: ProjectSession, settings: AssistSettings) -> UsageSummary:
    """Sum the project's assistant requests per provider and model, with cost.

    The cost is an estimate from the user's price table; a model missing from it
    has an unknown cost (None), except on providers that run locally.
    """
    with session.file.read() as db:
        rows = db.exec(
            select(
                AssistRequestRow.provider,
                AssistRequestRow.model,
                func.count(),
                # SUM takes the type of its argument, so a sum of booleans would
                # come back as True or False; counting through CASE keeps integers.
                func.sum(case((col(AssistRequestRow.cached).is_(True), 1), else_=0)),
                func.sum(case((AssistRequestRow.status == "failed", 1), else_=0)),
                func.sum(AssistRequestRow.prompt_tokens),
                func.sum(AssistRequestRow.completion_tokens),
            )
            .group_by(AssistRequestRow.provider, AssistRequestRow.model)
            .order_by(AssistRequestRow.provider, AssistRequestRow.model)
        ).all()
    lines = []
    for provider, model, requests, cached, failed, prompt, completion in rows:
        price = settings.price_for(model)
        if provider in FREE_PROVIDERS:
            cost: float | None = 0.0
        elif price is not None:
            cost = price.cost(prompt or 0, completion or 0)
        else:
            cost = None
        lines.append(
            UsageLine(
                provider,
                model,
                requests,
                int(cached or 0),
                int(failed or 0),
                int(prompt or 0),
                int(completion or 0),
                cost,
            )
        )
    return UsageSummary(tuple(lines))
