"""One benchmark measurement in a fresh process; `overhead.py` runs this file as a child.

    python bench/workloads.py WORKLOAD VARIANT --root-url URL [--n N] [--concurrency C] [--page P]

WORKLOAD is one of sync_status, sync_create, async_status, pagination, signed_url, check; VARIANT is
`client` (our `taskcluster` package, public API only) or `bare` (the same requests made directly with
requests / aiohttp and signed with bench/hawk_by_hand.py). Both variants do the same work per call:
sign, send, check the status code, parse the JSON answer. Timing starts after a warm-up (imports,
session and connections set up) and covers only the measured loop. The last line printed is
`BENCH_RESULT {json}` with wall and CPU seconds, call count and peak RSS.
"""

import argparse
import json
import resource
import sys
import time
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import quote, urlsplit

import hawk_by_hand as hawk

CLIENT_ID = "bench-client"
ACCESS_TOKEN = "bench-access-token-0123456789abcdefghijklmn"
KEY = ACCESS_TOKEN.encode("utf-8")
GROUP_ID = "AAAAAAAAAAAAAAAAAAAABw"  # the group the server lists (any id works, the server ignores it)
ARTIFACT = "public/build/target.tar.gz"
SIGNED_URL_SECONDS = 900
TIMEOUT = 30.0
EXPIRES = "2031-01-01T00:00:00.000Z"


def task_ids(n: int) -> List[str]:
    """Distinct slugid-shaped task ids, made before timing starts."""
    import base64

    return [base64.urlsafe_b64encode(i.to_bytes(16, "big")).decode("ascii")[:22] for i in range(1, n + 1)]


def create_payload() -> Dict[str, Any]:
    """A realistic task definition, about 2 KB of JSON."""
    return {
        "provisionerId": "proj-bench",
        "workerType": "ci-linux-large",
        "taskQueueId": "proj-bench/ci-linux-large",
        "schedulerId": "taskcluster-github",
        "projectId": "bench",
        "taskGroupId": GROUP_ID,
        "dependencies": ["AAAAAAAAAAAAAAAAAAAACA", "AAAAAAAAAAAAAAAAAAAACQ"],
        "requires": "all-completed",
        "routes": ["index.project.bench.v2.latest.build.linux64-opt", "checks", "tc-treeherder.v2.bench.abc"],
        "priority": "lowest",
        "retries": 5,
        "created": "2030-01-01T00:00:00.000Z",
        "deadline": "2030-01-02T00:00:00.000Z",
        "expires": EXPIRES,
        "scopes": ["queue:get-artifact:private/bench/*", "secrets:get:project/bench/ci", "docker-worker:cache:bench-*"],
        "payload": {
            "image": "bench/build@sha256:" + "0123456789abcdef" * 4,
            "command": ["/bin/bash", "-cx", "cd /builds/worker/checkouts/src && ./mach build && ./mach package"],
            "maxRunTime": 7200,
            "env": {
                "GECKO_HEAD_REPOSITORY": "https://example.com/bench/src",
                "GECKO_HEAD_REV": "0123456789abcdef0123456789abcdef01234567",
                "MOZ_BUILD_DATE": "20300101000000",
                "MOZ_SCM_LEVEL": "3",
                "TASKCLUSTER_CACHES": "/builds/worker/checkouts;/builds/worker/tooltool-cache",
                "TASKCLUSTER_VOLUMES": "/builds/worker/workspace",
            },
            "cache": {
                "bench-level-3-checkouts-v3": "/builds/worker/checkouts",
                "bench-level-3-tooltool-cache-v3": "/builds/worker/tooltool-cache",
            },
            "artifacts": {
                "public/build": {"type": "directory", "path": "/builds/worker/artifacts/", "expires": EXPIRES},
                "public/logs": {"type": "directory", "path": "/builds/worker/logs/", "expires": EXPIRES},
            },
            "features": {"taskclusterProxy": True, "chainOfTrust": True},
        },
        "metadata": {
            "name": "build-linux64/opt",
            "description": "Linux64 Opt build, the task definition used by the createTask benchmark",
            "owner": "bench@example.com",
            "source": "https://example.com/bench/src/file/0123456789abcdef/taskcluster/kinds/build",
        },
        "tags": {"kind": "build", "label": "build-linux64/opt", "os": "linux", "createdForUser": "bench@example.com"},
        "extra": {"treeherder": {"machine": {"platform": "linux64"}, "symbol": "B", "tier": 1}},
    }


