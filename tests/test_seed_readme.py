"""Every code example of the historical client's README (our compatibility contract) runs against a loopback
server. tests/data/seed_readme_calls.json lists each per-method example line of that README."""

import asyncio
import datetime
import json
import re
from pathlib import Path

import taskcluster
import taskcluster.aio
from scripted_server import ACCESS_TOKEN, CLIENT_ID, Reply

CALLS = json.loads((Path(__file__).parent / "data" / "seed_readme_calls.json").read_text())
PAYLOAD = {"example": True}


def namespace(call):
    names = set(re.findall(r"\b([A-Za-z_]\w*)\b", call.split("(", 1)[1]))
    ns = {name: "value" for name in names}
    ns["payload"] = PAYLOAD
    ns["routingKeyPattern"] = "primary.#"
    return ns


def expected_path(cls, call):
    name = call.split("(", 1)[0]
    entry = cls.funcinfo[name]
    route = entry["route"]
    legacy = entry.get("legacyArgs")
    if legacy and legacy["args"][0] in call:  # the older form: its values are joined into one argument
        route = route.replace("<%s>" % legacy["into"], "value%2Fvalue")
    for arg in entry["args"]:
        route = route.replace("<%s>" % arg, "value")
    return "/api/%s/%s%s" % (cls.serviceName, cls.apiVersion, route.rstrip("/"))


def test_every_sync_example_line_runs(server, options):
    checked = 0
    session = taskcluster.createSession()
    for case in (c for c in CALLS if not c["async"]):
        cls = getattr(taskcluster, case["class"])
        client = cls(options, session=session)
        before = len(server.requests)
        result = eval("client." + case["call"], {"client": client}, namespace(case["call"]))
        name = case["call"].split("(", 1)[0]
        if name in cls.funcinfo:
            record = server.requests[before]
            assert record.path == expected_path(cls, case["call"]), case
            assert record.signed, (case, record.hawk_error)
            if cls.funcinfo[name].get("input"):
                assert json.loads(record.body) == PAYLOAD
            assert result["path"] == record.path
        else:
            assert result == {
                "exchange": cls.classOptions["exchangePrefix"] + cls.exchangeinfo[name]["exchange"],
                "routingKeyPattern": "primary.#",
            }
        checked += 1
    session.close()
    assert checked == len([c for c in CALLS if not c["async"]]) > 250


def test_every_async_example_line_runs(server, options):
    async def run():
        count = 0
        async with taskcluster.aio.createSession() as session:
            for case in (c for c in CALLS if c["async"]):
                cls = getattr(taskcluster.aio, case["class"])
                client = cls(options, session=session)
                before = len(server.requests)
                code = "async def _call():\n    return await client.%s\n" % case["call"]
                ns = namespace(case["call"])
                ns["client"] = client
                exec(code, ns)
                result = await ns["_call"]()
                record = server.requests[before]
                assert record.path == expected_path(cls, case["call"]), case
                assert record.signed, (case, record.hawk_error)
                assert result["path"] == record.path
                count += 1
        return count

    assert asyncio.run(run()) > 200


def test_temporary_credentials_example(server, options):
    clientId, accessToken = CLIENT_ID, ACCESS_TOKEN
    start = datetime.datetime.now()
    expiry = start + datetime.timedelta(0, 60)
    scopes = ["ScopeA", "ScopeB"]
    name = "foo"
    credentials = taskcluster.createTemporaryCredentials(
        # issuing clientId
        clientId,
        # issuing accessToken
        accessToken,
        # Validity of temporary credentials starts here, in timestamp
        start,
        # Expiration of temporary credentials, in timestamp
        expiry,
        # Scopes to grant the temporary credentials
        scopes,
        # credential name (optional)
        name,
    )
    assert credentials["clientId"] == "foo"
    server.credentials["foo"] = credentials["accessToken"]
    taskcluster.Queue(dict(options, credentials=credentials)).ping()
    assert server.requests[0].signed


def test_usage_and_conventions_examples(server):
    index = taskcluster.Index(
        {
            "rootUrl": server.root_url,
            "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
        }
    )
    index.ping()
    queue = taskcluster.Queue({"rootUrl": server.root_url})
    outcome = {"continuationToken": "abc"}
    queue.listTaskGroup("JzTGxwxhQ76_Tt1dxkaG5g", query={"continuationToken": outcome.get("continuationToken")})
    assert server.requests[1].path == "/api/queue/v1/task-group/JzTGxwxhQ76_Tt1dxkaG5g/list?continuationToken=abc"
    from taskcluster import client

    qEvt = client.QueueEvents({"rootUrl": "https://tc.example.com"})
    assert qEvt.taskCompleted({"taskId": "atask"}) == qEvt.taskCompleted(taskId="atask")
    assert qEvt.taskCompleted(taskId="atask")["routingKeyPattern"] == "primary.atask.*.*.*.*.*.*.*.#"


