"""Turning a call into a request (taskcluster._prepare): the four calling conventions, the query string
and the JSON body."""

import datetime
import json
import re
from urllib.parse import parse_qsl

import pytest

from taskcluster._pagination import next_page_query
from taskcluster._prepare import CompiledFunction, encode_payload, encode_query, process_args, split_kwargs
from taskcluster.exceptions import TaskclusterFailure

# Entries shaped as in apis.json (Queue reference).
CREATE_TASK = {
    "type": "function",
    "name": "createTask",
    "stability": "stable",
    "method": "put",
    "route": "/task/<taskId>",
    "args": ["taskId"],
    "query": [],
    "input": "v1/create-task-request.json#",
    "output": "v1/task-status-response.json#",
}
GET_ARTIFACT = {
    "type": "function",
    "name": "getArtifact",
    "stability": "stable",
    "method": "get",
    "route": "/task/<taskId>/runs/<runId>/artifacts/<name>",
    "args": ["taskId", "runId", "name"],
    "query": [],
    "output": "v1/get-artifact-response.json#",
}
PING = {
    "type": "function",
    "name": "ping",
    "stability": "stable",
    "method": "get",
    "route": "/ping",
    "args": [],
    "query": [],
}
LIST_TASK_GROUP = {
    "type": "function",
    "name": "listTaskGroup",
    "stability": "stable",
    "method": "get",
    "route": "/task-group/<taskGroupId>/list",
    "args": ["taskGroupId"],
    "query": ["continuationToken", "limit"],
    "output": "v1/list-task-group-response.json#",
}
# A function with input and no route argument (Auth.expandScopes) and one whose args are in another order than
# the route's parameters.
EXPAND_SCOPES = {
    "type": "function",
    "name": "expandScopes",
    "method": "post",
    "route": "/scopes/expand",
    "args": [],
    "query": [],
    "input": "v1/scopeset.json#",
}
REORDERED = {
    "type": "function",
    "name": "reordered",
    "method": "get",
    "route": "/a/<second>/b/<first>",
    "args": ["first", "second"],
    "query": [],
}

FUNCS = {
    "createTask": CompiledFunction("Queue", CREATE_TASK),
    "getArtifact": CompiledFunction("Queue", GET_ARTIFACT),
    "ping": CompiledFunction("Queue", PING),
    "listTaskGroup": CompiledFunction("Queue", LIST_TASK_GROUP, items_key="tasks"),
    "expandScopes": CompiledFunction("Auth", EXPAND_SCOPES),
    "reordered": CompiledFunction("Test", REORDERED),
}
SIGNATURES = {
    "createTask": "Queue.createTask(taskId, payload)",
    "getArtifact": "Queue.getArtifact(taskId, runId, name)",
    "ping": "Queue.ping()",
    "listTaskGroup": "Queue.listTaskGroup(taskGroupId)",
    "expandScopes": "Auth.expandScopes(payload)",
    "reordered": "Test.reordered(first, second)",
}
PAYLOAD = {"provisionerId": "p", "workerType": "w", "payload": {}}


def call(function, /, *args, **kwargs):
    """Process a call the way the generated methods do: free keyword arguments through split_kwargs."""
    fn = FUNCS[function]
    named, payload, query, params, extra = split_kwargs(fn, kwargs)
    return process_args(fn, args, named, payload, query, params, extra)


def request_of(function, /, *args, **kwargs):
    """(path, payload, query) of a call."""
    result = call(function, *args, **kwargs)
    return FUNCS[function].path(result.route_values), result.payload, result.query


def test_compiled_function_fields():
    fn = FUNCS["listTaskGroup"]
    assert fn.qualname == "Queue.listTaskGroup"
    assert fn.method == "GET"
    assert fn.args == ("taskGroupId",)
    assert fn.query == ("continuationToken", "limit")
    assert not fn.has_input
    assert FUNCS["createTask"].has_input
    assert FUNCS["createTask"].method == "PUT"
    assert fn.items_key == "tasks"


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name):
    assert FUNCS[name].signature() == SIGNATURES[name]


