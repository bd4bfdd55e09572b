"""Rendering a small manifest: the generated text compiles, carries the right tables,
calls the runtime with the right arguments, documents itself, is ruff-clean and is
byte-for-byte deterministic."""

import ast
import asyncio
import json
import random
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from codegen import manifest, render
from codegen.model import AllOf, Scope

GEN = "taskcluster/generated/"


def build(data: Dict[str, Any]) -> Dict[str, str]:
    assert manifest.validate(data) == []
    return render.render(manifest.build_model(data))


def class_tables(source: str, class_name: str) -> Dict[str, Any]:
    """The literal class attributes of a generated class, read with ast.literal_eval."""
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    tables = {}
    for node in cls.body:
        if isinstance(node, ast.AnnAssign):
            tables[node.target.id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign):
            tables[node.targets[0].id] = ast.literal_eval(node.value)
    return tables


class StubBase:
    """Stands in for taskcluster.client.BaseClient: records what the generated methods pass."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Any, ...]] = []

    def _apiCall(self, *call: Any) -> str:
        self.calls.append(call)
        return "result"

    def _topicExchange(self, *call: Any) -> Dict[str, str]:
        self.calls.append(call)
        return {"exchange": "x", "routingKeyPattern": "y"}


class AsyncStubBase(StubBase):
    async def _apiCall(self, *call: Any) -> str:  # type: ignore[override]
        self.calls.append(call)
        return "async result"


def _without_lines(text: str, prefixes: Any) -> str:
    """`text` without the lines starting with one of `prefixes` (the generated module's relative imports)."""
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith(tuple(prefixes))]
    assert len(kept) < len(text.splitlines()), "no import to replace"
    return "".join(kept)


# The generated modules' runtime imports other than the base client's, made absolute so that the text can run alone.
RUNTIME_IMPORTS = {
    "from .._events import ": "from taskcluster._events import ",
    "from .._pagination import ": "from taskcluster._pagination import ",
    "from ..._events import ": "from taskcluster._events import ",
    "from ..._pagination import ": "from taskcluster._pagination import ",
}


def _absolute(text: str) -> str:
    for relative, absolute in RUNTIME_IMPORTS.items():
        text = text.replace(relative, absolute)
    return text


def load_sync(text: str, class_name: str) -> Any:
    assert "from ..client import BaseClient\n" in text
    namespace: Dict[str, Any] = {"BaseClient": StubBase, "__name__": "generated_under_test"}
    exec(compile(_absolute(_without_lines(text, ["from ..client import "])), "<sync>", "exec"), namespace)
    return namespace[class_name]


def load_async(text: str, class_name: str, module: str, sync_class: Any) -> Any:
    assert "from ...aio.asyncclient import AsyncBaseClient\nfrom ...aio.asyncclient import config" in text
    assert f"from .. import {module} as _sync\n" in text
    namespace: Dict[str, Any] = {
        "AsyncBaseClient": AsyncStubBase,
        "_sync": types.SimpleNamespace(**{class_name: sync_class}),
        "__name__": "generated_async_under_test",
    }
    source = _without_lines(text, ["from ...aio.asyncclient import ", f"from .. import {module} as _sync"])
    exec(compile(_absolute(source), "<async>", "exec"), namespace)
    return namespace[class_name]


def test_renders_every_file(small):
    files = build(small)
    assert sorted(files) == [
        "docs/reference/README.md",
        "docs/reference/widgets-types.md",
        "docs/reference/widgets.md",
        "docs/reference/widgetsevents-types.md",
        "docs/reference/widgetsevents.md",
        "taskcluster/_services.py",
        "taskcluster/aio/_services.py",
        "taskcluster/aio/widgets.py",
        "taskcluster/aio/widgetsevents.py",
        GEN + "__init__.py",
        GEN + "_registry.py",
        GEN + "aio/__init__.py",
        GEN + "aio/widgets.py",
        GEN + "aio/widgetsevents.py",
        GEN + "schemas/__init__.py",
        GEN + "schemas/widgets.json",
        GEN + "schemas/widgetsevents.json",
        GEN + "widgets.py",
        GEN + "widgetsevents.py",
        "taskcluster/types/__init__.py",
        "taskcluster/types/widgets.py",
        "taskcluster/types/widgetsevents.py",
        "taskcluster/widgets.py",
        "taskcluster/widgetsevents.py",
    ]
    for name, text in files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert all(line == line.rstrip() for line in text.split("\n")), name
        if name.endswith(".py"):
            compile(text, name, "exec")
            assert render.MARKER in text.split("\n", 3)[0] + text.split("\n", 3)[2], name


