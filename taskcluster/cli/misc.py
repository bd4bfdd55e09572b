"""The small commands: signed-url, temp-creds, from-now, slugid and version."""

import re
import shlex
from typing import Dict, List, Optional

from .config import CliParser, Config, add_global_options, merge_flags
from .output import UsageError, write_json, write_line
from .resolve import check_route_args, method_label, parse_offset, parse_query, resolve_method, resolve_service

__all__ = ["run", "build_parser", "decode_slug", "encode_uuid"]

#: A slugid: 22 URL-safe base64 characters whose last one leaves the 2 padding bits at zero.
_SLUG = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")


def build_parser(command: str) -> CliParser:
    """The parser of one of this module's commands."""
    prog = "taskcluster " + command
    if command == "signed-url":
        parser = CliParser(
            prog=prog,
            description="Print a URL for a GET method, signed with the current credentials (a bewit), which any "
            "HTTP client can fetch until it expires.",
        )
        parser.add_argument("service", help="class name, module name or serviceName, in any case")
        parser.add_argument("method", help="a GET method of the service")
        parser.add_argument("args", nargs="*", help="the method's route arguments")
        parser.add_argument("--query", action="append", default=[], metavar="KEY=VALUE", help="query parameter")
        parser.add_argument("--expires", default="15m", metavar="OFFSET", help="how long it stays valid (default 15m)")
    elif command == "temp-creds":
        parser = CliParser(
            prog=prog,
            description="Issue temporary credentials from the current ones (signed locally, nothing is sent) and "
            "print them as shell 'export' lines: eval \"$(taskcluster temp-creds --scope ...)\".",
        )
        parser.add_argument("--scope", action="append", required=True, metavar="SCOPE", help="a scope (repeatable)")
        parser.add_argument("--expires", default="1h", metavar="OFFSET", help="lifetime, at most 31 days (default 1h)")
        parser.add_argument("--name", help="issue named credentials with this clientId (needs auth:create-client)")
        parser.add_argument("--json", action="store_true", help="print {clientId, accessToken, certificate} as JSON")
    elif command == "from-now":
        parser = CliParser(prog=prog, description="Print the ISO 8601 UTC date an offset away from now.")
        parser.add_argument("offset", nargs="+", help="e.g. 2 days 3 hours, 15m, -1 year")
    elif command == "slugid":
        parser = CliParser(prog=prog, description="Generate, decode and encode slugids (URL-safe base64 UUIDs).")
        parser.add_argument(
            "action",
            nargs="?",
            default="generate",
            choices=("generate", "nice", "v4", "decode", "encode"),
            help="generate or nice: a new nice slugid (the default); v4: a new v4 slugid (may start with '-'); "
            "decode: slugids to UUIDs; encode: UUIDs to slugids",
        )
        parser.add_argument("values", nargs="*", help="the slugids to decode or the UUIDs to encode")
    else:
        parser = CliParser(prog=prog, description="Print the version of this client.")
    if command in ("signed-url", "temp-creds"):
        add_global_options(parser)
    return parser


def run(command: str, argv: List[str], flags: Dict[str, Optional[str]]) -> int:
    """Run one of this module's commands with the words after its name; returns the exit status."""
    parser = build_parser(command)
    ns = parser.parse_args(argv)
    if command == "signed-url":
        _signed_url(ns.service, ns.method, ns.args, ns.query, ns.expires, Config(merge_flags(flags, ns)))
    elif command == "temp-creds":
        _temp_creds(ns.scope, ns.expires, ns.name, ns.json, Config(merge_flags(flags, ns)))
    elif command == "from-now":
        from ..utils import fromNowJSON

        offset = " ".join(ns.offset)
        try:
            write_line(fromNowJSON(offset))
        except (ValueError, OverflowError) as exc:
            raise UsageError("from-now: %s" % exc) from None
    elif command == "slugid":
        _slugid(ns.action, ns.values)
    else:
        from .._version import __version__

        write_line(__version__)
    return 0


