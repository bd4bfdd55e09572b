"""``python -m taskcluster.testing serve``: run a local Taskcluster deployment until Ctrl-C.

It prints the rootUrl and the root client's credentials as shell ``export`` lines, so that

    eval "$(python -m taskcluster.testing serve --port 8080 & sleep 1)"

is possible, though running it in its own terminal is the usual way.
"""

import argparse
import asyncio
import os
import sys
from typing import List, Optional

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m taskcluster.testing", description="A local Taskcluster deployment for tests."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve a local deployment until interrupted (Ctrl-C)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port to bind (default: a free port)")
    serve.add_argument(
        "--db",
        metavar="FILE",
        default=None,
        help="SQLite file keeping the state across restarts (default: a temporary file)",
    )
    serve.add_argument(
        "--root-client-id", default=None, help="clientId of the root client (default: static/taskcluster/root)"
    )
    serve.add_argument(
        "--root-access-token",
        default=None,
        help="accessToken of the root client (default: $TASKCLUSTER_LOCAL_ROOT_ACCESS_TOKEN, the one "
        "stored in --db, or a random one)",
    )
    serve.add_argument(
        "--check-responses",
        action="store_true",
        default=None,
        help="check every answer against the endpoint's output schema, answering 500 on a mismatch "
        "(default: $TASKCLUSTER_TESTING_CHECK_RESPONSES, else off)",
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    from .server import DEFAULT_ROOT_CLIENT_ID, AsyncLocalDeployment

    token = args.root_access_token or os.environ.get("TASKCLUSTER_LOCAL_ROOT_ACCESS_TOKEN") or None
    deployment = AsyncLocalDeployment(
        db_path=args.db,
        root_client_id=args.root_client_id or DEFAULT_ROOT_CLIENT_ID,
        root_access_token=token,
        host=args.host,
        port=args.port,
        check_responses=args.check_responses,
    )
    async with deployment:
        credentials = deployment.credentials
        lines = [
            "# local Taskcluster deployment (Ctrl-C to stop); state in %s" % (args.db or "a temporary file"),
            "export TASKCLUSTER_ROOT_URL=%s" % deployment.rootUrl,
            "export TASKCLUSTER_CLIENT_ID=%s" % credentials["clientId"],
        ]
        if token is None:
            lines.append("export TASKCLUSTER_ACCESS_TOKEN=%s" % credentials["accessToken"])
        else:
            lines.append("# TASKCLUSTER_ACCESS_TOKEN: the root access token you supplied")
        print("\n".join(lines), flush=True)
        await asyncio.Event().wait()


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "serve":
        _parser().print_help()
        return 2
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        print("# stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