def test_runtime_schemas_are_the_manifests_compact_and_sorted(small):
    files = build(small)
    widgets = files[GEN + "schemas/widgets.json"]
    assert json.loads(widgets) == small["Widgets"]["schemas"]
    assert widgets == json.dumps(small["Widgets"]["schemas"], sort_keys=True, separators=(",", ":")) + "\n"
    assert files[GEN + "schemas/widgetsevents.json"] == "{}\n"  # a class without schemas
    assert 'MODULES: Tuple[str, ...] = (\n    "widgets",\n    "widgetsevents",\n)' in files[GEN + "schemas/__init__.py"]


def test_funcinfo_and_tables(small):
    files = build(small)
    tables = class_tables(files[GEN + "widgets.py"], "Widgets")
    assert tables["serviceName"] == "widgets"
    assert tables["apiVersion"] == "v1"
    assert tables["deprecated"] is False
    assert tables["classOptions"] == {}
    assert tables["exchangeinfo"] == {}
    assert tables["paginated"] == {"listWidgets": "widgets"}
    assert tables["funcinfo"]["createWidget"] == {
        "args": ["widgetId", "partId"],
        "input": "v1/create-widget-request.json#",
        "method": "put",
        "name": "createWidget",
        "output": "v1/widget.json#",
        "query": ["dryRun"],
        "route": "/widgets/<widgetId>/parts/<partId>",
        "scopes": small["Widgets"]["reference"]["entries"][1]["scopes"],
        "stability": "experimental",
    }
    # optional keys are absent, not None
    assert tables["funcinfo"]["ping"] == {
        "args": [],
        "method": "get",
        "name": "ping",
        "query": [],
        "route": "/ping",
        "stability": "stable",
    }
    # dict literals are emitted with sorted keys
    text = files[GEN + "widgets.py"]
    assert text.index('"createWidget": {') < text.index('"listWidgets": {') < text.index('"ping": {')


def test_exchangeinfo(small):
    files = build(small)
    tables = class_tables(files[GEN + "widgetsevents.py"], "WidgetsEvents")
    assert tables["classOptions"] == {"exchangePrefix": "exchange/widgets/v1/"}
    assert tables["deprecated"] is True
    assert tables["funcinfo"] == {}
    assert tables["exchangeinfo"] == {
        "widgetCreated": {
            "exchange": "widget-created",
            "name": "widgetCreated",
            "routingKey": [
                {"constant": "primary", "multipleWords": False, "name": "routingKeyKind", "required": True},
                {"multipleWords": False, "name": "widgetId", "required": True},
                {"multipleWords": True, "name": "reserved", "required": False},
            ],
            "schema": "v1/widget-created-message.json#",
        }
    }


def test_sync_methods_delegate_with_route_arguments_in_order(small):
    Widgets = load_sync(build(small)[GEN + "widgets.py"], "Widgets")
    client = Widgets()
    assert client.createWidget("w", "p", {"size": 1}) == "result"
    client.createWidget({"size": 1}, widgetId="w", partId="p", query={"dryRun": "1"})
    client.createWidget(payload={"size": 1}, params={"widgetId": "w", "partId": "p"}, extra=1)
    client.createWidget("w", "p", {"size": 1}, dryRun="yes")
    client.listWidgets(query={"limit": 2})
    client.listWidgets(limit=2, paginationHandler=print, paginationLimit=None, continuationToken=None)
    client.ping()
    assert client.calls == [
        ("createWidget", ("w", "p", {"size": 1}), (None, None), None, None, None, {}),
        ("createWidget", ({"size": 1},), ("w", "p"), None, {"dryRun": "1"}, None, {}),
        ("createWidget", (), (None, None), {"size": 1}, None, {"widgetId": "w", "partId": "p"}, {"extra": 1}),
        ("createWidget", ("w", "p", {"size": 1}), (None, None), None, None, None, {"dryRun": "yes"}),
        # a paginated method passes the query keywords and pagination options it was given, and only those
        ("listWidgets", (), (), None, {"limit": 2}, None, {}),
        ("listWidgets", (), (), None, None, None, {"limit": 2, "paginationHandler": print}),
        ("ping", (), (), None, None, None, {}),
    ]