def test_route_and_args_must_agree():
    with pytest.raises(TaskclusterFailure) as info:
        CompiledFunction("Queue", dict(GET_ARTIFACT, args=["taskId", "runId"]))
    assert "Queue.getArtifact" in str(info.value)
    assert "name" in str(info.value)


# -- the four calling conventions (and mixtures) ------------------------------------------------

GOOD = [
    # 1. positional route args, payload last
    ("createTask", ("T1", PAYLOAD), {}, ("/task/T1", PAYLOAD, None)),
    (
        "getArtifact",
        ("T1", 0, "public/logs/live.log"),
        {},
        ("/task/T1/runs/0/artifacts/public%2Flogs%2Flive.log", None, None),
    ),
    ("ping", (), {}, ("/ping", None, None)),
    ("expandScopes", ({"scopes": ["a"]},), {}, ("/scopes/expand", {"scopes": ["a"]}, None)),
    # 2. route args as keywords, payload positional or payload=
    ("createTask", (PAYLOAD,), {"taskId": "T1"}, ("/task/T1", PAYLOAD, None)),
    ("createTask", (), {"taskId": "T1", "payload": PAYLOAD}, ("/task/T1", PAYLOAD, None)),
    ("getArtifact", (), {"taskId": "T1", "runId": 0, "name": "a b"}, ("/task/T1/runs/0/artifacts/a%20b", None, None)),
    ("expandScopes", (), {"payload": {"scopes": []}}, ("/scopes/expand", {"scopes": []}, None)),
    # 3. params= dict of route args
    ("createTask", (PAYLOAD,), {"params": {"taskId": "T1"}}, ("/task/T1", PAYLOAD, None)),
    ("createTask", (), {"params": {"taskId": "T1"}, "payload": PAYLOAD}, ("/task/T1", PAYLOAD, None)),
    (
        "getArtifact",
        (),
        {"params": {"taskId": "T1", "runId": 0, "name": "n"}},
        ("/task/T1/runs/0/artifacts/n", None, None),
    ),
    ("getArtifact", ("n",), {"params": {"taskId": "T1", "runId": 3}}, ("/task/T1/runs/3/artifacts/n", None, None)),
    # 4. positional + payload= + query=
    ("createTask", ("T1",), {"payload": PAYLOAD}, ("/task/T1", PAYLOAD, None)),
    ("listTaskGroup", ("G1",), {"query": {"limit": 10}}, ("/task-group/G1/list", None, {"limit": 10})),
    (
        "listTaskGroup",
        (),
        {"taskGroupId": "G1", "query": {"continuationToken": "c"}},
        ("/task-group/G1/list", None, {"continuationToken": "c"}),
    ),
    ("ping", (), {"query": {}}, ("/ping", None, {})),
    # mixing positional and named: positionals fill the route args not given by name, in order
    ("getArtifact", ("T1",), {"runId": 0, "name": "n"}, ("/task/T1/runs/0/artifacts/n", None, None)),
    ("getArtifact", ("T1", "n"), {"runId": 2}, ("/task/T1/runs/2/artifacts/n", None, None)),
    ("getArtifact", (0,), {"taskId": "T1", "name": "n"}, ("/task/T1/runs/0/artifacts/n", None, None)),
    ("createTask", ("T1",), {"payload": PAYLOAD, "query": {"x": "y"}}, ("/task/T1", PAYLOAD, {"x": "y"})),
    # route values: int incl. 0, str subclasses; escaping
    ("getArtifact", ("T1", 12, "x"), {}, ("/task/T1/runs/12/artifacts/x", None, None)),
    ("createTask", ("a/b?c#d", PAYLOAD), {}, ("/task/a%2Fb%3Fc%23d", PAYLOAD, None)),
    ("createTask", ("\u00e9", PAYLOAD), {}, ("/task/%C3%A9", PAYLOAD, None)),
    # a falsy payload given positionally is still the payload
    ("expandScopes", ({},), {}, ("/scopes/expand", {}, None)),
    ("createTask", ("T1", []), {}, ("/task/T1", [], None)),
    # args listed in another order than the route: values follow args, the path follows the route
    ("reordered", ("one", "two"), {}, ("/a/two/b/one", None, None)),
    ("reordered", (), {"second": "two", "first": "one"}, ("/a/two/b/one", None, None)),
]