def test_environment_example(server, monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", server.root_url + "/")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN)
    auth = taskcluster.Auth(taskcluster.optionsFromEnvironment())
    auth.ping()
    assert server.requests[0].signed


def test_pagination_examples(server, capsys):
    server.add(
        Reply(200, json_body={"taskGroupId": "JzTGxwxhQ76_Tt1dxkaG5g", "tasks": [1, 2], "continuationToken": "t1"}),
        Reply(200, json_body={"taskGroupId": "JzTGxwxhQ76_Tt1dxkaG5g", "tasks": [3], "continuationToken": "t2"}),
        Reply(200, json_body={"taskGroupId": "JzTGxwxhQ76_Tt1dxkaG5g", "tasks": [4]}),
    )
    queue = taskcluster.Queue({"rootUrl": server.root_url})
    i = 0
    tasks = 0
    outcome = queue.listTaskGroup("JzTGxwxhQ76_Tt1dxkaG5g")
    while outcome.get("continuationToken"):
        print("Response %d gave us %d more tasks" % (i, len(outcome["tasks"])))
        if outcome.get("continuationToken"):
            outcome = queue.listTaskGroup(
                "JzTGxwxhQ76_Tt1dxkaG5g", query={"continuationToken": outcome.get("continuationToken")}
            )
        i += 1
        tasks += len(outcome.get("tasks", []))
    print("Task Group %s has %d tasks" % (outcome["taskGroupId"], tasks))
    assert "Task Group JzTGxwxhQ76_Tt1dxkaG5g has 2 tasks" in capsys.readouterr().out

    server.add(
        Reply(200, json_body={"tasks": [1, 2], "continuationToken": "t1"}),
        Reply(200, json_body={"tasks": [3]}),
    )
    responses = []

    def handle_page(y):
        print("%d tasks fetched" % len(y.get("tasks", [])))
        responses.append(y)

    queue.listTaskGroup("JzTGxwxhQ76_Tt1dxkaG5g", paginationHandler=handle_page)
    tasks = 0
    for response in responses:
        tasks += len(response.get("tasks", []))
    print("%d requests fetch %d tasks" % (len(responses), tasks))
    assert "2 requests fetch 3 tasks" in capsys.readouterr().out


def test_scopes_example_with_the_documented_fix():
    requiredScopeSets = [["scopeA", "scopeB"], ["scopeC:*"]]
    assert taskcluster.scopeMatch(["scopeA", "scopeB"], requiredScopeSets)
    assert taskcluster.scopeMatch(["scopeC:*"], requiredScopeSets)
    assert not taskcluster.scopeMatch(["scopeC:xyz"], requiredScopeSets)  # the README had this one wrong
    assert not taskcluster.scopeMatch(["scopeA"], requiredScopeSets)
    assert not taskcluster.scopeMatch(["scopeC"], requiredScopeSets)


def test_date_examples():
    base = datetime.datetime(2017, 1, 19, 14, 7, 1)
    assert taskcluster.fromNow("2 days 3 hours 1 minute", base) == datetime.datetime(2017, 1, 21, 17, 8, 1)
    assert taskcluster.fromNowJSON("2 days 3 hours 1 minute").endswith("Z")
    past = taskcluster.fromNow("- 1 year 2 months 3 weeks 5 seconds", base)
    assert base - past == datetime.timedelta(days=365 + 60 + 21, seconds=5)
    dateObject1 = taskcluster.fromNow("2 days 3 hours")
    dateObject2 = taskcluster.fromNow("1 year", dateObject1)
    assert dateObject2 == taskcluster.fromNow("1 year", dateObj=dateObject1)
    assert dateObject2 - dateObject1 == datetime.timedelta(days=365)


def test_async_example_adapted_for_current_aiohttp(server):
    import aiohttp

    from taskcluster.aio import Auth

    async def do_ping():
        async with aiohttp.ClientSession() as session:
            a = Auth({"rootUrl": server.root_url}, session=session)
            return await a.ping()

    assert asyncio.run(do_ping())["path"] == "/api/auth/v1/ping"