def client_options(root_url: str) -> Dict[str, Any]:
    return {"rootUrl": root_url, "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN}}


class Bare:
    """What a careful hand-written caller has to know: the API base URL and what Hawk signs."""

    def __init__(self, root_url: str) -> None:
        self.base_url = root_url.rstrip("/") + "/api/queue/v1"
        parts = urlsplit(self.base_url)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path

    def signed(self, method: str, path: str, content_hash: str = hawk.EMPTY_HASH) -> Tuple[str, str]:
        """(url, Authorization header) for `path` under the API base."""
        resource_path = self.base_path + path
        return self.base_url + path, hawk.header(
            CLIENT_ID, KEY, method, resource_path, self.host, self.port, content_hash
        )

    def signed_url(self, task_id: str, name: str) -> str:
        path = f"/task/{quote(task_id, safe='')}/artifacts/{quote(name, safe='')}"
        expires = int(time.time() + SIGNED_URL_SECONDS)
        bewit = hawk.bewit(CLIENT_ID, KEY, self.base_path + path, self.host, self.port, expires)
        return f"{self.base_url}{path}?bewit={bewit}"


def check_response(status: int, body: bytes) -> Any:
    if status != 200:
        raise SystemExit(f"unexpected HTTP {status}: {body[:200]!r}")
    return json.loads(body)


# ---------------------------------------------------------------------------------------------- sync


def sync_caller(workload: str, variant: str, root_url: str) -> Callable[[str], Any]:
    """A function of one task id making one call of `workload` (sync_status or sync_create)."""
    payload = create_payload()
    if variant == "client":
        import taskcluster

        queue = taskcluster.Queue(client_options(root_url))
        if workload == "sync_status":
            return queue.status
        return lambda tid: queue.createTask(tid, payload)

    import requests

    bare = Bare(root_url)
    session = requests.Session()
    if workload == "sync_status":

        def status(tid: str) -> Any:
            url, auth = bare.signed("GET", f"/task/{quote(tid, safe='')}/status")
            response = session.request(
                "GET", url, headers={"Authorization": auth}, timeout=TIMEOUT, allow_redirects=False
            )
            return check_response(response.status_code, response.content)

        return status

    def create(tid: str) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        url, auth = bare.signed("PUT", f"/task/{quote(tid, safe='')}", hawk.payload_hash("application/json", body))
        response = session.request(
            "PUT",
            url,
            data=body,
            timeout=TIMEOUT,
            allow_redirects=False,
            headers={"Authorization": auth, "Content-Type": "application/json"},
        )
        return check_response(response.status_code, response.content)

    return create


def run_sync(args: argparse.Namespace) -> Dict[str, Any]:
    call = sync_caller(args.workload, args.variant, args.root_url)
    ids = task_ids(args.n)
    for tid in ids[: max(20, args.n // 20)]:
        call(tid)
    wall, cpu = time.perf_counter(), time.process_time()
    for tid in ids:
        call(tid)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "calls": args.n}


# --------------------------------------------------------------------------------------------- async


def async_caller(variant: str, root_url: str, session: Any) -> Callable[[str], Any]:
    if variant == "client":
        import taskcluster.aio

        return taskcluster.aio.Queue(client_options(root_url), session=session).status

    bare = Bare(root_url)

    async def status(tid: str) -> Any:
        url, auth = bare.signed("GET", f"/task/{quote(tid, safe='')}/status")
        async with session.request("GET", url, headers={"Authorization": auth}, allow_redirects=False) as response:
            body = await response.read()
            return check_response(response.status, body)

    return status


def run_async(args: argparse.Namespace) -> Dict[str, Any]:
    import asyncio

    import aiohttp

    ids = task_ids(args.n)

    async def main() -> Dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            call = async_caller(args.variant, args.root_url, session)
            limit = asyncio.Semaphore(args.concurrency)

            async def one(tid: str) -> None:
                async with limit:
                    await call(tid)

            await asyncio.gather(*[one(tid) for tid in ids[: max(2 * args.concurrency, args.n // 20)]])
            wall, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*[one(tid) for tid in ids])
            return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "calls": args.n}

    return asyncio.run(main())


# ---------------------------------------------------------------------------------------- pagination


def run_pagination(args: argparse.Namespace) -> Dict[str, Any]:
    counted = {"tasks": 0, "pages": 0}

    def handler(page: Dict[str, Any]) -> None:
        counted["tasks"] += len(page["tasks"])
        counted["pages"] += 1

    if args.variant == "client":
        import taskcluster

        queue = taskcluster.Queue(client_options(args.root_url))
        queue.ping()

        def listing() -> None:
            queue.listTaskGroup(GROUP_ID, paginationHandler=handler, query={"limit": args.page})

    else:
        import requests

        bare = Bare(args.root_url)
        session = requests.Session()
        session.get(bare.base_url + "/ping", timeout=TIMEOUT).raise_for_status()

        def listing() -> None:
            token = None
            while True:
                query = f"limit={args.page}"
                if token:
                    query += "&continuationToken=" + quote(token, safe="")
                url, auth = bare.signed("GET", f"/task-group/{quote(GROUP_ID, safe='')}/list?{query}")
                response = session.request(
                    "GET", url, headers={"Authorization": auth}, timeout=TIMEOUT, allow_redirects=False
                )
                page = check_response(response.status_code, response.content)
                handler(page)
                token = page.get("continuationToken")
                if not token:
                    return

    rss_before = peak_rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    listing()
    result = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "calls": counted["pages"],
        "tasks": counted["tasks"],
        "rss_before_kb": rss_before,
    }
    if args.group_size and counted["tasks"] != args.group_size:
        raise SystemExit(f"listed {counted['tasks']} tasks, expected {args.group_size}")
    return result


# ---------------------------------------------------------------------------------------- signed url


def signed_url_maker(variant: str, root_url: str) -> Callable[[str], str]:
    if variant == "client":
        import taskcluster

        queue = taskcluster.Queue(client_options(root_url))
        return lambda tid: queue.buildSignedUrl("getLatestArtifact", tid, ARTIFACT)
    bare = Bare(root_url)
    return lambda tid: bare.signed_url(tid, ARTIFACT)


def run_signed_url(args: argparse.Namespace) -> Dict[str, Any]:
    make = signed_url_maker(args.variant, args.root_url)
    ids = task_ids(args.n)
    for tid in ids[: max(100, args.n // 20)]:
        make(tid)
    wall, cpu = time.perf_counter(), time.process_time()
    for tid in ids:
        make(tid)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "calls": args.n}


# --------------------------------------------------------------------------------------------- check


def run_check(args: argparse.Namespace) -> Dict[str, Any]:
    """Before timing anything: both variants must get the same answers, and their signatures must hold."""
    import asyncio

    import aiohttp

    notes = {"hand_hawk": hawk.check_with_mohawk()}
    tid = task_ids(1)[0]
    for workload in ("sync_status", "sync_create"):
        answers = [sync_caller(workload, variant, args.root_url)(tid) for variant in ("client", "bare")]
        if answers[0] != answers[1]:
            raise SystemExit(f"{workload}: client and bare answers differ")

    async def both_async() -> List[Any]:
        async with aiohttp.ClientSession() as session:
            return [await async_caller(variant, args.root_url, session)(tid) for variant in ("client", "bare")]

    answers = asyncio.run(both_async())
    if answers[0] != answers[1]:
        raise SystemExit("async_status: client and bare answers differ")

    client_url, bare_url = (signed_url_maker(variant, args.root_url)(tid) for variant in ("client", "bare"))
    if client_url.split("bewit=")[0] != bare_url.split("bewit=")[0]:
        raise SystemExit(f"signed_url: client {client_url} vs bare {bare_url}")
    try:
        import mohawk.bewit
    except ImportError:
        notes["client_bewit"] = "skipped (mohawk not importable)"
    else:

        def lookup(sender_id: str) -> Dict[str, str]:
            return {"id": CLIENT_ID, "key": ACCESS_TOKEN, "algorithm": "sha256"}

        if not mohawk.bewit.check_bewit(client_url, lookup):
            raise SystemExit("signed_url: mohawk refuses the client's bewit")
        notes["client_bewit"] = "accepted by mohawk"
    return {"check": "ok", **notes}


# ---------------------------------------------------------------------------------------------- main


def peak_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


RUNNERS = {
    "sync_status": run_sync,
    "sync_create": run_sync,
    "async_status": run_async,
    "pagination": run_pagination,
    "signed_url": run_signed_url,
    "check": run_check,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="one benchmark measurement (run by bench/overhead.py)")
    parser.add_argument("workload", choices=sorted(RUNNERS))
    parser.add_argument("variant", choices=("client", "bare"), nargs="?", default="client")
    parser.add_argument("--root-url", required=True)
    parser.add_argument("--n", type=int, default=1000, help="calls to time")
    parser.add_argument("--concurrency", type=int, default=50, help="async: calls in flight")
    parser.add_argument("--page", type=int, default=1000, help="pagination: limit per page")
    parser.add_argument("--group-size", type=int, default=0, help="pagination: expected task count (0: no check)")
    args = parser.parse_args()
    result = RUNNERS[args.workload](args)
    result["peak_rss_kb"] = peak_rss_kb()
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
