"""Clients generated from real Discovery documents, called against a loopback recorder and compared with what
googleapiclient (the oracle, ``oracle.py``) builds for the same call: method, percent-encoded path, query and body,
for every case the oracle derives from each document, on the sync and on the async client.

Also: pagination over scripted pages, the calls googleapiclient refuses (refused here too, before anything is
sent), error answers and retries.
"""

import contextlib
import io
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import oracle
import pytest
import requests
from discovery_support import (
    TOKEN,
    call_async,
    call_sync,
    check,
    client_classes,
    generated,
    options,
)
from googleapiclient.discovery import key2param
from recorder import Answer, Recorder
from requests.adapters import BaseAdapter

from codegen.discovery import to_manifest
from codegen.rest import generate_package
from taskcluster.exceptions import TaskclusterFailure, TaskclusterRestFailure

HERE = Path(__file__).resolve().parent
# document -> the package generated from it
PACKAGES = {"cloudtasks.v2beta2.json": "gen_cloudtasks", "remotebuildexecution.v2.json": "gen_remotebuildexecution"}
CLOUDTASKS = "cloudtasks.v2beta2.json"
DOCUMENTS = {name: oracle.load_document(name) for name in oracle.DOCUMENTS}

CASES = [(name, case) for name in oracle.DOCUMENTS for case in oracle.cases(DOCUMENTS[name])]
CASE_IDS = [f"{name.split('.')[0]}:{case.label}" for name, case in CASES]
INVALID = [(name, case) for name in oracle.DOCUMENTS for case in oracle.invalid_cases(DOCUMENTS[name])]
INVALID_IDS = [f"{name.split('.')[0]}:{case[0]}" for name, case in INVALID]

QUEUES = ("projects", "locations", "queues")
PARENT = "projects/p 1/locations/us-east1"
QUEUE = PARENT + "/queues/q"
# Calls beyond the oracle's cases, on Cloud Tasks: (label, method id, resource path, method, kwargs).
EXTRA: List[Tuple[str, str, Tuple[str, ...], str, Dict[str, Any]]] = [
    ("no-body", "cloudtasks.projects.locations.queues.create", QUEUES, "create", {"parent": PARENT}),
    (
        "repeated-single-value",
        "cloudtasks.projects.locations.list",
        ("projects", "locations"),
        "list",
        {"name": "projects/p", "extraLocationTypes": "one value"},
    ),
    (
        "values-of-other-types",
        "cloudtasks.projects.locations.list",
        ("projects", "locations"),
        "list",
        {"name": "projects/p", "pageSize": "07", "prettyPrint": 0, "filter": 12},
    ),
    ("none-left-out", "cloudtasks.projects.locations.queues.list", QUEUES, "list", {"parent": PARENT, "filter": None}),
    ("alt-is-forced", "cloudtasks.projects.locations.queues.get", QUEUES, "get", {"name": QUEUE, "alt": "media"}),
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Tuple[type, type]]]:
    """The sync and async client classes generated from each document, by document name."""
    out_dir = tmp_path_factory.mktemp("discovery_packages")
    with contextlib.ExitStack() as stack:
        result = {}
        for name, package in PACKAGES.items():
            module = stack.enter_context(generated(DOCUMENTS[name], package, out_dir, name))
            result[name] = client_classes(module)
        yield result


# --- every oracle case --------------------------------------------------------------------------------------------


def test_cases_cover_every_method():
    for name in oracle.DOCUMENTS:
        ids = {case.method_id for n, case in CASES if n == name}
        assert len(ids) == sum(1 for n, _ in CASES if n == name) // 3 > 5


@pytest.fixture(scope="module")
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.fixture
def recorder(server: Recorder) -> Recorder:
    server.reset()
    return server


@pytest.mark.parametrize("name, case", CASES, ids=CASE_IDS)
def test_sync_call(clients, recorder, name, case):
    sync, _ = clients[name]
    result = call_sync(sync, options(recorder.url), case.resource_path, case.method_name, **case.kwargs)
    assert result == {}
    check(recorder, case.expected)


