"""Auth clients and roles, index, secrets and purge-cache of the local deployment."""

import base64
import json

import pytest
import requests
import slugid
from tc_local_helpers import Api, assert_error, iso

from taskcluster.testing.services import IMPLEMENTED, Call, Reply


def q(text):
    return requests.utils.quote(text, safe="")


# -- auth: clients and roles --------------------------------------------------------------------------------
def test_client_lifecycle(api, tc):
    created = api.call(
        "PUT",
        "auth",
        "/clients/" + q("project/app"),
        {"description": "app", "expires": iso(3600), "scopes": ["auth:current-scopes", "assume:r"]},
    )
    assert created.status_code == 200, created.text
    body = created.json()
    token = body["accessToken"]
    assert body["clientId"] == "project/app" and body["scopes"] == ["auth:current-scopes", "assume:r"]
    assert "expandedScopes" in body and body["disabled"] is False
    app = Api(tc.rootUrl, {"clientId": "project/app", "accessToken": token})
    try:
        assert app.call("GET", "auth", "/scopes/current").status_code == 200
        fetched = api.call("GET", "auth", "/clients/" + q("project/app")).json()
        assert "accessToken" not in fetched and fetched["description"] == "app"
        assert_error(
            api.call("PUT", "auth", "/clients/" + q("project/app"), {"description": "again", "expires": iso(3600)}),
            409,
            "RequestConflict",
        )
        updated = api.call(
            "POST",
            "auth",
            "/clients/" + q("project/app"),
            {"description": "new", "expires": iso(7200), "scopes": ["x"]},
        ).json()
        assert updated["scopes"] == ["x"] and updated["description"] == "new"
        reset = api.call("POST", "auth", "/clients/%s/reset" % q("project/app")).json()
        assert reset["accessToken"] != token
        assert_error(app.call("GET", "auth", "/scopes/current"), 401, "AuthenticationFailed")
        listed = api.call("GET", "auth", "/clients/?prefix=project%2F").json()["clients"]
        assert [c["clientId"] for c in listed] == ["project/app"]
        assert api.call("DELETE", "auth", "/clients/" + q("project/app")).status_code == 200
        assert_error(api.call("GET", "auth", "/clients/" + q("project/app")), 404, "ResourceNotFound")
    finally:
        app.close()


def test_create_client_needs_the_scopes_it_grants(api, tc):
    creds = tc.create_client("admin", ["auth:create-client:team/*", "queue:get-task:*"])
    ok = api.call(
        "PUT",
        "auth",
        "/clients/team%2Fa",
        {"description": "d", "expires": iso(60), "scopes": ["queue:get-task:x"]},
        credentials=creds,
    )
    assert ok.status_code == 200, ok.text
    denied = api.call(
        "PUT",
        "auth",
        "/clients/team%2Fb",
        {"description": "d", "expires": iso(60), "scopes": ["secrets:get:x"]},
        credentials=creds,
    )
    assert "secrets:get:x" in assert_error(denied, 403, "InsufficientScopes")["message"]
    elsewhere = api.call("PUT", "auth", "/clients/other", {"description": "d", "expires": iso(60)}, credentials=creds)
    assert "auth:create-client:other" in assert_error(elsewhere, 403, "InsufficientScopes")["message"]
    assert_error(api.call("PUT", "auth", "/clients/x", {"expires": iso(60)}), 400, "InputValidationError")


