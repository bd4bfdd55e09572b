"""The auth service: clients, roles, scope expansion and the authentication test endpoints."""

import json
import re
from typing import Any, Callable, Dict, List, Optional

from .._time import format_date
from ..auth import ClientInfo, ClientLoader
from ..scopes import ScopeExpansionError, expand_scopes
from ..store import new_access_token
from ._base import Call, Reply, ServiceError, bad_input, conflict, not_found, page

__all__ = ["HANDLERS", "LOADERS"]

_CLIENT_ID = re.compile(r"^[A-Za-z0-9!@/:.+|_-]+$")
_ROLE_ID = re.compile(r"^[\x20-\x7e]+$")

#: Fixed credentials of the testAuthenticate endpoints, as upstream.
TESTER_ID = "tester"
TESTER_TOKEN = "no-secret"
TESTER_GET_SCOPES = ["test:*", "auth:create-client:test:*"]


def _client_json(call: Call, row: Any) -> Dict[str, Any]:
    scopes = json.loads(row["scopes"])
    return {
        "clientId": row["client_id"],
        "description": row["description"],
        "expires": row["expires"],
        "created": row["created"],
        "lastModified": row["last_modified"],
        "lastDateUsed": row["last_date_used"],
        "lastRotated": row["last_rotated"],
        "scopes": scopes,
        "expandedScopes": call.deployment.expand(scopes),
        "disabled": bool(row["disabled"]),
        "deleteOnExpiration": bool(row["delete_on_expiration"]),
    }


def _role_json(call: Call, row: Any) -> Dict[str, Any]:
    return {
        "roleId": row["role_id"],
        "description": row["description"],
        "scopes": json.loads(row["scopes"]),
        "created": row["created"],
        "lastModified": row["last_modified"],
        "expandedScopes": call.deployment.expand(["assume:" + row["role_id"]]),
    }


def _check_client_id(client_id: str) -> None:
    if not _CLIENT_ID.match(client_id):
        raise ServiceError(
            400, "InvalidRequestArguments", "clientId %r has characters outside [A-Za-z0-9!@/:.+|_-]" % client_id
        )