@pytest.mark.parametrize("name, args, kwargs, expected", GOOD)
def test_calling_conventions(name, args, kwargs, expected):
    assert request_of(name, *args, **kwargs) == expected


def test_run_id_zero_in_every_convention():
    expected = ["T", "0", "n"]
    assert call("getArtifact", "T", 0, "n").route_values == expected
    assert call("getArtifact", taskId="T", runId=0, name="n").route_values == expected
    assert call("getArtifact", params={"taskId": "T", "runId": 0, "name": "n"}).route_values == expected
    assert call("getArtifact", "T", "n", runId=0).route_values == expected


def test_query_is_copied():
    query = {"limit": 5}
    result = call("listTaskGroup", "G", query=query, paginationLimit=7)
    assert result.query == {"limit": 7}
    assert query == {"limit": 5}
    result = call("listTaskGroup", "G", query=query)
    assert result.query == query and result.query is not query


BAD = [
    # wrong positional counts
    ("getArtifact", ("T", 0), {}, "2 positional"),
    ("getArtifact", ("T", 0, "n", "x"), {}, "4 positional"),
    ("getArtifact", (), {}, "0 positional"),
    ("ping", ("x",), {}, "1 positional"),
    ("createTask", ("T", PAYLOAD, PAYLOAD), {}, "3 positional"),
    # missing named argument
    ("getArtifact", (), {"taskId": "T", "runId": 0}, "name"),
    ("getArtifact", (), {"taskId": "T", "runId": None, "name": "n"}, "runId"),
    ("getArtifact", (), {"params": {"taskId": "T", "runId": 0}}, "name"),
    # route value types
    ("getArtifact", ("T", True, "n"), {}, "runId"),
    ("getArtifact", ("T", 1.0, "n"), {}, "runId"),
    ("getArtifact", (), {"taskId": "T", "runId": False, "name": "n"}, "runId"),
    ("getArtifact", (), {"params": {"taskId": b"T", "runId": 0, "name": "n"}}, "taskId"),
    ("createTask", (["T"], PAYLOAD), {}, "taskId"),
    # payload rules
    ("createTask", ("T",), {}, "payload"),
    ("createTask", (), {"taskId": "T"}, "payload"),
    ("createTask", (), {"params": {"taskId": "T"}}, "payload"),
    ("expandScopes", (), {}, "payload"),
    ("getArtifact", ("T", 0, "n"), {"payload": {}}, "no payload"),
    ("ping", (), {"payload": {"a": 1}}, "no payload"),
    ("createTask", ("T", PAYLOAD), {"payload": PAYLOAD}, "positional"),
    # params rules
    ("getArtifact", (), {"params": {"taskId": "T", "runId": 0, "name": "n"}, "taskId": "T"}, "params"),
    ("getArtifact", (), {"params": {"taskId": "T", "runId": 0, "name": "n", "bogus": 1}}, "bogus"),
    ("getArtifact", (), {"params": ["T", 0, "n"]}, "params"),
    ("getArtifact", ("T", 0, "n"), {"params": {"taskId": "T"}}, "positional"),
    # query must be a dict
    ("listTaskGroup", ("G",), {"query": "limit=5"}, "query"),
    ("listTaskGroup", ("G",), {"query": [("limit", 5)]}, "query"),
    # unknown keyword arguments
    ("getArtifact", ("T", 0, "n"), {"artifactName": "n"}, "artifactName"),
    ("ping", (), {"timeout": 5}, "timeout"),
    ("createTask", ("T", PAYLOAD), {"taskid": "T"}, "taskid"),
]


@pytest.mark.parametrize("name, args, kwargs, fragment", BAD)
def test_usage_errors_name_the_method_and_its_arguments(name, args, kwargs, fragment):
    with pytest.raises(TaskclusterFailure) as info:
        call(name, *args, **kwargs)
    message = str(info.value)
    assert SIGNATURES[name] in message
    assert fragment in message


