"""The purge-cache service: timestamped requests to purge a named cache on a worker pool's workers."""

from typing import Any, Dict

from .._time import format_date
from ._base import Call, Reply, page

__all__ = ["HANDLERS"]


def _request_json(row: Any) -> Dict[str, Any]:
    provisioner_id, _, worker_type = row["worker_pool_id"].partition("/")
    return {
        "provisionerId": provisioner_id,
        "workerType": worker_type,
        "cacheName": row["cache_name"],
        "before": row["before"],
    }


def purge_cache(call: Call) -> Reply:
    cache_name = call.payload["cacheName"]
    call.authorize(cacheName=cache_name)
    with call.store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO purge_requests (worker_pool_id, cache_name, before) VALUES (?, ?, ?)",
            (call.params["workerPoolId"], cache_name, call.now_text),
        )
    return Reply({})


def all_purge_requests(call: Call) -> Reply:
    after = call.continuation(str, str)
    limit = call.limit()
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT * FROM purge_requests WHERE (worker_pool_id, cache_name) > (?, ?) "
            "ORDER BY worker_pool_id, cache_name LIMIT ?",
            (after[0] if after else "", after[1] if after else "", limit + 1),
        )
    rows, token = page(rows, limit, lambda r: [r["worker_pool_id"], r["cache_name"]])
    body: Dict[str, Any] = {"requests": [_request_json(r) for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def purge_requests(call: Call) -> Reply:
    since = call.query.get("since")
    since_text = "0000-00-00"
    if since:
        since_text = format_date(call.date(since, "since"))
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT * FROM purge_requests WHERE worker_pool_id = ? AND before > ? ORDER BY cache_name",
            (call.params["workerPoolId"], since_text),
        )
    return Reply({"requests": [_request_json(r) for r in rows]})


HANDLERS = {"purgeCache": purge_cache, "allPurgeRequests": all_purge_requests, "purgeRequests": purge_requests}