@pytest.mark.parametrize("name, case", CASES, ids=CASE_IDS)
async def test_async_call(clients, recorder, name, case):
    _, asynchronous = clients[name]
    result = await call_async(asynchronous, options(recorder.url), case.resource_path, case.method_name, **case.kwargs)
    assert result == {}
    check(recorder, case.expected)


@pytest.mark.parametrize("label, method_id, resource_path, method_name, kwargs", EXTRA, ids=[e[0] for e in EXTRA])
async def test_more_calls(clients, recorder, label, method_id, resource_path, method_name, kwargs):
    """Calls the oracle's cases leave out, still described by googleapiclient."""
    expected = oracle.expected_for(DOCUMENTS[CLOUDTASKS], method_id, kwargs)
    sync, asynchronous = clients[CLOUDTASKS]
    call_sync(sync, options(recorder.url), resource_path, method_name, **kwargs)
    check(recorder, expected)
    recorder.reset()
    await call_async(asynchronous, options(recorder.url), resource_path, method_name, **kwargs)
    check(recorder, expected)


async def test_the_answer_is_returned(clients, recorder):
    sync, asynchronous = clients[CLOUDTASKS]
    queue = {"name": PARENT + "/queues/q", "state": "RUNNING", "rateLimits": {"maxTasksDispatchedPerSecond": 2.5}}
    recorder.script(Answer(200, queue))
    assert call_sync(sync, options(recorder.url), QUEUES, "get", name=queue["name"]) == queue
    recorder.script(Answer(200, queue))
    assert await call_async(asynchronous, options(recorder.url), QUEUES, "get", name=queue["name"]) == queue


# --- pagination ---------------------------------------------------------------------------------------------------

PAGES = [
    {"queues": [{"name": "q1"}, {"name": "q2"}], "nextPageToken": "token 1/é"},
    {"queues": [{"name": "q3"}], "nextPageToken": "token-2"},
    {"queues": [{"name": "q4"}]},
]


def check_page_requests(recorder: Recorder) -> None:
    """Three list requests: the first without a page token, then each with the previous page's token."""
    assert len(recorder.requests) == 3
    tokens = [dict(r.pairs()).get("pageToken") for r in recorder.requests]
    assert tokens == [None, "token 1/é", "token-2"]
    for request in recorder.requests:
        assert request.method == "GET"
        assert request.path == "/v2beta2/projects/p%201/locations/us-east1/queues"
        assert ("alt", "json") in request.pairs() and ("filter", "state: RUNNING") in request.pairs()
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_sync_pages_and_items(clients, recorder):
    sync, _ = clients[CLOUDTASKS]
    with sync(options(recorder.url)) as client:
        recorder.script(*(Answer(200, page) for page in PAGES))
        pages = list(client.projects.locations.queues.list.pages(parent=PARENT, filter="state: RUNNING"))
        assert pages == PAGES
        check_page_requests(recorder)
        recorder.reset()
        recorder.script(*(Answer(200, page) for page in PAGES))
        items = list(client.projects.locations.queues.list.items(parent=PARENT, filter="state: RUNNING"))
        assert [item["name"] for item in items] == ["q1", "q2", "q3", "q4"]
        check_page_requests(recorder)


async def test_async_pages_and_items(clients, recorder):
    _, asynchronous = clients[CLOUDTASKS]
    async with asynchronous(options(recorder.url)) as client:
        recorder.script(*(Answer(200, page) for page in PAGES))
        pages = [p async for p in client.projects.locations.queues.list.pages(parent=PARENT, filter="state: RUNNING")]
        assert pages == PAGES
        check_page_requests(recorder)
        recorder.reset()
        recorder.script(*(Answer(200, page) for page in PAGES))
        items = [i async for i in client.projects.locations.queues.list.items(parent=PARENT, filter="state: RUNNING")]
        assert [item["name"] for item in items] == ["q1", "q2", "q3", "q4"]
        check_page_requests(recorder)


def test_a_plain_call_of_a_paginated_method_is_one_page(clients, recorder):
    sync, _ = clients[CLOUDTASKS]
    recorder.script(Answer(200, PAGES[0]))
    assert call_sync(sync, options(recorder.url), QUEUES, "list", parent=PARENT, pageToken="t0") == PAGES[0]
    assert ("pageToken", "t0") in recorder.only().pairs()