def test_roles(api):
    assert (
        api.call(
            "PUT", "auth", "/roles/" + q("repo:gh/*"), {"description": "d", "scopes": ["secrets:get:<..>"]}
        ).status_code
        == 200
    )
    role = api.call("GET", "auth", "/roles/" + q("repo:gh/*")).json()
    assert role["roleId"] == "repo:gh/*" and role["scopes"] == ["secrets:get:<..>"]
    assert [r["roleId"] for r in api.call("GET", "auth", "/roles/").json()] == ["anonymous", "repo:gh/*"]
    assert api.call("GET", "auth", "/roleids/?limit=1").json()["roleIds"] == ["anonymous"]
    expanded = api.call("POST", "auth", "/scopes/expand", {"scopes": ["assume:repo:gh/app"]}).json()
    assert expanded["scopes"] == ["assume:repo:gh/app", "secrets:get:app"]
    updated = api.call("POST", "auth", "/roles/" + q("repo:gh/*"), {"description": "d2", "scopes": ["s"]}).json()
    assert updated["scopes"] == ["s"]
    assert api.call("POST", "auth", "/scopes/expand", {"scopes": ["assume:repo:gh/app"]}).json()["scopes"] == [
        "assume:repo:gh/app",
        "s",
    ]
    assert_error(
        api.call("PUT", "auth", "/roles/plain", {"description": "d", "scopes": ["a:<..>"]}), 400, "InputValidationError"
    )
    assert_error(
        api.call("PUT", "auth", "/roles/" + q("grow*"), {"description": "d", "scopes": ["assume:grow<..>x"]}),
        400,
        "InputValidationError",
    )
    assert api.call("DELETE", "auth", "/roles/" + q("repo:gh/*")).status_code == 200
    assert_error(api.call("GET", "auth", "/roles/" + q("repo:gh/*")), 404, "ResourceNotFound")


# -- index --------------------------------------------------------------------------------------------------
def test_index_insert_find_and_list(api):
    first, second = slugid.nice(), slugid.nice()
    put = api.call(
        "PUT", "index", "/task/project.app.v1", {"taskId": first, "rank": 1, "data": {"k": 1}, "expires": iso(3600)}
    )
    assert put.status_code == 200 and put.json()["taskId"] == first
    lower = api.call(
        "PUT", "index", "/task/project.app.v1", {"taskId": second, "rank": 0, "data": {}, "expires": iso(3600)}
    )
    assert lower.json()["taskId"] == first  # a lower rank does not replace
    api.call("PUT", "index", "/task/project.app.v1", {"taskId": second, "rank": 5, "data": {}, "expires": iso(3600)})
    api.call("PUT", "index", "/task/project.lib.v2", {"taskId": first, "rank": 0, "data": {}, "expires": iso(3600)})
    found = api.call("GET", "index", "/task/project.app.v1").json()
    assert found == {
        "namespace": "project.app.v1",
        "taskId": second,
        "rank": 5,
        "data": {},
        "expires": found["expires"],
    }
    assert_error(api.call("GET", "index", "/task/project.nothing"), 404, "ResourceNotFound")
    names = api.call("GET", "index", "/namespaces/project").json()["namespaces"]
    assert [(n["namespace"], n["name"]) for n in names] == [("project.app", "app"), ("project.lib", "lib")]
    page = api.call("GET", "index", "/namespaces/project?limit=1").json()
    assert len(page["namespaces"]) == 1 and page["continuationToken"]
    rest = api.call("GET", "index", "/namespaces/project?continuationToken=" + page["continuationToken"]).json()
    assert [n["name"] for n in rest["namespaces"]] == ["lib"] and "continuationToken" not in rest
    assert api.call("GET", "index", "/namespaces/").json()["namespaces"][0]["namespace"] == "project"
    tasks = api.call("GET", "index", "/tasks/project.app").json()["tasks"]
    assert [(t["namespace"], t["taskId"]) for t in tasks] == [("project.app.v1", second)]
    expired = api.call(
        "PUT", "index", "/task/project.old", {"taskId": first, "rank": 0, "data": {}, "expires": iso(-10)}
    )
    assert expired.status_code == 200
    assert_error(api.call("GET", "index", "/task/project.old"), 404, "ResourceNotFound")


def test_index_scopes(api, tc, anon):
    creds = tc.create_client("indexer", ["index:insert-task:mine.*"])
    ok = api.call(
        "PUT",
        "index",
        "/task/mine.a",
        {"taskId": slugid.nice(), "rank": 0, "data": {}, "expires": iso(60)},
        credentials=creds,
    )
    assert ok.status_code == 200
    denied = api.call(
        "PUT",
        "index",
        "/task/theirs.a",
        {"taskId": slugid.nice(), "rank": 0, "data": {}, "expires": iso(60)},
        credentials=creds,
    )
    assert "index:insert-task:theirs.a" in assert_error(denied, 403, "InsufficientScopes")["message"]
    assert_error(anon.call("GET", "index", "/task/mine.a"), 403, "InsufficientScopes")


