"""`taskcluster api`: list the services, list a service's methods, describe a method, or call it."""

import inspect
import sys
import textwrap
from typing import Any, Dict, List, Optional

from .config import CliParser, Config, add_global_options, merge_flags
from .output import UsageError, dump_json, write_json, write_line
from .resolve import (
    api_classes,
    check_route_args,
    method_label,
    method_usage,
    parse_json_payload,
    parse_query,
    resolve_method,
    resolve_service,
    summary,
)

__all__ = ["build_parser", "run", "read_payload", "print_answer", "call_method"]

USAGE = "taskcluster api [<service> [<method> [route args...]]] [--query KEY=VALUE ...] [--payload FILE] [-h]"


def build_parser() -> CliParser:
    """The parser of `taskcluster api` (its --help is handled by `run`, to list services and methods)."""
    parser = CliParser(prog="taskcluster api", usage=USAGE, add_help=False)
    parser.add_argument("-h", "--help", action="store_true", help="list the services, methods, or describe one")
    parser.add_argument("service", nargs="?", help="class name, module name or serviceName, in any case")
    parser.add_argument("method", nargs="?", help="method name (case-insensitive)")
    parser.add_argument("args", nargs="*", help="the method's route arguments, in order")
    parser.add_argument(
        "--query", action="append", default=[], metavar="KEY=VALUE", help="a query-string parameter (repeatable)"
    )
    parser.add_argument("--payload", metavar="FILE", help="the JSON payload ('-' for stdin; default: stdin)")
    parser.add_argument("--json", action="store_true", help="list services or methods as JSON")
    add_global_options(parser)
    return parser


def run(command: str, argv: List[str], flags: Dict[str, Optional[str]]) -> int:
    """Run `taskcluster api` with the words after `api`; returns the exit status."""
    parser = build_parser()
    ns = parser.parse_intermixed_args(argv)
    config = Config(merge_flags(flags, ns))
    if ns.service is None:
        _list_services(ns.json)
        return 0
    cls = resolve_service(ns.service)
    if ns.method is None:
        _list_methods(cls, ns.json)
        return 0
    method = resolve_method(cls, ns.method)
    if ns.help:
        _describe_method(cls, method)
        return 0
    answer = call_method(cls, method, ns.args, ns.query, ns.payload, config)
    print_answer(answer)
    return 0


def call_method(
    cls: Any, method: str, args: List[str], query_items: List[str], payload_file: Optional[str], config: Config
) -> Any:
    """Check the route arguments, query and payload, then call the method; nothing is sent if a check fails."""
    info = cls.funcinfo[method]
    label = method_label(cls, method)
    check_route_args(cls, method, args)
    query = parse_query(query_items, info.get("query") or [], label)
    payload: Optional[Dict[str, Any]] = None
    if info.get("input"):
        payload = read_payload(payload_file, label)
    elif payload_file is not None:
        raise UsageError("%s takes no payload, but --payload was given; usage: %s" % (label, method_usage(cls, method)))
    options = config.options(what="taskcluster api")
    with cls(options) as client:
        function = getattr(client, method)
        positional: List[Any] = list(args)
        if payload is not None:
            positional.append(payload)
        if query:
            return function(*positional, query=query)
        return function(*positional)


def read_payload(path: Optional[str], label: str) -> Dict[str, Any]:
    """The payload from `--payload FILE`, `--payload -` (stdin) or, without the flag, a stdin that is not a
    terminal; UsageError if there is none or it is not a JSON object."""
    if path is None or path == "-":
        stdin = sys.stdin
        if path is None and (stdin is None or stdin.isatty()):
            raise UsageError("%s needs a JSON payload: pass --payload FILE, or pipe the JSON object on stdin" % label)
        if stdin is None:
            raise UsageError("--payload -: there is no stdin to read the payload of %s from" % label)
        buffer = getattr(stdin, "buffer", None)
        data = buffer.read() if buffer is not None else stdin.read().encode("utf-8")
        return parse_json_payload(data, "stdin", label)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise UsageError("--payload: cannot read %r: %s" % (path, exc.strerror or exc)) from None
    return parse_json_payload(data, repr(path), label)


def print_answer(answer: Any) -> None:
    """Print an API answer: JSON as `dump_json` writes it, a non-JSON body as its bytes, nothing for 204."""
    if answer is None:
        return
    if isinstance(answer, dict) and set(answer) == {"response"} and hasattr(answer["response"], "content"):
        content = answer["response"].content
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(content)
            buffer.flush()
        else:
            sys.stdout.write(content.decode("utf-8", "replace"))
        return
    write_json(answer)