# --- refused calls ------------------------------------------------------------------------------------------------


def _wire_names(document: Dict[str, Any]) -> Dict[str, Set[str]]:
    """googleapiclient's Python name -> the wire names it stands for, over every parameter of a document."""
    names: Dict[str, Set[str]] = {}

    def add(params: Dict[str, Any]) -> None:
        for wire in params:
            names.setdefault(key2param(wire), set()).add(wire)

    def walk(resource: Dict[str, Any]) -> None:
        for desc in resource.get("methods", {}).values():
            add(desc.get("parameters", {}))
        for sub in resource.get("resources", {}).values():
            walk(sub)

    add(document.get("parameters", {}))
    walk(document)
    return names


def refused_parameter(label: str) -> str:
    """The Python name of the parameter an invalid case is about (the last part of its label)."""
    return "no_such_parameter" if label.endswith("-unknown-keyword") else label.rsplit("-", 1)[1]


def check_refusal(error: BaseException, name: str, case: Tuple[Any, ...]) -> None:
    """The refusal names the parameter; a TypeError only where Python's own signature check refuses the call."""
    label, _, _, kwargs, reason = case
    if isinstance(error, TypeError):
        param = refused_parameter(label)
        signature = reason == "unexpected keyword argument" or (
            reason == "missing required parameter" and param not in kwargs
        )
        assert signature, f"{label}: a TypeError for {reason!r}: {error}"
    param = refused_parameter(label)
    names = {param} | _wire_names(DOCUMENTS[name]).get(param, set())
    assert any(n in str(error) for n in names), f"{label}: {error!s} names none of {sorted(names)}"


@pytest.mark.parametrize("name, case", INVALID, ids=INVALID_IDS)
def test_sync_refuses_what_googleapiclient_refuses(clients, recorder, name, case):
    _, resource_path, method_name, kwargs, _ = case
    sync, _ = clients[name]
    with pytest.raises((TaskclusterFailure, TypeError)) as info:
        call_sync(sync, options(recorder.url), resource_path, method_name, **kwargs)
    check_refusal(info.value, name, case)
    assert recorder.requests == []


@pytest.mark.parametrize("name, case", INVALID, ids=INVALID_IDS)
async def test_async_refuses_what_googleapiclient_refuses(clients, recorder, name, case):
    _, resource_path, method_name, kwargs, _ = case
    _, asynchronous = clients[name]
    with pytest.raises((TaskclusterFailure, TypeError)) as info:
        await call_async(asynchronous, options(recorder.url), resource_path, method_name, **kwargs)
    check_refusal(info.value, name, case)
    assert recorder.requests == []


def test_invalid_cases_cover_each_kind():
    labels = [case[0] for _, case in INVALID]
    for kind in ("-missing-", "-none-", "-pattern-", "-enum-", "-enum-x__xgafv", "-unknown-keyword", "-snake-"):
        assert any(kind in label for label in labels), kind


# --- errors and retries -------------------------------------------------------------------------------------------

NOT_FOUND = {"error": {"code": 404, "message": "Queue not found", "status": "NOT_FOUND"}}


def check_not_found(error: TaskclusterRestFailure) -> None:
    assert "NOT_FOUND" in str(error) and "Queue not found" in str(error)
    assert error.status_code == 404
    assert error.body == NOT_FOUND


async def test_an_error_answer_is_a_rest_failure(clients, recorder):
    sync, asynchronous = clients[CLOUDTASKS]
    name = PARENT + "/queues/gone"
    recorder.script(Answer(404, NOT_FOUND))
    with pytest.raises(TaskclusterRestFailure) as info:
        call_sync(sync, options(recorder.url), QUEUES, "get", name=name)
    check_not_found(info.value)
    assert len(recorder.requests) == 1  # a 4xx is not retried
    recorder.reset()
    recorder.script(Answer(404, NOT_FOUND))
    with pytest.raises(TaskclusterRestFailure) as info:
        await call_async(asynchronous, options(recorder.url), QUEUES, "get", name=name)
    check_not_found(info.value)
    assert len(recorder.requests) == 1