def _methods(source: str) -> Dict[str, List[ast.FunctionDef]]:
    """The function definitions of the first class in `source`, by name (overloads first, in order)."""
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef))
    methods: Dict[str, List[ast.FunctionDef]] = {}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.setdefault(node.name, []).append(node)
    return methods


def _signature(f: ast.FunctionDef) -> str:
    return ast.unparse(f.args) + " -> " + ast.unparse(f.returns)


def test_signatures_use_the_route_argument_names(small):
    methods = _methods(build(small)[GEN + "widgets.py"])
    # the implementation keeps the historical shape, with the route arguments' names for help() and inspect
    *overloads, create = methods["createWidget"]
    assert create.args.vararg.arg == "args" and create.args.kwarg.arg == "kwargs"
    assert [a.arg for a in create.args.kwonlyargs] == ["widgetId", "partId", "payload", "query", "params"]
    assert ast.unparse(create.args.kwonlyargs[0].annotation) == "Optional[Union[str, int]]"
    # one overload for positional route arguments, one for keywords, one for params
    assert all(ast.unparse(o.decorator_list[0]) == "overload" for o in overloads)
    query = "query: Optional[Mapping[str, Any]]=None, dryRun: Optional[str]=None"
    assert [_signature(o) for o in overloads] == [
        f"self, widgetId: str, partId: str, /, payload: _types.CreateWidgetRequest, *, {query} -> _types.Widget",
        f"self, /, payload: _types.CreateWidgetRequest, *, widgetId: str, partId: str, {query} -> _types.Widget",
        f"self, /, payload: _types.CreateWidgetRequest, *, params: Mapping[str, Union[str, int]], {query}"
        " -> _types.Widget",
    ]
    # a paginated method: one signature, the decorator with the item type
    (listing,) = methods["listWidgets"]
    assert ast.unparse(listing.decorator_list[0]) == "sync_paginated['_types.Widget']()"
    assert _signature(listing) == (
        "self, /, *, query: Optional[Mapping[str, Any]]=None, params: Optional[Mapping[str, Union[str, int]]]=None, "
        "continuationToken: Optional[str]=None, limit: Optional[int]=None, "
        "paginationHandler: Optional[Callable[[_types.WidgetList], object]]=None, paginationLimit: Optional[int]=None"
        " -> _types.WidgetList"
    )
    # no output schema: Any
    *_, ping = methods["ping"]
    assert ast.unparse(ping.returns) == "Any"
    assert [ast.unparse(o.returns) for o in methods["ping"][:-1]] == ["Any", "Any"]


def test_async_class_shares_the_sync_tables(small):
    files = build(small)
    Widgets = load_sync(files[GEN + "widgets.py"], "Widgets")
    AsyncWidgets = load_async(files[GEN + "aio/widgets.py"], "Widgets", "widgets", Widgets)
    for table in ("classOptions", "serviceName", "apiVersion", "deprecated", "funcinfo", "exchangeinfo", "paginated"):
        assert getattr(AsyncWidgets, table) is getattr(Widgets, table)
    client = AsyncWidgets()
    assert asyncio.run(client.createWidget("w", "p", payload={})) == "async result"
    assert client.calls == [("createWidget", ("w", "p"), (None, None), {}, None, None, {})]

    Events = load_sync(files[GEN + "widgetsevents.py"], "WidgetsEvents")
    AsyncEvents = load_async(files[GEN + "aio/widgetsevents.py"], "WidgetsEvents", "widgetsevents", Events)
    events = AsyncEvents()
    # exchange methods stay synchronous
    assert events.widgetCreated(widgetId="w") == {"exchange": "x", "routingKeyPattern": "y"}
    assert events.calls == [("widgetCreated", (), {"widgetId": "w"})]


