"""Commands that check a story and walk simulated viewers through it."""

from __future__ import annotations

import argparse
import logging

from author_studio.analysis import Severity, has_errors, lint, path_stats
from author_studio.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CommandError,
    open_project,
    print_json,
)
from author_studio.domain.errors import NotFoundError
from author_studio.simulate import DEFAULT_STEP_LIMIT, simulate

logger = logging.getLogger(__name__)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _positive(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


# The same bound as the Simulation panel's: a million viewers per persona already
# takes about half a gigabyte, and larger sweeps are better run as several seeds.
MAX_VIEWERS_PER_PERSONA = 1_000_000


def _viewer_count(text: str) -> int:
    value = _positive(text)
    if value > MAX_VIEWERS_PER_PERSONA:
        raise argparse.ArgumentTypeError(
            f"{value} is more than {MAX_VIEWERS_PER_PERSONA:,} viewers per persona; "
            "run several seeds instead"
        )
    return value


def _non_negative(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "lint", help="check the story graph; exit 1 when there are errors"
    )
    check.add_argument("path", help="the project file")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=run_lint)

    paths = subparsers.add_parser(
        "paths", help="count start-to-ending paths and their runtimes"
    )
    paths.add_argument("path", help="the project file")
    paths.add_argument(
        "--audience", help="take durations from this audience's approved variants"
    )
    paths.add_argument(
        "--visit-bound",
        type=_positive,
        default=2,
        help="the maximum visits of one scene per path in loops (default 2)",
    )
    paths.add_argument("--json", action="store_true", help="print one JSON object")
    paths.set_defaults(handler=run_paths)

    sim = subparsers.add_parser(
        "simulate", help="walk simulated viewers through the story"
    )
    sim.add_argument("path", help="the project file")
    sim.add_argument(
        "--viewers",
        type=_viewer_count,
        default=10_000,
        help="viewers per persona, 1 to 1,000,000 (default 10000)",
    )
    sim.add_argument(
        "--seed", type=_non_negative, default=0, help="random seed (default 0)"
    )
    sim.add_argument("--persona", help="simulate only the persona with this name")
    sim.add_argument(
        "--step-limit",
        type=_positive,
        default=DEFAULT_STEP_LIMIT,
        help=f"the maximum choices one viewer takes (default {DEFAULT_STEP_LIMIT})",
    )
    sim.add_argument(
        "--no-exact",
        action="store_true",
        help="skip the exact ending probabilities",
    )
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.set_defaults(handler=run_simulate)


def run_lint(args: argparse.Namespace) -> int:
    with open_project(args.path, reads_only=True) as session:
        story = session.load_story()
    findings = lint(story)
    counts = {s.value: sum(f.severity is s for f in findings) for s in Severity}
    if args.json:
        print_json(
            {
                "findings": [f.to_json() for f in findings],
                "errors": counts["error"],
                "warnings": counts["warning"],
                "infos": counts["info"],
            }
        )
    else:
        for finding in findings:
            where = ""
            if finding.scene_id is not None:
                scene = story.scene_by_id.get(finding.scene_id)
                where = f" [{scene.key}]" if scene else ""
            print(
                f"{finding.severity.value:<8}{finding.code}{where}: {finding.message}"
            )
        print(
            f"{counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['info']} note(s)"
        )
    return EXIT_PROBLEMS if has_errors(findings) else EXIT_OK


def run_paths(args: argparse.Namespace) -> int:
    with open_project(args.path, reads_only=True) as session:
        story = session.load_story()
        audience_id = None
        if args.audience:
            try:
                audience_id = session.audiences.by_name(args.audience).id
            except NotFoundError as error:
                raise CommandError(f"{args.path}: {error}") from error
    stats = path_stats(story, audience_id, visit_bound=args.visit_bound)
    if args.json:
        print_json(stats.to_json())
        return EXIT_OK
    bound = (
        f", each scene visited at most {stats.visit_bound} times"
        if stats.has_cycles
        else ""
    )
    qualifier = "" if stats.exact else "at least "
    print(f"{qualifier}{stats.total_paths:,} distinct paths{bound}")
    if stats.choice_points_mean is not None:
        print(
            f"choice points per path: {stats.choice_points_min} to "
            f"{stats.choice_points_max}, mean {stats.choice_points_mean:.2f}"
        )
    for ending in stats.endings:
        if ending.paths:
            print(
                f"  {ending.key}: {ending.paths:,} paths, "
                f"{ending.shortest_s:,.0f} s to {ending.longest_s:,.0f} s"
            )
        else:
            print(f"  {ending.key}: no path")
    for note in stats.notes:
        print(note)
    return EXIT_OK


def run_simulate(args: argparse.Namespace) -> int:
    with open_project(args.path, reads_only=True) as session:
        story = session.load_story()
    try:
        result = simulate(
            story,
            args.viewers,
            args.seed,
            step_limit=args.step_limit,
            persona=args.persona,
            exact=not args.no_exact,
        )
    except ValueError as error:
        raise CommandError(f"{args.path}: {error}") from error
    if args.json:
        print_json(result.to_json())
        return EXIT_OK
    summary = result.runtime_summary()
    print(
        f"{result.viewers:,} viewers ({len(result.personas)} persona(s)), seed "
        f"{result.seed}, {result.elapsed_s:.2f} s"
    )
    exact = result.exact.endings if result.exact else {}
    print("endings:" + ("            simulated     exact" if exact else ""))
    for key, share in result.ending_shares().items():
        line = f"  {key:<24}{share:>9.2%}"
        if key in exact:
            line += f"   {exact[key]:>9.2%}"
        print(line)
    print(f"dropped: {result.dropped_share:.2%}")
    stuck = sum(run.stuck for run in result.personas) / result.viewers
    if stuck:
        print(f"stuck with no choice on offer: {stuck:.2%}")
    limited = sum(run.step_limit for run in result.personas) / result.viewers
    if limited:
        print(f"stopped at the step limit of {result.step_limit}: {limited:.2%}")
    print(
        f"coverage: {result.coverage:.1%} of scenes, "
        f"{result.choice_coverage:.1%} of choices"
    )
    print(
        f"runtime: mean {summary['mean']:.0f} s, median {summary['p50']:.0f} s, "
        f"90th percentile {summary['p90']:.0f} s"
    )
    for note in result.notes:
        print(note)
    return EXIT_OK
