"""The index service: dotted namespaces pointing at tasks, ranked; expired entries are invisible."""

import json
from typing import Any, Dict
from urllib.parse import quote

from .._time import format_date
from ._base import Call, Reply, bad_input, not_found, page

__all__ = ["HANDLERS"]


def _split(namespace: str) -> Any:
    parent, _, name = namespace.rpartition(".")
    return parent, name


def _task_json(row: Any) -> Dict[str, Any]:
    return {
        "namespace": row["namespace"],
        "taskId": row["task_id"],
        "rank": _number(row["rank"]),
        "data": json.loads(row["data"]),
        "expires": row["expires"],
    }


def _number(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


def _storable(rank: Any) -> Any:
    """A rank SQLite can store: an integer beyond 64 bits as the double it is in the services' JavaScript."""
    if isinstance(rank, int) and not -(2**63) <= rank < 2**63:
        return float(rank)
    return rank


def insert_task(call: Call) -> Reply:
    namespace = call.params["namespace"]
    if not namespace or len(namespace) > 255 or any(not part for part in namespace.split(".")):
        raise bad_input("namespace %r must be non-empty dot-separated words, at most 255 characters" % namespace)
    payload = call.payload
    expires = call.date(payload["expires"], "expires")
    expires_text = format_date(expires)
    parent, name = _split(namespace)
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM index_tasks WHERE namespace = ?", (namespace,))
        if row is not None and row["expires"] > call.now_text and row["rank"] > payload["rank"]:
            return Reply(_task_json(row))
        db.execute(
            "INSERT OR REPLACE INTO index_tasks (namespace, parent, name, task_id, rank, data, expires) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                namespace,
                parent,
                name,
                payload["taskId"],
                _storable(payload["rank"]),
                json.dumps(payload["data"]),
                expires_text,
            ),
        )
        prefix = parent
        while prefix:
            up, short = _split(prefix)
            db.execute(
                "INSERT INTO index_namespaces (namespace, parent, name, expires) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (namespace) DO UPDATE SET expires = max(expires, excluded.expires)",
                (prefix, up, short, expires_text),
            )
            prefix = up
        row = db.one("SELECT * FROM index_tasks WHERE namespace = ?", (namespace,))
    return Reply(_task_json(row))


def _find(call: Call, path: str) -> Any:
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM index_tasks WHERE namespace = ? AND expires > ?", (path, call.now_text))
    if row is None:
        raise not_found("Indexed task not found at %r" % path)
    return row


def find_task(call: Call) -> Reply:
    return Reply(_task_json(_find(call, call.params["indexPath"])))


def delete_task(call: Call) -> Reply:
    with call.store.transaction() as db:
        db.execute("DELETE FROM index_tasks WHERE namespace = ?", (call.params["namespace"],))
    return Reply({})


def _list(call: Call, table: str) -> Any:
    after = call.continuation(str)
    limit = call.limit()
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT * FROM %s WHERE parent = ? AND expires > ? AND name > ? ORDER BY name LIMIT ?" % table,
            (call.params["namespace"], call.now_text, after[0] if after else "", limit + 1),
        )
    return page(rows, limit, lambda r: [r["name"]])


def list_namespaces(call: Call) -> Reply:
    rows, token = _list(call, "index_namespaces")
    body: Dict[str, Any] = {
        "namespaces": [{"namespace": r["namespace"], "name": r["name"], "expires": r["expires"]} for r in rows]
    }
    if token:
        body["continuationToken"] = token
    return Reply(body)


def list_tasks(call: Call) -> Reply:
    rows, token = _list(call, "index_tasks")
    body: Dict[str, Any] = {"tasks": [_task_json(r) for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def find_artifact_from_task(call: Call) -> Reply:
    """Redirect to the queue's getLatestArtifact for the indexed task (signed when not public)."""
    row = _find(call, call.params["indexPath"])
    name = call.params["name"]
    url = "%s/api/queue/v1/task/%s/artifacts/%s" % (call.base_url, quote(row["task_id"], safe=""), quote(name, safe=""))
    if not name.startswith("public/"):
        url = call.deployment.sign_url(url, expiration=30 * 60)
    return Reply({"storageType": "reference", "url": url}, status=303, headers={"Location": url})


HANDLERS = {
    "insertTask": insert_task,
    "findTask": find_task,
    "deleteTask": delete_task,
    "listNamespaces": list_namespaces,
    "listTasks": list_tasks,
    "findArtifactFromTask": find_artifact_from_task,
}