def test_docstrings(small):
    files = build(small)
    Widgets = load_sync(files[GEN + "widgets.py"], "Widgets")
    doc = Widgets.createWidget.__doc__
    assert doc.startswith("Create Widget.\n")
    assert "Creates a widget part." in doc
    for convention in (
        "widgets.createWidget(widgetId, partId, payload)",
        "widgets.createWidget(payload, widgetId=..., partId=...)",
        'widgets.createWidget(payload=..., params={"widgetId": ..., "partId": ...}, query={"dryRun": ...})',
        'widgets.createWidget(widgetId, partId, payload=..., query={"dryRun": ...})',
    ):
        assert convention in doc
    assert "query: query-string parameters: ``dryRun``." in doc
    assert "payload: the request body, ``taskcluster.types.widgets.CreateWidgetRequest`` (a dict)." in doc
    assert "``taskcluster.types.widgets.Widget``: the response body." in doc
    assert "partId: the ``<partId>`` part of the route, ``str``." in doc
    assert "Request: ``PUT /widgets/<widgetId>/parts/<partId>``" in doc
    assert "Input schema: ``v1/create-widget-request.json#``" in doc
    assert "Output schema: ``v1/widget.json#``" in doc
    assert "Stability: ``experimental``" in doc
    scopes = doc.split("Scopes::")[1]
    for line in (
        "All of:",
        "- widgets:create:<widgetId>",
        "- For each tag in tags: widgets:tag:<tag>",
        "- If public is true:",
        "    Any of:",
        "    - widgets:publish",
    ):
        assert "\n            " + line + "\n" in scopes
    listing = Widgets.listWidgets.__doc__
    assert "Deprecated:" in listing and "items are under ``widgets``" in listing
    assert "Scopes::\n\n            widgets:list\n" in listing
    assert "Scopes: none required." in Widgets.ping.__doc__
    assert "typed ``Any``: the service declares no output schema" in Widgets.ping.__doc__
    # quotes and backslashes of descriptions survive the docstring escaping
    assert 'Keeps "widgets"; a backslash \\ and a """triple quote""" must survive.' in Widgets.__doc__

    Events = load_sync(files[GEN + "widgetsevents.py"], "WidgetsEvents")
    assert "Deprecated:" in Events.__doc__
    edoc = Events.widgetCreated.__doc__
    assert "Exchange: ``exchange/widgets/v1/widget-created``" in edoc
    assert 'widgetsEvents.widgetCreated(widgetId="...")' in edoc
    assert 'routingKeyKind: required, constant "primary"' in edoc
    assert "reserved:       optional, multiple words" in edoc


def test_compat_modules_and_registry(small):
    files = build(small)
    stub = files["taskcluster/_services.py"]
    assert "from .generated.widgets import Widgets as Widgets\n" in stub and '    "WidgetsEvents",\n' in stub
    assert "from ..generated.aio.widgets import Widgets as Widgets\n" in files["taskcluster/aio/_services.py"]
    sync = files["taskcluster/widgets.py"]
    assert "from .generated.widgets import Widgets\n" in sync
    assert "from .client import config as config\n" in sync
    assert "from .client import createTemporaryCredentials as createTemporaryCredentials\n" in sync
    assert "from .client import createApiClient as createApiClient\n" in sync
    assert '__all__ = ["Widgets", "config", "createApiClient", "createSession", "createTemporaryCredentials"]' in sync
    aio = files["taskcluster/aio/widgets.py"]
    assert "from ..generated.aio.widgets import Widgets\n" in aio
    assert "from .asyncclient import createTemporaryCredentials as createTemporaryCredentials\n" in aio
    assert "from .asyncclient import createSession as createSession\n" in aio
    namespace: Dict[str, Any] = {}
    registry = files[GEN + "_registry.py"].replace("from typing import Dict\n", "from typing import Dict as Dict\n")
    exec(registry, namespace)
    assert namespace["SERVICES"] == {"Widgets": "widgets", "WidgetsEvents": "widgetsevents"}


def test_docs(small):
    files = build(small)
    page = files["docs/reference/widgets.md"]
    assert page.startswith("<!-- Generated by `python -m codegen`")
    assert "# Widget Service (`Widgets`)" in page
    assert 'widgets = taskcluster.Widgets({"rootUrl": "https://tc.example.com"})' in page
    assert "widgets = taskcluster.aio.Widgets(options, session=session)" in page
    assert "### `createWidget`" in page
    assert "widgets.createWidget(payload, widgetId=..., partId=...)" in page
    assert "| Query parameters | `dryRun` |" in page
    create = page.split("### `createWidget`")[1].split("### ")[0]
    assert "- 400 `InputValidationError`" in create and "- 403 `InsufficientScopes`" in create
    assert "- 404 `ResourceNotFound`" not in create  # a PUT creates what its route names
    assert "    result = widgets.createWidget(widgetId, partId, payload)\n" in create
    types = "widgets-types.md"
    row = f"| Input schema | `v1/create-widget-request.json#` ([`CreateWidgetRequest`]({types}#createwidgetrequest)) |"
    assert row in page
    assert f"| Output schema | `v1/widget.json#` ([`Widget`]({types}#widget)) |" in page
    assert f"| Pagination | items under `widgets` ([`Widget`]({types}#widget)), next page via" in page
    assert "| Stability | experimental |" in page
    assert "- For each tag in tags: widgets:tag:<tag>" in page
    assert "> **Deprecated:** this method is deprecated" in page.split("### `listWidgets`")[1]
    events = files["docs/reference/widgetsevents.md"]
    assert "> **Deprecated:** current Taskcluster deployments no longer run this service" in events
    assert "- Exchange: `exchange/widgets/v1/widget-created`" in events
    untyped = "- Message schema: `v1/widget-created-message.json#` (untyped: the schema is no longer published)"
    assert untyped in events
    assert "(untyped: the schema is no longer published)" in files[GEN + "widgetsevents.py"]
    assert "Input schema: ``v1/create-widget-request.json#``\n" in files[GEN + "widgets.py"]
    assert "| 1 | `routingKeyKind` | yes | no | `primary` |" in events
    assert "| 3 | `reserved` | no | yes |  |" in events
    index = files["docs/reference/README.md"]
    assert "| [`Widgets`](widgets.md) | Widget Service | `widgets` v1 | 3 methods | current |" in index
    row = "| [`WidgetsEvents`](widgetsevents.md) | Widget Exchanges | `widgets` v1 | 1 exchange | deprecated |"
    assert row in index