def _table(rows: List[List[str]]) -> List[str]:
    """Rows as lines with left-aligned columns (the last column is not padded)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows]


def _list_services(as_json: bool) -> None:
    """Print the services that have API methods, as a table or as JSON."""
    classes = api_classes()
    if as_json:
        write_json(
            [
                {
                    "className": cls.__name__,
                    "serviceName": cls.serviceName,
                    "apiVersion": cls.apiVersion,
                    "title": summary(cls.__doc__),
                    "deprecated": bool(cls.deprecated),
                    "methods": len(cls.funcinfo),
                }
                for cls in classes
            ]
        )
        return
    write_line("usage: " + USAGE)
    write_line("")
    write_line("Services (name them by class name, serviceName or module name, in any case):")
    write_line("")
    rows = [
        [cls.__name__, cls.serviceName, summary(cls.__doc__) + (" (deprecated)" if cls.deprecated else "")]
        for cls in classes
    ]
    for line in _table(rows):
        write_line(line)
    write_line("")
    write_line("'taskcluster api <service> --help' lists a service's methods.")


def _method_words(info: Dict[str, Any]) -> str:
    """A method with its route arguments, as the method list shows it: `task <taskId>`."""
    words = [info["name"]] + ["<%s>" % arg for arg in info["args"]]
    if info.get("input"):
        words.append("[payload]")
    return " ".join(words)


def _list_methods(cls: Any, as_json: bool) -> None:
    """Print the methods of a service with their arguments and titles, as a table or as JSON."""
    names = sorted(cls.funcinfo)
    if as_json:
        write_json([dict(cls.funcinfo[name], title=summary(getattr(cls, name).__doc__)) for name in names])
        return
    service = cls.serviceName
    write_line("usage: taskcluster api %s <method> [route args...] [--query KEY=VALUE ...] [--payload FILE]" % service)
    write_line("")
    deprecated = " Deprecated: today's deployments no longer run it." if cls.deprecated else ""
    write_line(
        "%s (class %s, serviceName %s, API version %s).%s"
        % (summary(cls.__doc__), cls.__name__, service, cls.apiVersion, deprecated)
    )
    write_line("")
    write_line("Methods ([payload]: a JSON object from --payload FILE or stdin):")
    write_line("")
    rows = []
    for name in names:
        info = cls.funcinfo[name]
        stability = info.get("stability", "stable")
        note = "" if stability == "stable" else " (%s)" % stability
        rows.append([_method_words(info), summary(getattr(cls, name).__doc__) + note])
    for line in _table(rows):
        write_line(line)
    write_line("")
    write_line("'taskcluster api %s <method> --help' describes a method." % service)


def _doc_sections(doc: str) -> Dict[str, str]:
    """The description and the scopes (indentation kept) of a generated method's docstring."""
    lines = inspect.cleandoc(doc or "").splitlines()[1:]
    description: List[str] = []
    scopes: List[str] = []
    target: Optional[List[str]] = description
    for line in lines:
        text = line.strip()
        if text.startswith(("Calling conventions::", "Args:", "Returns:", "Request: ")):
            target = None
        elif text.startswith("Scopes::"):
            target = scopes
        elif target is not None:
            target.append(line.rstrip())
    return {
        "description": "\n".join(description).strip(),
        "scopes": textwrap.dedent("\n".join(scopes)).strip("\n"),
    }


def _describe_method(cls: Any, method: str) -> None:
    """Print how to call a method: usage, description, request, query, payload, answer and scopes."""
    info = cls.funcinfo[method]
    doc = getattr(cls, method).__doc__ or ""
    sections = _doc_sections(doc)
    write_line("usage: " + method_usage(cls, method))
    write_line("")
    write_line(summary(doc))
    if sections["description"]:
        write_line("")
        write_line(sections["description"])
    write_line("")
    facts = [
        ("request", "%s %s" % (info["method"].upper(), info["route"])),
        ("route args", " ".join("<%s>" % arg for arg in info["args"]) or "none"),
        ("query", ", ".join(info.get("query") or []) or "none"),
        ("payload", "a JSON object (schema %s)" % info["input"] if info.get("input") else "none"),
        ("answer", info.get("output") or "no body"),
        ("stability", info.get("stability", "stable")),
    ]
    for name, value in facts:
        write_line("  %-11s %s" % (name + ":", value))
    if sections["scopes"]:
        write_line("  scopes:")
        for line in sections["scopes"].splitlines():
            write_line("    " + line)
    elif info.get("scopes"):
        write_line("  scopes:     " + dump_json(info["scopes"]).replace("\n", " "))