# -- secrets ------------------------------------------------------------------------------------------------
def test_secrets_with_expiry(api, tc):
    assert (
        api.call(
            "PUT", "secrets", "/secret/" + q("project/db"), {"secret": {"password": "hunter2"}, "expires": iso(3600)}
        ).status_code
        == 200
    )
    assert (
        api.call("PUT", "secrets", "/secret/" + q("project/old"), {"secret": {"v": 1}, "expires": iso(-60)}).status_code
        == 200
    )
    got = api.call("GET", "secrets", "/secret/" + q("project/db")).json()
    assert got["secret"] == {"password": "hunter2"}
    body = assert_error(api.call("GET", "secrets", "/secret/" + q("project/old")), 410, "ResourceExpired")
    assert "project/old" in body["message"]
    assert api.call("GET", "secrets", "/secrets").json() == {"secrets": ["project/db"]}
    assert api.call("DELETE", "secrets", "/secret/" + q("project/db")).status_code == 200
    assert_error(api.call("GET", "secrets", "/secret/" + q("project/db")), 404, "ResourceNotFound")
    assert_error(api.call("DELETE", "secrets", "/secret/" + q("project/db")), 404, "ResourceNotFound")
    reader = tc.create_client("reader", ["secrets:get:project/*"])
    assert_error(
        api.call("PUT", "secrets", "/secret/x", {"secret": {}, "expires": iso(60)}, credentials=reader),
        403,
        "InsufficientScopes",
    )


def test_route_only_scopes_are_checked_before_the_payload(api, tc):
    outsider = tc.create_client("outsider", [])
    response = api.call("PUT", "secrets", "/secret/x", {"not": "valid"}, credentials=outsider)
    assert "secrets:set:x" in assert_error(response, 403, "InsufficientScopes")["message"]
    assert_error(api.call("PUT", "secrets", "/secret/x", {"not": "valid"}), 400, "InputValidationError")


def test_route_only_scopes_are_checked_once(api, tc, monkeypatch):
    checks = []
    original = Call.require

    def counting(call, required):
        checks.append(required)
        return original(call, required)

    monkeypatch.setattr(Call, "require", counting)
    api.call("PUT", "secrets", "/secret/once", {"secret": {}, "expires": iso(60)})
    assert api.call("GET", "secrets", "/secret/once").status_code == 200
    assert checks == ["secrets:set:once", "secrets:get:once"]


def test_a_handler_that_does_not_authorize_is_a_500(api, tc, monkeypatch):
    # purgeCache's scopes need the payload's cacheName, so only the handler can check them
    monkeypatch.setitem(IMPLEMENTED["purge-cache"], "purgeCache", lambda call: Reply({}))
    response = api.call("POST", "purge-cache", "/purge-cache/" + q("p/w"), {"cacheName": "c"})
    assert "did not check" in assert_error(response, 500, "InternalServerError")["message"]


def test_errors_never_echo_secret_values(api, tc):
    reader = tc.create_client("nobody-special", [])
    response = api.call(
        "PUT", "secrets", "/secret/s", {"secret": {"password": "hunter2"}, "expires": iso(60)}, credentials=reader
    )
    body = assert_error(response, 403, "InsufficientScopes")
    assert "hunter2" not in response.text
    assert body["requestInfo"]["payload"]["secret"] == "<redacted>"
    assert reader["accessToken"] not in response.text


