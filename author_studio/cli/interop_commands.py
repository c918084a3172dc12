"""The ``import`` and ``export`` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from author_studio.cli.common import (
    EXIT_PROBLEMS,
    CommandError,
    open_project,
    print_json,
)
from author_studio.domain.errors import DomainError
from author_studio.interop.exporter import ExportFormat, LintFailedError, export_project
from author_studio.interop.importer import StoryImportError, import_story
from author_studio.store.errors import ProjectFileError
from author_studio.store.project_file import PROJECT_SUFFIX

_SUFFIXES = {
    ExportFormat.STORYPKG: ".storypkg",
    ExportFormat.TWEE: ".twee",
    ExportFormat.TWINE_HTML: ".html",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser(
        "import",
        help="create a project from Twee, Twine HTML or JSON, or compiled ink JSON",
        description="Create a new project from a Twee 3 or Twee 1 file or folder, a "
        "Twine 2 or Twine 1 HTML file (published or a library archive), Twine 2 JSON "
        "or compiled ink JSON. Prints a report of passages, choices, text kept as "
        "script and warnings with line numbers.",
    )
    imp.add_argument("source", help="the file or folder to import")
    imp.add_argument(
        "-o",
        "--output",
        required=True,
        help=f"the new project file (*{PROJECT_SUFFIX})",
    )
    imp.add_argument(
        "--story", metavar="NAME", help="the story to import from a Twine 2 archive"
    )
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.set_defaults(handler=run_import)

    exp = subparsers.add_parser(
        "export",
        help="export a project as a story package, Twee 3 or Twine 2 HTML",
        description="Export a project. The export is rejected when lint reports "
        "errors, unless --force is given.",
    )
    exp.add_argument("project", help="the project file")
    exp.add_argument("-o", "--output", required=True, help="the file to write")
    exp.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        default=ExportFormat.STORYPKG.value,
        help="storypkg (zip with manifest, story JSON, schema and HTML player; the "
        "default), twee (Twee 3) or twine-html (Twine 2 archive)",
    )
    exp.add_argument(
        "--audience",
        metavar="NAME",
        help="export only this audience; Twee and Twine HTML then hold its approved "
        "variants in place of the base script",
    )
    exp.add_argument(
        "--personas", action="store_true", help="include personas in the story package"
    )
    exp.add_argument("--force", action="store_true", help="export despite lint errors")
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.suffix != PROJECT_SUFFIX:
        raise CommandError(
            f"{output}: a project file name must end in {PROJECT_SUFFIX}; "
            f"try {output.with_suffix(PROJECT_SUFFIX)}."
        )
    try:
        report = import_story(Path(args.source), output, args.story)
    except StoryImportError as error:
        message = str(error)
        if str(args.source) not in message:
            message = f"{args.source}: {message}"
        raise CommandError(message) from error
    except ProjectFileError as error:
        raise CommandError(str(error)) from error
    except DomainError as error:
        raise CommandError(f"{args.source}: {error}") from error
    if args.json:
        print_json({"project": str(output), **report.to_json()})
    else:
        print("\n".join(report.summary_lines()))
        print(f"Created {output}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    fmt = ExportFormat(args.format)
    output = Path(args.output)
    with open_project(args.project, reads_only=True) as session:
        try:
            result = export_project(
                session,
                output,
                fmt,
                audience=args.audience,
                force=args.force,
                personas=args.personas,
            )
        except LintFailedError as error:
            for finding in error.findings:
                print(f"{args.project}: {finding}", file=sys.stderr)
            raise CommandError(
                f"{args.project}: {error}; nothing was written", EXIT_PROBLEMS
            ) from error
        except KeyError as error:
            raise CommandError(f"{args.project}: {error.args[0]}") from error
        except OSError as error:
            raise CommandError(f"{output}: {error}") from error
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for finding in result.lint_errors:
        print(f"lint error (forced): {finding}", file=sys.stderr)
    if output.suffix != _SUFFIXES[fmt]:
        print(
            f"note: {fmt.value} files usually end in {_SUFFIXES[fmt]}", file=sys.stderr
        )
    print(f"Exported {output}")
    return 0
