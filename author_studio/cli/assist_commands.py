"""Commands of the assistant and the review: draft, review and usage.

The provider comes from the environment (``AUTHOR_STUDIO_PROVIDER``,
``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``AUTHOR_STUDIO_MODEL``); with none set,
the local model is used when the local-model extra is installed, otherwise the
offline drafter.
"""

from __future__ import annotations

import argparse
import logging
import sys

from author_studio.cli.common import (
    EXIT_PROBLEMS,
    CommandError,
    open_project,
    print_json,
)
from author_studio.domain.errors import DomainError

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    draft = subparsers.add_parser(
        "draft",
        help="draft proposed variants of a scene for an audience",
        description="Draft variants with the provider the environment names "
        "(AUTHOR_STUDIO_PROVIDER=openai|local|offline, OPENAI_BASE_URL, "
        "OPENAI_API_KEY, AUTHOR_STUDIO_MODEL; when unset, local if the "
        "local-model extra is installed, else offline) and store them as "
        "proposed. Prints one variant id per line.",
    )
    draft.add_argument("path", help="the project file")
    draft.add_argument("--scene", required=True, metavar="KEY", help="the scene key")
    draft.add_argument(
        "--audience", required=True, metavar="NAME", help="the audience name"
    )
    draft.add_argument(
        "--count", type=int, default=2, help="variants to draft, 1 to 10 (default 2)"
    )
    draft.add_argument(
        "--instruction", default="", help="an extra instruction to the assistant"
    )
    draft.add_argument(
        "--fresh",
        action="store_true",
        help="ask the provider again even when the same request is cached",
    )
    draft.add_argument("--json", action="store_true", help="print one JSON object")
    draft.set_defaults(handler=run_draft)

    review = subparsers.add_parser(
        "review", help="approve or reject a variant; the decision is audited"
    )
    review.add_argument("path", help="the project file")
    review.add_argument(
        "--variant",
        required=True,
        type=int,
        metavar="ID",
        help="the variant id, as printed by draft",
    )
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument(
        "--approve",
        action="store_true",
        help="approve it; an earlier approved variant of the scene and audience "
        "becomes superseded",
    )
    decision.add_argument(
        "--reject", action="store_true", help="reject it; needs --note with the reason"
    )
    review.add_argument("--note", default="", help="why; required with --reject")
    review.add_argument(
        "--reviewer", default=None, help="who decides (default: the login name)"
    )
    review.set_defaults(handler=run_review)

    usage = subparsers.add_parser(
        "usage", help="print the project's assistant requests, tokens and cost"
    )
    usage.add_argument("path", help="the project file")
    usage.add_argument("--json", action="store_true", help="print one JSON object")
    usage.set_defaults(handler=run_usage)


def run_draft(args: argparse.Namespace) -> int:
    from author_studio.assist.factory import create_provider
    from author_studio.assist.provider import ProviderError
    from author_studio.assist.service import AssistService, DraftJob, JobState
    from author_studio.assist.settings import AssistSettings

    try:
        settings = AssistSettings.from_env()
        provider = create_provider(settings)
    except (DomainError, ProviderError) as error:
        raise CommandError(f"assistant settings: {error}") from error

    with open_project(args.path) as session:
        scene = session.scenes.by_key(args.scene)
        story = session.load_story()
        audience = story.audience_by_name.get(args.audience)
        if audience is None:
            names = ", ".join(sorted(story.audience_by_name)) or "none yet"
            raise CommandError(
                f"{args.path}: no audience named {args.audience!r}; the project "
                f"has {names}."
            )
        service = AssistService(session, provider, settings)
        job = DraftJob(scene.id, audience.id, args.count, args.instruction)
        try:
            outcome = service.draft(job, fresh=args.fresh, story=story)
        finally:
            provider.close()

    if outcome.state is not JobState.DONE:
        raise CommandError(
            f"{args.path}: drafting {args.scene} for {args.audience} failed: "
            f"{outcome.error} Nothing was stored.",
            exit_code=EXIT_PROBLEMS,
        )
    if args.json:
        result = outcome.result
        print_json(
            {
                "variant_ids": list(outcome.variant_ids),
                "cached": outcome.cached,
                "prompt_hash": outcome.prompt_hash,
                "provider": provider.name,
                "model": provider.model,
                "is_language_model": provider.is_language_model,
                "prompt_tokens": 0 if outcome.cached else result.prompt_tokens,
                "completion_tokens": 0 if outcome.cached else result.completion_tokens,
            }
        )
        return 0
    for variant_id in outcome.variant_ids:
        print(variant_id)
    if len(outcome.variant_ids) < args.count:
        # The offline rules, and small models, can produce identical drafts, which
        # are stored once.
        print(
            f"author-studio: note: {len(outcome.variant_ids)} distinct draft(s) of "
            f"{args.count} requested; the others repeated a stored draft.",
            file=sys.stderr,
        )
    return 0


def run_review(args: argparse.Namespace) -> int:
    with open_project(args.path) as session:
        reviewer = args.reviewer or session.actor
        if args.approve:
            variant = session.variants.approve(args.variant, reviewer, args.note)
        else:
            if not args.note.strip():
                raise CommandError(
                    f"{args.path}: --reject needs --note with the reason, so the "
                    "writer knows what to change."
                )
            variant = session.variants.reject(args.variant, reviewer, args.note)
    print(f"Variant {variant.id} is now {variant.status.value}")
    return 0


def run_usage(args: argparse.Namespace) -> int:
    from author_studio.assist.service import project_usage
    from author_studio.assist.settings import AssistSettings

    with open_project(args.path, reads_only=True) as session:
        summary = project_usage(session, AssistSettings.from_env())
    if args.json:
        print_json(
            {
                "lines": [line.__dict__ for line in summary.lines],
                "total_cost_usd": summary.total_cost_usd,
            }
        )
        return 0
    if not summary.lines:
        print("No assistant requests yet.")
        return 0
    for line in summary.lines:
        cost = "unknown" if line.cost_usd is None else f"${line.cost_usd:.4f}"
        print(
            f"{line.provider}/{line.model or '-'}: {line.requests} requests "
            f"({line.cached} cached, {line.failed} failed), {line.prompt_tokens} "
            f"prompt + {line.completion_tokens} completion tokens, cost {cost}"
        )
    total = summary.total_cost_usd
    print(f"Estimated total: {'unknown' if total is None else f'${total:.4f}'}")
    return 0
