"""The `taskcluster` command line: `main(argv)` parses the words and runs one command.

Each command lives in its own module, imported only when it runs, so `python -m taskcluster --help` loads
neither requests, aiohttp nor any service module. Exit status: 0 on success, 1 when the service (or the
network) failed, 2 on a usage error.
"""

import argparse
import importlib
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from .config import GLOBAL_DESTS, CliParser, add_global_options
from .output import UsageError, report_failure

__all__ = ["main", "COMMANDS"]

#: Command name -> (module in taskcluster.cli, one-line description).
COMMANDS: Dict[str, Tuple[str, str]] = {
    "api": ("api", "call any method of any service; list services and methods"),
    "task": ("task", "status, def, log, artifacts, cancel or rerun one task"),
    "group": ("group", "list, summarize or cancel a task group"),
    "signed-url": ("misc", "print a signed URL for a GET method"),
    "temp-creds": ("misc", "issue temporary credentials, printed as shell variables"),
    "from-now": ("misc", "print the ISO 8601 date an offset from now"),
    "slugid": ("misc", "generate, decode and encode slugids"),
    "version": ("misc", "print the version of this client"),
}

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_EPILOG = """commands:
%s

'taskcluster <command> --help' describes a command. Configuration comes from TASKCLUSTER_ROOT_URL,
TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and TASKCLUSTER_CERTIFICATE; the global options override them.
Exit status: 0 success, 1 the request failed, 2 usage error."""


def _build_parser() -> CliParser:
    """The top-level parser: global options, then a command name and the words that follow it."""
    from .._version import __version__

    listing = "\n".join("  %-12s %s" % (name, text) for name, (_, text) in COMMANDS.items())
    parser = CliParser(
        prog="taskcluster",
        usage="taskcluster [global options] <command> [args...]",
        description="Command line client for Taskcluster deployments.",
        epilog=_EPILOG % listing,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    add_global_options(parser, top_level=True)
    parser.add_argument("command", metavar="<command>", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _run(argv: List[str]) -> int:
    """Parse the global options and the command name, then hand the remaining words to the command's module."""
    parser = _build_parser()
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    ns = parser.parse_args(argv)
    command = ns.command
    if command not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(command, list(COMMANDS), n=1)
        hint = "; did you mean %r?" % close[0] if close else ""
        raise UsageError("unknown command %r%s (see 'taskcluster --help')" % (command, hint))
    flags = {dest: getattr(ns, dest) for dest in GLOBAL_DESTS}
    module = importlib.import_module("taskcluster.cli." + COMMANDS[command][0])
    status: int = module.run(command, ns.args, flags)
    sys.stdout.flush()  # here, so that a closed pipe is reported as such rather than at interpreter exit
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`) and return the exit status.

    It never raises SystemExit, so both `sys.exit(main())` and a test calling `main([...])` work.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    secrets: List[str] = []
    try:
        secrets = _secret_words(words)
        return _run(words)
    except SystemExit as exc:  # --help and --version of argparse
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    except UsageError as exc:
        sys.stderr.write("taskcluster: %s\n" % exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("taskcluster: interrupted\n")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as exc:
        from ..exceptions import TaskclusterFailure

        if not isinstance(exc, TaskclusterFailure):
            raise
        report_failure(exc, _label(words), secrets + _environment_secrets())
        return EXIT_FAILURE


#: Flags that take a value as the next word (so that value is not mistaken for a command word).
_VALUE_FLAGS = frozenset(
    ("--root-url", "--client-id", "--access-token", "--certificate", "--query", "--payload", "--run", "--page-size")
)


def _label(words: Sequence[str]) -> str:
    """What the command line asked for, as error reports name it: `task log`, `api queue task`, ..."""
    positional: List[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUE_FLAGS
        else:
            positional.append(word)
    depth = {"api": 3, "task": 2, "group": 2}.get(positional[0], 1) if positional else 0
    return " ".join(positional[:depth]) or "the command"


def _secret_words(words: Sequence[str]) -> List[str]:
    """Secrets given on the command line (--access-token, --certificate), to redact from error reports."""
    from .config import credential_secrets

    values: Dict[str, str] = {}
    for index, word in enumerate(words):
        for flag in ("--access-token", "--certificate"):
            if word == flag and index + 1 < len(words):
                values[flag] = words[index + 1]
            elif word.startswith(flag + "="):
                values[flag] = word[len(flag) + 1 :]
    return credential_secrets(values.get("--access-token"), values.get("--certificate"))


def _environment_secrets() -> List[str]:
    """The secrets of the TASKCLUSTER_* variables, to redact from error reports."""
    from .config import Config

    return Config({}).secrets()


def _silence_stdout() -> None:
    """After a closed pipe (`taskcluster group list ... | head`), send what is left of stdout nowhere."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