def _signed_url(
    service: str, method_name: str, args: List[str], query_items: List[str], expires: str, config: Config
) -> None:
    """Check the method, its arguments and the lifetime, then print the signed URL."""
    cls = resolve_service(service)
    method = resolve_method(cls, method_name)
    info = cls.funcinfo[method]
    label = method_label(cls, method)
    if info["method"].lower() != "get":
        raise UsageError("%s is a %s method; a signed URL only works for GET methods" % (label, info["method"].upper()))
    check_route_args(cls, method, args, "taskcluster signed-url")
    query = parse_query(query_items, info.get("query") or [], label)
    seconds = parse_offset(expires)
    options = config.options(need_credentials=True, what="taskcluster signed-url")
    client = cls(options)
    if query:
        write_line(client.buildSignedUrl(method, *args, expiration=seconds, query=query))
    else:
        write_line(client.buildSignedUrl(method, *args, expiration=seconds))


def _temp_creds(scopes: List[str], expires: str, name: Optional[str], as_json: bool, config: Config) -> None:
    """Issue temporary credentials from the current ones and print them as export lines (or JSON)."""
    import datetime

    from .._tempcreds import MAX_DURATION, createTemporaryCredentials

    lifetime = datetime.timedelta(seconds=parse_offset(expires))
    if lifetime > MAX_DURATION:
        raise UsageError("--expires: temporary credentials last at most 31 days, got %r" % expires)
    options = config.options(need_credentials=True, what="taskcluster temp-creds")
    credentials = options["credentials"]
    if credentials.get("certificate"):
        raise UsageError(
            "temp-creds: the current credentials are temporary (they have a certificate), and temporary "
            "credentials cannot issue temporary credentials; use permanent credentials"
        )
    now = datetime.datetime.now(datetime.timezone.utc)
    expiry = now + lifetime
    # start a little in the past for clock skew, within the 31 days the certificate may span
    start = max(now - datetime.timedelta(minutes=5), expiry - MAX_DURATION)
    issued = createTemporaryCredentials(
        credentials["clientId"], credentials["accessToken"], start, expiry, scopes, name=name
    )
    if as_json:
        write_json(issued)
        return
    variables = (
        ("TASKCLUSTER_ROOT_URL", options["rootUrl"]),
        ("TASKCLUSTER_CLIENT_ID", issued["clientId"]),
        ("TASKCLUSTER_ACCESS_TOKEN", issued["accessToken"]),
        ("TASKCLUSTER_CERTIFICATE", issued["certificate"]),
    )
    for variable, value in variables:
        write_line("export %s=%s" % (variable, shlex.quote(value)))


def decode_slug(slug: str) -> str:
    """The UUID (canonical text) a slugid stands for; UsageError if `slug` is not a slugid."""
    import slugid

    if not _SLUG.fullmatch(slug):
        raise UsageError("slugid decode: %r is not a slugid (22 characters of A-Z a-z 0-9 - _)" % slug)
    return str(slugid.decode(slug))


def encode_uuid(text: str) -> str:
    """The slugid of a UUID given as text; UsageError if `text` is not a UUID."""
    import uuid

    import slugid

    try:
        value = uuid.UUID(text)
    except ValueError:
        raise UsageError("slugid encode: %r is not a UUID (e.g. 3f2b0c2e-8a4d-4d6e-9f1a-2b3c4d5e6f70)" % text) from None
    return str(slugid.encode(value))


def _slugid(action: str, values: List[str]) -> None:
    """Print a new slugid, or convert each of `values` (all are checked before anything is printed)."""
    import slugid

    if action in ("generate", "nice", "v4"):
        if values:
            raise UsageError("slugid %s takes no arguments, got %d" % (action, len(values)))
        write_line(str(slugid.v4() if action == "v4" else slugid.nice()))
        return
    if not values:
        what = "slugid" if action == "decode" else "UUID"
        raise UsageError("slugid %s needs at least one %s" % (action, what))
    convert = decode_slug if action == "decode" else encode_uuid
    results = [convert(value) for value in values]  # all checked before anything is printed
    for result in results:
        write_line(result)