def test_deterministic_and_independent_of_manifest_order(small):
    first = build(small)
    assert build(small) == first
    shuffled = dict(reversed(list(small.items())))
    for cls in shuffled.values():
        random.Random(4).shuffle(cls["reference"]["entries"])
    assert build(shuffled) == first


def test_generation_twice_gives_identical_bytes(small, write_manifest, run, tree, tmp_path):
    path = write_manifest(small)
    assert run("--manifest", str(path), "--out", str(tmp_path / "a"))[0] == 0
    assert run("--manifest", str(path), "--out", str(tmp_path / "b"))[0] == 0
    status, out, _ = run("--manifest", str(path), "--out", str(tmp_path / "a"))
    assert status == 0 and "0 written" in out
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_long_lines_are_wrapped_within_the_limit(small):
    words = " ".join(f"word{i}" for i in range(80))
    small["Widgets"]["reference"]["entries"][1]["description"] = (
        f"{words}\n\n- a bullet {words}\n\n```\ncode stays {words[:80]}\n```\n\nhttps://example.com/{'x' * 130}"
    )
    text = build(small)[GEN + "widgets.py"]
    long_lines = [line.strip() for line in text.split("\n") if len(line) > render.LINE_LENGTH]
    assert long_lines == [f"https://example.com/{'x' * 130}"]  # a word longer than a line is never split
    assert f"\n        code stays {words[:80]}\n" in text  # code is never re-wrapped
    # a wrapped bullet keeps its hanging indent
    assert "\n        - a bullet word0" in text
    assert "\n          word" in text


@pytest.mark.skipif(
    shutil.which("ruff", path=str(Path(sys.executable).parent)) is None and shutil.which("ruff") is None,
    reason="ruff is not installed",
)
def test_generated_python_is_ruff_clean(small, write_manifest, run, tmp_path):
    path = write_manifest(small)
    out = tmp_path / "out"
    assert run("--manifest", str(path), "--out", str(out))[0] == 0
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--isolated", "--line-length", str(render.LINE_LENGTH)]
        + ["--target-version", "py39", "--select", "E,F,W,I,B,UP", "--ignore", "UP006,UP007,UP035,UP045", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_literals():
    literal = render.pyliteral({"b": [1, True, None], "a": 'x"y\\'})
    assert literal == '{\n    "a": "x\\"y\\\\",\n    "b": [1, True, None],\n}'
    assert eval(literal) == {"b": [1, True, None], "a": 'x"y\\'}
    assert render.pyliteral([]) == "[]" and render.pyliteral({}) == "{}"
    long = ["x" * 50, "y" * 50, "z" * 50]
    assert render.pyliteral(long) == '[\n    "' + long[0] + '",\n    "' + long[1] + '",\n    "' + long[2] + '",\n]'
    assert render.pytuple(["a"]) == "(a,)" and render.pytuple([]) == "()" and render.pytuple(["a", "b"]) == "(a, b)"
    assert render.scopes_json(AllOf(items=(Scope(value="a"),))) == {"AllOf": ["a"]}


def test_instance_names():
    assert render.instance_name("Queue") == "queue"
    assert render.instance_name("QueueEvents") == "queueEvents"
    assert render.instance_name("EC2Manager") == "ec2Manager"
    assert render.instance_name("WebServer") == "webServer"