def test_declared_query_parameters_as_keywords_go_to_the_query():
    result = call("listTaskGroup", "G", continuationToken="c", limit=10)
    assert (result.route_values, result.query) == (["G"], {"continuationToken": "c", "limit": 10})
    merged = call("listTaskGroup", "G", query={"limit": 5}, continuationToken="c")
    assert merged.query == {"limit": 5, "continuationToken": "c"}
    by_name = call("listTaskGroup", taskGroupId="G", continuationToken="c")
    assert (by_name.route_values, by_name.query) == (["G"], {"continuationToken": "c"})


def test_a_query_parameter_given_twice_is_an_error():
    with pytest.raises(TaskclusterFailure) as info:
        call("listTaskGroup", "G", query={"continuationToken": "a"}, continuationToken="b")
    assert "Queue.listTaskGroup(taskGroupId)" in str(info.value) and "continuationToken" in str(info.value)


def test_undeclared_keywords_still_fail_and_list_the_query_parameters():
    with pytest.raises(TaskclusterFailure) as info:
        call("listTaskGroup", "G", continuation="c")
    message = str(info.value)
    assert "'continuation'" in message and "continuationToken, limit" in message
    with pytest.raises(TaskclusterFailure):
        call("getArtifact", "T", 0, "n", continuationToken="c")


def test_non_callable_pagination_handler():
    with pytest.raises(TaskclusterFailure) as info:
        call("listTaskGroup", "G", paginationHandler="not callable")
    assert "Queue.listTaskGroup" in str(info.value)
    assert "paginationHandler" in str(info.value)


def test_pagination_handler_and_limit_are_passed_on():
    def handler(page):
        return None

    result = call("listTaskGroup", "G", paginationHandler=handler, paginationLimit=3)
    assert result.pagination_handler is handler
    assert result.query == {"limit": 3}


def test_pagination_limit_sets_query_limit_only_when_the_entry_has_limit():
    assert call("listTaskGroup", "G", paginationLimit=5).query == {"limit": 5}
    assert call("listTaskGroup", "G", query={"continuationToken": "c"}, paginationLimit=5).query == {
        "continuationToken": "c",
        "limit": 5,
    }
    assert call("getArtifact", "T", 0, "n", paginationLimit=5).query is None
    assert call("getArtifact", "T", 0, "n", query={"a": "b"}, paginationLimit=5).query == {"a": "b"}
    assert call("ping", paginationLimit=5).query is None


def test_allow_payload_false_for_url_building():
    fn = FUNCS["createTask"]
    result = process_args(fn, ("T",), (None,), None, None, None, {}, allow_payload=False)
    assert result.route_values == ["T"] and result.payload is None
    with pytest.raises(TaskclusterFailure):
        process_args(fn, ("T", PAYLOAD), (None,), None, None, None, {}, allow_payload=False)


def test_str_subclass_route_value():
    class Id(str):
        pass

    assert call("createTask", Id("T"), PAYLOAD).route_values == ["T"]


def test_int_subclass_route_value():
    class Run(int):
        pass

    assert call("getArtifact", "T", Run(4), "n").route_values == ["T", "4", "n"]


# -- encode_query --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        (None, ""),
        ({}, ""),
        ({"limit": 5}, "limit=5"),
        ({"b": "1", "a": "2", "c": "3"}, "b=1&a=2&c=3"),
        ({"a": None, "b": "x", "c": None}, "b=x"),
        ({"a": None}, ""),
        ({"tag": ["x", "y"], "n": 1}, "tag=x&tag=y&n=1"),
        ({"q": "a b/c"}, "q=a+b%2Fc"),
        ({"q": "a&b=c?d#e%"}, "q=a%26b%3Dc%3Fd%23e%25"),
        ({"continuationToken": "abc~_-.def"}, "continuationToken=abc~_-.def"),
        ({"q": "\u00e9"}, "q=%C3%A9"),
        ({"k y": "v"}, "k+y=v"),
    ],
)
def test_encode_query(query, expected):
    assert encode_query(query) == expected