UNAVAILABLE = {"error": {"code": 503, "message": "try again", "status": "UNAVAILABLE"}}


async def test_a_503_is_retried(clients, recorder):
    sync, asynchronous = clients[CLOUDTASKS]
    name = PARENT + "/queues/q"
    queue = {"name": name}
    recorder.script(Answer(503, UNAVAILABLE), Answer(200, queue))
    assert call_sync(sync, options(recorder.url, maxRetries=2), QUEUES, "get", name=name) == queue
    first, second = recorder.requests
    assert (first.path, first.pairs()) == (second.path, second.pairs())
    recorder.reset()
    recorder.script(Answer(503, UNAVAILABLE), Answer(200, queue))
    assert await call_async(asynchronous, options(recorder.url, maxRetries=2), QUEUES, "get", name=name) == queue
    assert len(recorder.requests) == 2


def test_retries_run_out(clients, recorder):
    sync, _ = clients[CLOUDTASKS]
    recorder.script(*[Answer(503, UNAVAILABLE)] * 2)
    with pytest.raises(TaskclusterRestFailure) as info:
        call_sync(sync, options(recorder.url, maxRetries=1), QUEUES, "get", name=PARENT + "/queues/q")
    assert info.value.status_code == 503 and "UNAVAILABLE" in str(info.value)
    assert len(recorder.requests) == 2


class _Intercept(BaseAdapter):
    """A transport adapter that answers ``{}`` without any network, keeping the URLs it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: List[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.urls.append(str(request.url))
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(b"{}")
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_default_root_url_is_the_documents(clients):
    """Without the rootUrl option, requests go to the document's rootUrl."""
    sync, _ = clients[CLOUDTASKS]
    adapter = _Intercept()
    with requests.Session() as session:
        session.mount("https://", adapter)
        with sync({"token": TOKEN}, session=session) as client:
            client.projects.locations.queues.get(name="projects/p/locations/l/queues/q")
    assert adapter.urls == ["https://cloudtasks.googleapis.com/v2beta2/projects/p/locations/l/queues/q?alt=json"]


def test_generated_files(tmp_path):
    """One document gives one package of the documented files, each valid Python (or the empty py.typed)."""
    paths = generate_package(to_manifest(DOCUMENTS[CLOUDTASKS], CLOUDTASKS), "pkg", tmp_path, CLOUDTASKS)
    names = sorted(p.relative_to(tmp_path / "pkg").as_posix() for p in paths)
    assert {"__init__.py", "_tables.py", "client.py", "aio.py", "types.py"} <= set(names)
    for path in paths:
        if path.suffix == ".py":
            compile(path.read_text(encoding="utf-8"), str(path), "exec")


# --- a method parameter with the name of a common one -------------------------------------------------------------


def shadowing_document() -> Dict[str, Any]:
    """The tiny document with a common query parameter ``key`` (as Google's API key) and ``beds.get`` taking its
    resource name as the path parameter ``key`` (as recaptchaenterprise's ``projects.keys.retrieveLegacySecretKey``)."""
    document: Dict[str, Any] = json.loads((HERE / "data" / "tiny.discovery.json").read_text(encoding="utf-8"))
    document["parameters"]["key"] = {"location": "query", "type": "string", "description": "An API key."}
    get = document["resources"]["beds"]["methods"]["get"]
    get["path"] = "v1/{+key}"
    get["parameters"] = {"key": get["parameters"].pop("name")}
    get["parameterOrder"] = ["key"]
    return document


async def test_an_own_path_parameter_shadows_a_common_one(tmp_path, recorder):
    document = shadowing_document()
    kwargs = {"key": "sites/s/beds/b"}
    expected = oracle.expected_for(document, "tinygarden.beds.get", kwargs)
    assert expected.query == (("alt", "json"),)  # googleapiclient: `key` goes in the path only
    with generated(document, "gen_shadowing", tmp_path, "shadowing.json") as module:
        sync, asynchronous = client_classes(module)
        call_sync(sync, options(recorder.url), ("beds",), "get", **kwargs)
        check(recorder, expected)
        recorder.reset()
        await call_async(asynchronous, options(recorder.url), ("beds",), "get", **kwargs)
        check(recorder, expected)