# -- clients ------------------------------------------------------------------------------------------------
def list_clients(call: Call) -> Reply:
    prefix = call.query.get("prefix", "")
    after = call.continuation(str)
    limit = call.limit()
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT * FROM clients WHERE substr(client_id, 1, ?) = ? AND client_id > ? ORDER BY client_id LIMIT ?",
            (len(prefix), prefix, after[0] if after else "", limit + 1),
        )
    rows, token = page(rows, limit, lambda r: [r["client_id"]])
    body: Dict[str, Any] = {"clients": [_client_json(call, r) for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def get_client(call: Call) -> Reply:
    row = call.store.get_client(call.params["clientId"])
    if row is None:
        raise not_found("Client %r not found" % call.params["clientId"])
    return Reply(_client_json(call, row))


def create_client(call: Call) -> Reply:
    client_id = call.params["clientId"]
    _check_client_id(client_id)
    payload = call.payload
    scopes = payload.get("scopes", [])
    call.authorize(scopes=scopes)
    expires = call.date(payload["expires"], "expires")
    token = new_access_token()
    with call.store.transaction() as db:
        if db.one("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)):
            raise conflict("Client %r already exists; use updateClient to change it" % client_id)
        db.insert_client(
            client_id,
            token,
            payload["description"],
            scopes,
            format_date(expires),
            call.now_text,
            payload.get("deleteOnExpiration", False),
        )
        row = db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
    body = _client_json(call, row)
    body["accessToken"] = token
    return Reply(body)


def update_client(call: Call) -> Reply:
    client_id = call.params["clientId"]
    payload = call.payload
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
        if row is None:
            raise not_found("Client %r not found" % client_id)
        old = json.loads(row["scopes"])
        scopes = payload.get("scopes", old)
        call.authorize(scopesAdded=[s for s in scopes if s not in old])
        expires = call.date(payload["expires"], "expires")
        db.execute(
            "UPDATE clients SET description = ?, scopes = ?, expires = ?, last_modified = ?, delete_on_expiration = ? "
            "WHERE client_id = ?",
            (
                payload["description"],
                json.dumps(scopes),
                format_date(expires),
                call.now_text,
                int(payload.get("deleteOnExpiration", bool(row["delete_on_expiration"]))),
                client_id,
            ),
        )
        row = db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
    return Reply(_client_json(call, row))


def _set_disabled(call: Call, disabled: bool) -> Reply:
    client_id = call.params["clientId"]
    with call.store.transaction() as db:
        if (
            db.execute(
                "UPDATE clients SET disabled = ?, last_modified = ? WHERE client_id = ?",
                (int(disabled), call.now_text, client_id),
            ).rowcount
            == 0
        ):
            raise not_found("Client %r not found" % client_id)
        row = db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
    return Reply(_client_json(call, row))


def enable_client(call: Call) -> Reply:
    return _set_disabled(call, False)


def disable_client(call: Call) -> Reply:
    return _set_disabled(call, True)


def delete_client(call: Call) -> Reply:
    client_id = call.params["clientId"]
    if client_id == call.deployment.root_client_id:
        raise ServiceError(400, "InvalidRequestArguments", "the root client of the local deployment cannot be deleted")
    with call.store.transaction() as db:
        db.execute("DELETE FROM clients WHERE client_id = ?", (client_id,))
    return Reply({})


def reset_access_token(call: Call) -> Reply:
    client_id = call.params["clientId"]
    if client_id == call.deployment.root_client_id:
        raise ServiceError(
            400,
            "InvalidRequestArguments",
            "the root client's accessToken is set when the deployment starts and cannot be reset",
        )
    token = new_access_token()
    with call.store.transaction() as db:
        if (
            db.execute(
                "UPDATE clients SET access_token = ?, last_rotated = ?, last_modified = ? WHERE client_id = ?",
                (token, call.now_text, call.now_text, client_id),
            ).rowcount
            == 0
        ):
            raise not_found("Client %r not found" % client_id)
        row = db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
    body = _client_json(call, row)
    body["accessToken"] = token
    return Reply(body)


# -- roles --------------------------------------------------------------------------------------------------
def _check_role(call: Call, role_id: str, scopes: List[str]) -> None:
    if not _ROLE_ID.match(role_id):
        raise ServiceError(400, "InvalidRequestArguments", "roleId must be printable ASCII")
    if not role_id.endswith("*") and any("<..>" in s for s in scopes):
        raise bad_input("<..> may only appear in the scopes of a roleId ending in *")
    roles = dict(call.store.roles())
    roles[role_id] = scopes
    samples = ["assume:" + role_id]
    if role_id.endswith("*"):
        samples.append("assume:" + role_id[:-1])  # a concrete scope the role matches, to exercise <..>
    try:
        for sample in samples:
            expand_scopes([sample], roles)
    except ScopeExpansionError as e:
        raise bad_input("role %r cannot be expanded: %s" % (role_id, e))


def list_roles(call: Call) -> Reply:
    with call.store.transaction() as db:
        rows = db.all("SELECT * FROM roles ORDER BY role_id")
    return Reply([_role_json(call, r) for r in rows])


def _role_page(call: Call) -> Any:
    after = call.continuation(str)
    limit = call.limit()
    with call.store.transaction() as db:
        rows = db.all(
            "SELECT * FROM roles WHERE role_id > ? ORDER BY role_id LIMIT ?", (after[0] if after else "", limit + 1)
        )
    return page(rows, limit, lambda r: [r["role_id"]])


def list_roles2(call: Call) -> Reply:
    rows, token = _role_page(call)
    body: Dict[str, Any] = {"roles": [_role_json(call, r) for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def list_role_ids(call: Call) -> Reply:
    rows, token = _role_page(call)
    body: Dict[str, Any] = {"roleIds": [r["role_id"] for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def get_role(call: Call) -> Reply:
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM roles WHERE role_id = ?", (call.params["roleId"],))
    if row is None:
        raise not_found("Role %r not found" % call.params["roleId"])
    return Reply(_role_json(call, row))


def create_role(call: Call) -> Reply:
    role_id = call.params["roleId"]
    scopes = call.payload["scopes"]
    call.authorize(scopes=scopes)
    _check_role(call, role_id, scopes)
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM roles WHERE role_id = ?", (role_id,))
        if row is not None:
            if json.loads(row["scopes"]) == scopes and row["description"] == call.payload["description"]:
                return Reply(_role_json(call, row))
            raise conflict("Role %r already exists with other scopes or description; use updateRole" % role_id)
        db.execute(
            "INSERT INTO roles (role_id, description, scopes, created, last_modified) VALUES (?, ?, ?, ?, ?)",
            (role_id, call.payload["description"], json.dumps(scopes), call.now_text, call.now_text),
        )
        db.roles_changed = True
    return get_role_after_write(call, role_id)


def get_role_after_write(call: Call, role_id: str) -> Reply:
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM roles WHERE role_id = ?", (role_id,))
    return Reply(_role_json(call, row))


def update_role(call: Call) -> Reply:
    role_id = call.params["roleId"]
    scopes = call.payload["scopes"]
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM roles WHERE role_id = ?", (role_id,))
        if row is None:
            raise not_found("Role %r not found" % role_id)
        old = json.loads(row["scopes"])
        call.authorize(scopesAdded=[s for s in scopes if s not in old])
        _check_role(call, role_id, scopes)
        db.execute(
            "UPDATE roles SET description = ?, scopes = ?, last_modified = ? WHERE role_id = ?",
            (call.payload["description"], json.dumps(scopes), call.now_text, role_id),
        )
        db.roles_changed = True
    return get_role_after_write(call, role_id)


def delete_role(call: Call) -> Reply:
    with call.store.transaction() as db:
        if db.execute("DELETE FROM roles WHERE role_id = ?", (call.params["roleId"],)).rowcount:
            db.roles_changed = True
    return Reply({})


# -- scopes -------------------------------------------------------------------------------------------------
def expand(call: Call) -> Reply:
    try:
        return Reply({"scopes": call.deployment.expand(call.payload["scopes"])})
    except ScopeExpansionError as e:
        raise bad_input(str(e))


def current_scopes(call: Call) -> Reply:
    return Reply({"scopes": list(call.principal.scopes)})


def _test_result(call: Call, required: List[str]) -> Reply:
    call.require({"AllOf": required})
    return Reply({"clientId": call.principal.client_id, "scopes": list(call.principal.scopes)})


def test_authenticate(call: Call) -> Reply:
    return _test_result(call, call.payload.get("requiredScopes", []))


def test_authenticate_get(call: Call) -> Reply:
    return _test_result(call, ["test:authenticate-get"])


def _tester(scopes: List[str]) -> ClientLoader:
    def load(client_id: str) -> Optional[ClientInfo]:
        if client_id == TESTER_ID:
            return ClientInfo(TESTER_ID, TESTER_TOKEN, scopes)
        return None

    return load


def _tester_from_payload(payload: Any) -> ClientLoader:
    scopes = payload.get("clientScopes") if isinstance(payload, dict) else None
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        scopes = []
    return _tester(scopes)


HANDLERS = {
    "listClients": list_clients,
    "client": get_client,
    "createClient": create_client,
    "updateClient": update_client,
    "enableClient": enable_client,
    "disableClient": disable_client,
    "deleteClient": delete_client,
    "resetAccessToken": reset_access_token,
    "listRoles": list_roles,
    "listRoles2": list_roles2,
    "listRoleIds": list_role_ids,
    "role": get_role,
    "createRole": create_role,
    "updateRole": update_role,
    "deleteRole": delete_role,
    "expandScopes": expand,
    "currentScopes": current_scopes,
    "testAuthenticate": test_authenticate,
    "testAuthenticateGet": test_authenticate_get,
}

#: Endpoints that authenticate against their own client (entry name -> payload -> client loader).
LOADERS: Dict[str, Callable[[Any], ClientLoader]] = {
    "testAuthenticate": _tester_from_payload,
    "testAuthenticateGet": lambda payload: _tester(TESTER_GET_SCOPES),
}
