"""The secrets service: named JSON objects with an expiry; an expired secret answers 410."""

import json
from typing import Any, Dict

from .._time import format_date
from ._base import Call, Reply, ServiceError, not_found, page

__all__ = ["HANDLERS"]


def set_secret(call: Call) -> Reply:
    expires = format_date(call.date(call.payload["expires"], "expires"))
    with call.store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO secrets (name, secret, expires) VALUES (?, ?, ?)",
            (call.params["name"], json.dumps(call.payload["secret"]), expires),
        )
    return Reply({})


def get_secret(call: Call) -> Reply:
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM secrets WHERE name = ?", (call.params["name"],))
    if row is None:
        raise not_found("Secret %r not found" % call.params["name"])
    if row["expires"] <= call.now_text:
        raise ServiceError(410, "ResourceExpired", "Secret %r expired at %s" % (row["name"], row["expires"]))
    return Reply({"secret": json.loads(row["secret"]), "expires": row["expires"]})


def remove_secret(call: Call) -> Reply:
    with call.store.transaction() as db:
        if db.execute("DELETE FROM secrets WHERE name = ?", (call.params["name"],)).rowcount == 0:
            raise not_found("Secret %r not found" % call.params["name"])
    return Reply({})


def list_secrets(call: Call) -> Reply:
    after = call.continuation(str)
    limit = call.limit()
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT name FROM secrets WHERE name > ? AND expires > ? ORDER BY name LIMIT ?",
            (after[0] if after else "", call.now_text, limit + 1),
        )
    rows, token = page(rows, limit, lambda r: [r["name"]])
    body: Dict[str, Any] = {"secrets": [r["name"] for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


HANDLERS = {"set": set_secret, "get": get_secret, "remove": remove_secret, "list": list_secrets}
