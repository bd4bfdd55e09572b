"""What the command line writes: JSON answers, text lines, progress on a terminal, and error reports.

Every writer looks up `sys.stdout` / `sys.stderr` when it is called, so tests can swap them.
"""

import json
import re
import sys
from typing import Any, Iterable, Optional, TextIO

__all__ = ["UsageError", "Progress", "dump_json", "write_json", "write_line", "report_failure", "redact"]


class UsageError(Exception):
    """The command line was wrong (exit status 2); the message says what was wrong and what is expected."""


def dump_json(value: Any) -> str:
    """`value` as the command line prints JSON: indented by two spaces, keys sorted, non-ASCII kept."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def write_json(value: Any) -> None:
    """Print `value` as JSON (see `dump_json`) followed by a newline on stdout."""
    sys.stdout.write(dump_json(value) + "\n")


def write_line(text: str) -> None:
    """Print one line of text on stdout."""
    sys.stdout.write(text + "\n")


class Progress:
    """A one-line counter redrawn in place on stderr, shown only when stderr is a terminal."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        """Draw on `stream` (default: stderr), but only if it is a terminal."""
        self.stream: TextIO = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled: bool = bool(isatty and isatty())
        self._drawn = False

    def update(self, text: str) -> None:
        """Replace the line with `text` (nothing happens when stderr is not a terminal)."""
        if self.enabled:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self._drawn = True

    def clear(self) -> None:
        """Erase the line, so that what follows on the terminal starts clean."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


# Signed URLs carry a bewit, Hawk headers a MAC: neither may reach an error report.
_BEWIT = re.compile(r"(bewit=)[^&\s'\"]+")
_HAWK = re.compile(r'(Hawk )\w+="[^"]*"(?:,\s*\w+="[^"]*")*')


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret strings, bewits and Hawk header values replaced by `<redacted>`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return _HAWK.sub(r"\1<redacted>", _BEWIT.sub(r"\1<redacted>", text))


def report_failure(exc: BaseException, what: str, secrets: Iterable[str] = ()) -> None:
    """Write an API failure on stderr: a one-line summary (what failed, the HTTP status and error code when
    there are some), then the failure's own message, with secrets redacted."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    code = body.get("code") if isinstance(body, dict) else None
    detail = type(exc).__name__
    if isinstance(status, int):
        detail = "HTTP %d" % status + (" %s" % code if isinstance(code, str) and code else "")
    secrets = list(secrets)
    summary = redact("taskcluster: %s failed: %s" % (what, detail), secrets)
    message = redact(str(exc).strip(), secrets)
    sys.stderr.write(summary + "\n" + (message + "\n" if message else ""))
