"""The ``play`` and ``journeys`` commands: walk a path through a story from the
terminal, replay saved journeys and save new ones."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from author_studio.cli.common import (
    EXIT_PROBLEMS,
    CommandError,
    open_project,
    print_json,
)
from author_studio.domain.errors import DomainError
from author_studio.domain.journey import StepHow
from author_studio.domain.model import VariableType, VariableValue
from author_studio.domain.story import Story
from author_studio.preview.engine import (
    PlayEngine,
    PlayError,
    RunStatus,
    Stop,
    format_clock,
    format_value,
)
from author_studio.preview.replay import journey_from_run, replay_journey

logger = logging.getLogger(__name__)

# The token in --choices that lets the choice window run out.
TIME_OUT_TOKEN = "t"
# Bound on --follow-defaults, so that a loop of default choices ends.
MAX_DEFAULT_STEPS = 1000


def register(subparsers: argparse._SubParsersAction) -> None:
    play = subparsers.add_parser(
        "play",
        help="print the scenes and choices of one path through the story",
        description="Play a path through the story and print each scene with the "
        "choices on offer. Exits 1 when a choice is not on offer or a replayed "
        "journey no longer fits the story.",
    )
    play.add_argument("path", help="the project file")
    play.add_argument(
        "--audience",
        metavar="NAME",
        help="show the approved variants of this audience (default: the base script)",
    )
    play.add_argument(
        "--start", metavar="KEY", help="the scene key to start at (default: the start)"
    )
    play.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a start value of a story variable (true/false, a whole number or "
        "text); repeat for several",
    )
    play.add_argument(
        "--choices",
        metavar="LIST",
        default="",
        help="comma-separated 1-based numbers of the choices on offer at each step, "
        f"'{TIME_OUT_TOKEN}' to let the window run out (take the default), "
        "e.g. 1,2,t,1",
    )
    play.add_argument(
        "--follow-defaults",
        action="store_true",
        help="after the listed choices, keep taking the default choice until the "
        "run ends or no default is on offer",
    )
    play.add_argument(
        "--journey",
        metavar="NAME",
        help="replay the saved journey first (its audience, start and values)",
    )
    play.add_argument(
        "--save-journey", metavar="NAME", help="save the played path under this name"
    )
    play.add_argument(
        "--replace",
        action="store_true",
        help="with --save-journey, overwrite a journey of the same name",
    )
    play.add_argument(
        "--no-text", action="store_true", help="print scene titles without the script"
    )
    play.add_argument("--json", action="store_true", help="print one JSON object")
    play.set_defaults(handler=run_play)

    journeys = subparsers.add_parser("journeys", help="list the saved journeys")
    journeys.add_argument("path", help="the project file")
    journeys.add_argument("--delete", metavar="NAME", help="delete this journey")
    journeys.add_argument(
        "--check",
        action="store_true",
        help="replay every journey on the current story; exit 1 if any breaks",
    )
    journeys.add_argument("--json", action="store_true", help="print JSON")
    journeys.set_defaults(handler=run_journeys)


def parse_choice_list(text: str) -> list[int | str]:
    """Read ``1,2,t,1`` into numbers and time-out tokens; raise CommandError on
    anything else."""
    tokens: list[int | str] = []
    for position, raw in enumerate(text.split(","), start=1):
        token = raw.strip().lower()
        if not token:
            if text.strip():
                raise CommandError(
                    f"--choices: entry {position} is empty; write numbers separated "
                    "by commas, e.g. 1,2,t,1."
                )
            continue
        if token == TIME_OUT_TOKEN:
            tokens.append(TIME_OUT_TOKEN)
        elif token.isdigit() and int(token) >= 1:
            tokens.append(int(token))
        else:
            raise CommandError(
                f"--choices: entry {position} is {raw.strip()!r}; use a choice number "
                f"from 1 or '{TIME_OUT_TOKEN}' to let the window run out."
            )
    return tokens


def parse_start_values(story: Story, assignments: list[str]) -> dict[str, Any]:
    """Read ``--set NAME=VALUE`` options by the type of each variable."""
    types = {v.name: v.type for v in story.variables}
    values: dict[str, VariableValue] = {}
    for assignment in assignments:
        name, equals, raw = assignment.partition("=")
        name = name.strip()
        if not equals or not name:
            raise CommandError(f"--set {assignment!r}: write NAME=VALUE, e.g. trust=2.")
        if name not in types:
            known = ", ".join(sorted(types)) or "none"
            raise CommandError(
                f"--set {assignment!r}: the story has no variable {name!r}; its "
                f"variables are: {known}."
            )
        values[name] = _parse_value(types[name], raw.strip(), assignment)
    return values


def _parse_value(type_: VariableType, raw: str, assignment: str) -> VariableValue:
    if type_ is VariableType.BOOL:
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise CommandError(f"--set {assignment!r}: write true or false.")
    if type_ is VariableType.INT:
        try:
            return int(raw)
        except ValueError:
            raise CommandError(f"--set {assignment!r}: write a whole number.") from None
    return raw


def run_play(args: argparse.Namespace) -> int:
    tokens = parse_choice_list(args.choices)
    with open_project(args.path) as session:
        story = session.load_story()
        engine, failure = _start_run(story, args, session)
        if failure is None:
            failure = _take_choices(engine, tokens)
        if failure is None and args.follow_defaults:
            _follow_defaults(engine)
        if failure is None and args.save_journey:
            saved = session.journeys.save(
                journey_from_run(engine, args.save_journey), replace=args.replace
            )
            logger.info("Saved journey %r", saved.name)

    if args.json:
        print_json(_run_object(engine, failure, args))
    else:
        _print_run(engine, args)
        if failure is None and args.save_journey:
            print(f"Saved journey {args.save_journey.strip()!r}.")
    if failure is not None:
        raise CommandError(f"{args.path}: {failure}", EXIT_PROBLEMS)
    return 0


def _start_run(
    story: Story, args: argparse.Namespace, session
) -> tuple[PlayEngine, str | None]:
    if args.journey is None:
        values = parse_start_values(story, args.set)
        try:
            return PlayEngine(story, args.audience, args.start, values), None
        except DomainError as error:
            raise CommandError(f"{args.path}: {error}") from error

    if args.audience or args.start or args.set:
        raise CommandError(
            "--journey replays the journey's own audience, start and values; leave "
            "out --audience, --start and --set."
        )
    journey = session.journeys.by_name(args.journey)
    result = replay_journey(story, journey)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.engine is None:
        raise CommandError(
            f"{args.path}: journey {journey.name!r}: {result.broken.describe()}",
            EXIT_PROBLEMS,
        )
    if result.broken is not None:
        return result.engine, f"journey {journey.name!r}: {result.broken.describe()}"
    return result.engine, None


def _take_choices(engine: PlayEngine, tokens: list[int | str]) -> str | None:
    """Apply the tokens of --choices; return why one could not be taken, or None."""
    for index, token in enumerate(tokens, start=1):
        step_number = len(engine.steps) + 1
        where = f"step {step_number} ({engine.scene.title!r}, --choices entry {index})"
        try:
            if token == TIME_OUT_TOKEN:
                engine.time_out()
            else:
                offered = engine.offer().by_number(int(token))
                if offered is None:
                    if engine.finished and engine.status == RunStatus.ENDED:
                        return f"{where}: the run already ended at this ending."
                    return (
                        f"{where}: choice {token} is not on offer; on offer: "
                        f"{engine.offer().describe()}."
                    )
                engine.choose(offered.choice.id)
        except PlayError as error:
            return f"{where}: {error}"
    return None


def _follow_defaults(engine: PlayEngine) -> None:
    for _ in range(MAX_DEFAULT_STEPS):
        if engine.finished or engine.offer().default is None:
            return
        engine.time_out()
    logger.warning("Stopped following defaults after %d steps", MAX_DEFAULT_STEPS)


def _print_run(engine: PlayEngine, args: argparse.Namespace) -> None:
    audience = engine.audience.name if engine.audience else "base script"
    print(f"{engine.story.info.title} — {audience}, from {engine.start_scene.title!r}")
    for number, stop in enumerate(engine.history(), start=1):
        print()
        _print_stop(number, stop, show_text=not args.no_text)
    print()
    print(_ending_line(engine))


def _print_stop(number: int, stop: Stop, *, show_text: bool) -> None:
    scene = stop.scene
    kind = f" · {scene.kind.value}" if scene.kind.value != "scene" else ""
    print(
        f"[{number}] {scene.title} ({scene.key}){kind} · "
        f"{format_clock(stop.text.duration_s)} · {stop.text.source_label}"
    )
    if show_text and stop.text.text.strip():
        for line in stop.text.text.strip().splitlines():
            print(f"    {line}".rstrip())
    if stop.offer.choices:
        print("    Choices:")
    for offered in stop.offer.choices:
        print(f"      {_choice_line(offered)}")
    if stop.step is not None:
        taken = stop.offer.by_choice_id(stop.step.choice.id)
        shown = f"{taken.number}) " if taken and taken.number else ""
        if stop.step.how is StepHow.TIMED_OUT:
            print(
                f"    > window ran out, default taken: {shown}{stop.step.choice.label}"
            )
        else:
            print(f"    > chose {shown}{stop.step.choice.label}")
        for edit in stop.step.edits:
            print(f"    (set {edit.name} = {format_value(edit.new)} before choosing)")


def _choice_line(offered) -> str:
    choice = offered.choice
    notes = []
    if choice.is_default:
        notes.append("default")
    if choice.window_s:
        notes.append(f"{choice.window_s:g} s window")
    suffix = f"  [{', '.join(notes)}]" if notes else ""
    if offered.on_offer:
        return f"{offered.number}) {choice.label} → {offered.target.key}{suffix}"
    return (
        f"×  {choice.label} → {offered.target.key}  — not on offer: {offered.blocked}"
    )


def _ending_line(engine: PlayEngine) -> str:
    count = len(engine.steps)
    choices = f"{count} choice" if count == 1 else f"{count} choices"
    runtime = format_clock(engine.elapsed_s + engine.text().duration_s)
    if engine.status == RunStatus.ENDED:
        return f"Ended at {engine.scene.title!r} after {choices}; runtime {runtime}."
    if engine.status == RunStatus.STUCK:
        return (
            f"Dead end: {engine.scene.title!r} is not an ending and offers no choice "
            f"(after {choices}, runtime {runtime})."
        )
    return (
        f"Stopped at {engine.scene.title!r} after {choices}; runtime so far {runtime}."
    )


def _run_object(
    engine: PlayEngine, failure: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    stops = []
    for stop in engine.history():
        entry: dict[str, Any] = {
            "scene": stop.scene.key,
            "title": stop.scene.title,
            "kind": stop.scene.kind.value,
            "text_source": "base" if stop.text.is_base else "variant",
            "variant_id": stop.text.variant.id if stop.text.variant else None,
            "duration_s": stop.text.duration_s,
            "offer": [
                {
                    "number": offered.number,
                    "choice_id": offered.choice.id,
                    "label": offered.choice.label,
                    "target": offered.target.key,
                    "default": offered.choice.is_default,
                    "window_s": offered.choice.window_s,
                    "blocked": offered.blocked,
                }
                for offered in stop.offer.choices
            ],
            "taken": None,
        }
        if not args.no_text:
            entry["text"] = stop.text.text
        if stop.step is not None:
            entry["taken"] = {
                "choice_id": stop.step.choice.id,
                "label": stop.step.choice.label,
                "how": stop.step.how.value,
                "edits": {edit.name: edit.new for edit in stop.step.edits},
            }
        stops.append(entry)
    return {
        "title": engine.story.info.title,
        "audience": engine.audience.name if engine.audience else None,
        "start": engine.start_scene.key,
        "status": engine.status,
        "runtime_s": engine.elapsed_s + engine.text().duration_s,
        "state": engine.state,
        "stops": stops,
        "error": failure,
    }


def run_journeys(args: argparse.Namespace) -> int:
    with open_project(args.path) as session:
        if args.delete:
            journey = session.journeys.by_name(args.delete)
            session.journeys.delete(journey.id)
            print(f"Deleted journey {journey.name!r}.")
            return 0
        journeys = session.journeys.list()
        audiences = {a.id: a.name for a in session.audiences.list()}
        story = session.load_story() if args.check else None

    rows = [_journey_row(journey, audiences) for journey in journeys]
    broken = 0
    if story is not None:
        for row, journey in zip(rows, journeys, strict=True):
            result = replay_journey(story, journey)
            row["fits"] = result.complete
            row["break"] = result.broken.describe() if result.broken else None
            broken += not result.complete

    if args.json:
        print_json(rows)
    elif not rows:
        print(
            "No journeys saved; save one with "
            "'author-studio play PATH --choices … --save-journey NAME'."
        )
    else:
        for row in rows:
            print(_journey_line(row))
    return EXIT_PROBLEMS if broken else 0


def _journey_row(journey, audiences: dict[int, str]) -> dict[str, Any]:
    created = journey.created_at.isoformat() if journey.created_at else None
    return {
        "name": journey.name,
        "audience": audiences.get(journey.audience_id, journey.audience_name or None),
        "start": journey.start_scene_key,
        "choices": journey.choice_count,
        "created_at": created,
    }


def _journey_line(row: dict[str, Any]) -> str:
    audience = row["audience"] or "base script"
    line = (
        f"{row['name']}: {row['choices']} choices from {row['start']!r}, "
        f"{audience}, saved {row['created_at']}"
    )
    if "fits" not in row:
        return line
    if row["fits"]:
        return f"{line}\n    fits the current story"
    return f"{line}\n    BROKEN: {row['break']}"