# -- purge-cache --------------------------------------------------------------------------------------------
def test_purge_cache_requests(api):
    for pool, cache in (("prov/wt", "cache-a"), ("prov/wt", "cache-b"), ("other/pool", "c")):
        response = api.call("POST", "purge-cache", "/purge-cache/" + q(pool), {"cacheName": cache})
        assert response.status_code == 200, response.text
    mine = api.call("GET", "purge-cache", "/purge-cache/" + q("prov/wt")).json()["requests"]
    assert [(r["provisionerId"], r["workerType"], r["cacheName"]) for r in mine] == [
        ("prov", "wt", "cache-a"),
        ("prov", "wt", "cache-b"),
    ]
    later = api.call("GET", "purge-cache", "/purge-cache/%s?since=%s" % (q("prov/wt"), q(iso(60)))).json()
    assert later == {"requests": []}
    pages, token = [], None
    while True:
        suffix = "?limit=2" + ("&continuationToken=" + token if token else "")
        page = api.call("GET", "purge-cache", "/purge-cache/list" + suffix).json()
        pages.append([r["cacheName"] for r in page["requests"]])
        token = page.get("continuationToken")
        if not token:
            break
    assert pages == [["c", "cache-a"], ["cache-b"]]
    assert_error(api.call("POST", "purge-cache", "/purge-cache/x", {}), 400, "InputValidationError")


def test_purge_cache_scopes(api, tc):
    creds = tc.create_client("purger", ["purge-cache:prov/wt:*"])
    assert (
        api.call("POST", "purge-cache", "/purge-cache/prov%2Fwt", {"cacheName": "a"}, credentials=creds).status_code
        == 200
    )
    denied = api.call("POST", "purge-cache", "/purge-cache/prov%2Fother", {"cacheName": "a"}, credentials=creds)
    assert "purge-cache:prov/other:a" in assert_error(denied, 403, "InsufficientScopes")["message"]


def test_error_body_shape(api):
    response = api.call("GET", "queue", "/task/%s" % slugid.nice())
    body = assert_error(response, 404, "ResourceNotFound")
    assert body["requestInfo"]["method"] == "task"
    assert set(body["requestInfo"]["params"]) == {"taskId"}
    assert response.headers["Content-Type"].startswith("application/json")
    json.loads(response.text)


def _token(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "service, path, values",
    [
        ("secrets", "/secrets", [{"a": 1}]),
        ("secrets", "/secrets", [7]),
        ("auth", "/clients/", [None]),
        ("auth", "/roles2/", [["x"]]),
        ("index", "/namespaces/project", [True]),
        ("purge-cache", "/purge-cache/list", ["a", 1]),
        ("purge-cache", "/purge-cache/list", [{}, "b"]),
    ],
)
def test_continuation_token_with_values_of_the_wrong_type_is_400(api, service, path, values):
    response = api.call("GET", service, path + "?continuationToken=" + _token(values))
    assert "continuationToken" in assert_error(response, 400, "InputError")["message"]


def test_queue_continuation_token_needs_an_integer(api):
    group_id = slugid.nice()
    created = api.call(
        "PUT",
        "queue",
        "/task/" + group_id,
        {
            "provisionerId": "p",
            "workerType": "w",
            "taskGroupId": group_id,
            "created": iso(0),
            "deadline": iso(3600),
            "payload": {},
            "metadata": {"name": "t", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
        },
    )
    assert created.status_code == 200, created.text
    for values in (["1"], [1.5], [True], [{"seq": 1}]):
        response = api.call("GET", "queue", "/task-group/%s/list?continuationToken=%s" % (group_id, _token(values)))
        assert_error(response, 400, "InputError")
    for path in ("/task/%s/dependents", "/task/%s/runs/0/artifacts"):
        response = api.call("GET", "queue", path % group_id + "?continuationToken=" + _token([[1]]))
        assert response.status_code == 400, (path, response.text)
    # artifact listings page by name, task listings by sequence number
    assert (
        api.call(
            "GET", "queue", "/task/%s/runs/0/artifacts?continuationToken=%s" % (group_id, _token(["a"]))
        ).status_code
        == 200
    )
    assert (
        api.call("GET", "queue", "/task/%s/dependents?continuationToken=%s" % (group_id, _token([1]))).status_code
        == 200
    )
