"""Commands that create, describe and open projects."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from author_studio.cli.common import CommandError, open_project, print_json
from author_studio.domain.errors import DomainError
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectFileError
from author_studio.store.project_file import PROJECT_SUFFIX


def register(subparsers: argparse._SubParsersAction) -> None:
    new = subparsers.add_parser("new", help="create an empty project file")
    new.add_argument("path", help=f"the new project file (*{PROJECT_SUFFIX})")
    new.add_argument("--title", required=True, help="the story title")
    new.set_defaults(handler=run_new)

    info = subparsers.add_parser("info", help="print a project's title and counts")
    info.add_argument("path", help="the project file")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=run_info)

    open_ = subparsers.add_parser("open", help="open a project in the GUI")
    open_.add_argument("path", nargs="?", help="the project file to open")
    open_.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the main window once the project has loaded, write it as PNG "
        "and exit",
    )
    open_.set_defaults(handler=run_open)


def run_new(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix != PROJECT_SUFFIX:
        raise CommandError(
            f"{path}: a project file name must end in {PROJECT_SUFFIX}; "
            f"try {path.with_suffix(PROJECT_SUFFIX)}."
        )
    try:
        session = ProjectSession.create(path, args.title)
    except (ProjectFileError, DomainError) as error:
        message = str(error) if str(path) in str(error) else f"{path}: {error}"
        raise CommandError(message) from error
    session.close()
    print(f"Created {path}")
    return 0


def info_object(session: ProjectSession) -> dict[str, Any]:
    counts = session.counts()
    return {
        "title": session.info().title,
        "schema_version": session.schema_version,
        "scenes": counts.scenes,
        "choices": counts.choices,
        "endings": counts.endings,
        "variables": counts.variables,
        "audiences": counts.audiences,
        "personas": counts.personas,
        "variants": {
            "proposed": counts.variants["proposed"],
            "approved": counts.variants["approved"],
            "rejected": counts.variants["rejected"],
        },
    }


def run_info(args: argparse.Namespace) -> int:
    with open_project(args.path, reads_only=True) as session:
        info = info_object(session)
        superseded = session.counts().variants["superseded"]
    if args.json:
        print_json(info)
        return 0
    variants = info["variants"]
    print(f"{info['title']}  ({args.path}, schema {info['schema_version']})")
    print(
        f"  {info['scenes']} scenes ({info['endings']} endings), {info['choices']} "
        f"choices, {info['variables']} variables"
    )
    print(f"  {info['audiences']} audiences, {info['personas']} personas")
    print(
        f"  variants: {variants['proposed']} proposed, "
        f"{variants['approved']} approved, {variants['rejected']} rejected, "
        f"{superseded} superseded"
    )
    return 0


def run_open(args: argparse.Namespace) -> int:
    if args.screenshot:
        shot = Path(args.screenshot)
        if shot.suffix.lower() != ".png":
            raise CommandError(
                f"{shot}: a screenshot is written as PNG; give a file name ending "
                "in .png."
            )
        if not shot.parent.is_dir():
            raise CommandError(
                f"{shot}: the folder {shot.parent} does not exist; create it first."
            )
    # Imported here so that headless commands never load Qt.
    from author_studio.ui.app import run_gui

    return run_gui(args.path, screenshot=args.screenshot)