def test_encode_query_tokens_round_trip():
    query = {"continuationToken": "a+b/c= d&e", "limit": 10}
    assert parse_qsl(encode_query(query)) == [("continuationToken", "a+b/c= d&e"), ("limit", "10")]


# -- encode_payload ------------------------------------------------------------------------------


def test_payload_is_compact_json():
    body = encode_payload(FUNCS["createTask"], {"a": 1, "b": [1, 2], "c": {"d": None, "e": True}})
    assert body == b'{"a":1,"b":[1,2],"c":{"d":null,"e":true}}'
    assert isinstance(body, bytes)


def test_payload_key_order_kept():
    assert encode_payload(FUNCS["createTask"], {"z": 1, "a": 2}) == b'{"z":1,"a":2}'


def test_payload_is_ascii():
    body = encode_payload(FUNCS["createTask"], {"name": "caf\u00e9 \u2603"})
    assert body == b'{"name":"caf\\u00e9 \\u2603"}'
    assert json.loads(body) == {"name": "caf\u00e9 \u2603"}


def test_payload_naive_datetime_is_utc_iso():
    body = encode_payload(FUNCS["createTask"], {"deadline": datetime.datetime(2020, 1, 2, 3, 4, 5)})
    value = json.loads(body)["deadline"]
    assert re.fullmatch(r"2020-01-02T03:04:05(\.0+)?Z", value)


def test_payload_utc_datetime_with_microseconds():
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    value = json.loads(encode_payload(FUNCS["createTask"], {"d": when}))["d"]
    assert value.endswith("Z")
    assert datetime.datetime.fromisoformat(value[:-1] + "+00:00") == when


def test_payload_aware_datetime_keeps_its_instant():
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    value = json.loads(encode_payload(FUNCS["createTask"], {"d": when}))["d"]
    assert datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) == when


def test_payload_aware_datetime_becomes_utc():
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    value = json.loads(encode_payload(FUNCS["createTask"], {"d": when}))["d"]
    assert value == "2020-01-02T01:04:05Z"


def test_payload_date_and_bytes():
    body = encode_payload(FUNCS["createTask"], {"day": datetime.date(2020, 1, 2), "raw": b"abc"})
    assert json.loads(body) == {"day": "2020-01-02", "raw": "abc"}


@pytest.mark.parametrize("bad", [{"s": {1, 2}}, {"o": object()}, {"c": 1j}, {"b": b"\xff"}])
def test_unserializable_payload_names_the_method(bad):
    with pytest.raises(TaskclusterFailure) as info:
        encode_payload(FUNCS["createTask"], bad)
    assert "Queue.createTask" in str(info.value)


def test_circular_payload_is_a_taskcluster_failure():
    payload = {}
    payload["self"] = payload
    with pytest.raises(TaskclusterFailure):
        encode_payload(FUNCS["createTask"], payload)


# -- next_page_query (taskcluster._pagination) ---------------------------------------------------


def test_next_page_query_adds_the_token_to_a_new_dict():
    query = {"limit": 10, "continuationToken": "old"}
    following = next_page_query(query, {"tasks": [], "continuationToken": "tok/en+1"})
    assert following == {"limit": 10, "continuationToken": "tok/en+1"}
    assert following is not query
    assert query == {"limit": 10, "continuationToken": "old"}


def test_next_page_query_without_a_query():
    assert next_page_query(None, {"continuationToken": "t"}) == {"continuationToken": "t"}
    assert next_page_query({}, {"continuationToken": "t"}) == {"continuationToken": "t"}


@pytest.mark.parametrize(
    "page",
    [
        {},
        {"tasks": [1]},
        {"continuationToken": ""},
        {"continuationToken": None},
        None,
        [],
        ["continuationToken"],
        "continuationToken",
        {"response": object()},
    ],
)
def test_next_page_query_stops_without_a_token(page):
    query = {"limit": 1}
    assert next_page_query(query, page) is None
    assert query == {"limit": 1}
