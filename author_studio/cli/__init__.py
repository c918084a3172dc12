"""The ``author-studio`` command: headless commands and the GUI launcher.

Exit codes: 0 on success, 1 when a check finds problems, 2 for usage or input
errors. Errors go to stderr as one line that names the file and the fix.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from author_studio import __version__
from author_studio.cli.common import EXIT_USAGE, CommandError

logger = logging.getLogger(__name__)

# Each module defines ``register(subparsers)``, which adds its commands and sets
# ``handler`` on each parser.
COMMAND_MODULES = [
    "author_studio.cli.project_commands",
    "author_studio.cli.analysis_commands",
    "author_studio.cli.assist_commands",
    "author_studio.cli.play_commands",
    "author_studio.cli.interop_commands",
]


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """Return the parser and the names of its commands."""
    parser = argparse.ArgumentParser(
        prog="author-studio",
        description="Author Studio: a writers' room for branching shows. With no "
        "command, or with a project path, it starts the GUI.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "--debug", action="store_true", help="log debug messages to stderr"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser, set(subparsers.choices)


def _normalise(argv: list[str], commands: set[str]) -> list[str]:
    """Treat a first argument that is not a command as ``open PATH``."""
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        return argv
    positional = [arg for arg in argv if not arg.startswith("-")]
    if not positional:
        return [*argv, "open"]
    if positional[0] in commands:
        return argv
    index = argv.index(positional[0])
    return [*argv[:index], "open", *argv[index:]]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    try:
        args = parser.parse_args(_normalise(args_list, commands))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()
        return code
    except CommandError as error:
        print(f"author-studio: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("author-studio: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (``head``, a closed pager) went away; Python would report the
        # failed flush at exit, so stdout is pointed at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
