"""One broken manifest per validation rule: `python -m codegen` exits 1, prints an error
naming the class, the entry and the field, and writes nothing."""

import json
from pathlib import Path
from typing import Any, Callable, Dict

import jsonschema
import pytest

from codegen import manifest

Mutation = Callable[[Dict[str, Any]], None]


def entry(data: Dict[str, Any], cls: str, name: str) -> Dict[str, Any]:
    return next(e for e in data[cls]["reference"]["entries"] if e["name"] == name)


def create(data: Dict[str, Any]) -> Dict[str, Any]:
    return entry(data, "Widgets", "createWidget")


def exchange(data: Dict[str, Any]) -> Dict[str, Any]:
    return entry(data, "WidgetsEvents", "widgetCreated")


def set_route(route: str, args: Any = None) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        create(data)["route"] = route
        if args is not None:
            create(data)["args"] = args

    return mutate


def duplicate_entry(data: Dict[str, Any]) -> None:
    data["Widgets"]["reference"]["entries"].append(dict(entry(data, "Widgets", "ping"), title="Again"))


def add_class(name: str, service: str = "gadgets") -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        data[name] = {
            "reference": dict(data["Widgets"]["reference"], serviceName=service, entries=[]),
        }

    return mutate


# fmt: off
CASES = [
    # routes and args
    ("route-arg-not-in-args", set_route("/widgets/<widgetId>/parts/<partId>/<extra>"),
     "Widgets.createWidget.route: argument <extra> is not listed in args"),
    ("arg-not-in-route", set_route("/widgets/<widgetId>"),
     "Widgets.createWidget.args[1]: argument 'partId' does not appear in the route"),
    ("args-order", set_route("/widgets/<partId>/parts/<widgetId>"),
     "Widgets.createWidget.args: order ['widgetId', 'partId'] differs from the order in the route"),
    ("route-arg-twice", set_route("/w/<widgetId>/<widgetId>/<partId>"),
     "Widgets.createWidget.route: argument <widgetId> appears more than once"),
    ("route-without-slash", set_route("widgets/<widgetId>/parts/<partId>"),
     "Widgets.createWidget.route: 'widgets/<widgetId>/parts/<partId>' does not match '^/'"),
    # names
    ("arg-not-identifier", set_route("/w/<widget-id>", ["widget-id"]),
     "Widgets.createWidget.args[0]: argument 'widget-id' is not a valid Python identifier"),
    ("arg-keyword", set_route("/w/<class>", ["class"]),
     "Widgets.createWidget.args[0]: argument 'class' is not a valid Python identifier (or is a keyword)"),
    ("arg-reserved", set_route("/w/<payload>", ["payload"]),
     "Widgets.createWidget.args[0]: argument 'payload' is reserved"),
    ("entry-name-not-identifier", lambda d: create(d).update(name="create-widget"),
     "Widgets.create-widget.name: entry name 'create-widget' is not a valid Python identifier"),
    ("entry-name-keyword", lambda d: create(d).update(name="import"),
     "Widgets.import.name: entry name 'import' is not a valid Python identifier (or is a keyword)"),
    ("entry-name-reserved", lambda d: create(d).update(name="funcinfo"),
     "Widgets.funcinfo.name: entry name 'funcinfo' is reserved"),
    ("entry-name-shadows-the-session", lambda d: create(d).update(name="session"),
     "Widgets.session.name: entry name 'session' is reserved"),
    ("query-not-identifier", lambda d: create(d).update(query=["dry-run"]),
     "Widgets.createWidget.query[0]: query parameter 'dry-run' is not a valid Python identifier"),
    ("query-reserved", lambda d: create(d).update(query=["params"]),
     "Widgets.createWidget.query[0]: query parameter 'params' is reserved"),
    ("legacy-arg-is-a-route-argument",
     lambda d: create(d).update(legacyArgs={"args": ["partId", "kind"], "into": "widgetId", "separator": "/"}),
     "Widgets.createWidget.legacyArgs.args[0]: 'partId' is already a route argument"),
    ("legacy-arg-is-a-query-parameter",
     lambda d: create(d).update(legacyArgs={"args": ["dryRun", "kind"], "into": "widgetId", "separator": "/"}),
     "Widgets.createWidget.legacyArgs.args[0]: 'dryRun' is also a query parameter"),
    ("query-reserved-for-pagination", lambda d: create(d).update(query=["paginationHandler"]),
     "Widgets.createWidget.query[0]: query parameter 'paginationHandler' is reserved"),
    ("routing-key-not-identifier", lambda d: exchange(d)["routingKey"][1].update(name="widget-id"),
     "WidgetsEvents.widgetCreated.routingKey[1].name: routing-key entry 'widget-id' is not a valid Python identifier"),
    ("routing-key-reserved", lambda d: exchange(d)["routingKey"][1].update(name="kwargs"),
     "WidgetsEvents.widgetCreated.routingKey[1].name: routing-key entry 'kwargs' is reserved"),
    ("class-name", add_class("gadgets"),
     "gadgets: class name 'gadgets' must be CamelCase letters and digits"),
    # duplicates and clashes
    ("duplicate-entry", duplicate_entry,
     "Widgets.ping.name: duplicate entry name (also entries[0])"),
    ("duplicate-module", add_class("WIDGETS"),
     "WIDGETS: module name 'widgets' is also the module name of Widgets"),
    ("runtime-module-clash", add_class("Client"),
     "Client: module name 'client' clashes with a runtime module of the taskcluster package"),
    ("aio-runtime-module-clash", add_class("AsyncClient"),
     "AsyncClient: module name 'asyncclient' clashes with a runtime module"),
    ("duplicate-service", add_class("Gadgets", "widgets"),
     "Gadgets.serviceName: Widgets already maps the api reference of service 'widgets'"),
    ("duplicate-routing-key", lambda d: exchange(d)["routingKey"].append(exchange(d)["routingKey"][1]),
     "WidgetsEvents.widgetCreated.routingKey: routing-key entry 'widgetId' is listed more than once"),
    # exchanges
    ("no-routing-key", lambda d: exchange(d).update(routingKey=[]),
     "WidgetsEvents.widgetCreated.routingKey: [] should be non-empty"),
    ("no-exchange-prefix", lambda d: d["WidgetsEvents"]["reference"].pop("exchangePrefix"),
     "WidgetsEvents.exchangePrefix: is required because the class has topic-exchange entries"),
    ("routing-key-flag-type", lambda d: exchange(d)["routingKey"][1].update(required="yes"),
     "WidgetsEvents.widgetCreated.routingKey[1].required: 'yes' is not of type 'boolean'"),
    # pagination
    ("page-items-missing", lambda d: entry(d, "Widgets", "listWidgets").pop("pageItems"),
     "Widgets.listWidgets.pageItems: is required because query has continuationToken"),
    ("page-items-unexpected", lambda d: entry(d, "Widgets", "ping").update(pageItems="x"),
     "Widgets.ping.pageItems: is only allowed when query has continuationToken"),
    # shapes and values
    ("bad-method", lambda d: create(d).update(method="fetch"),
     "Widgets.createWidget.method: 'fetch' is not one of"),
    ("upper-case-method", lambda d: create(d).update(method="PUT"),
     "Widgets.createWidget.method: 'PUT' is not one of"),
    ("bad-stability", lambda d: create(d).update(stability="beta"),
     "Widgets.createWidget.stability: 'beta' is not one of"),
    ("missing-field", lambda d: create(d).pop("route"),
     "Widgets.createWidget.route: is required"),
    ("unexpected-field", lambda d: create(d).update(summary="x"),
     "Widgets.createWidget.summary: unexpected field"),
    ("bad-entry-type", lambda d: create(d).update(type="rpc"),
     "Widgets.createWidget.type: 'rpc' is not one of ['function', 'topic-exchange']"),
    ("bad-scopes", lambda d: create(d).update(scopes={"AllOf": "widgets:x"}),
     "Widgets.createWidget.scopes.AllOf: 'widgets:x' is not of type 'array'"),
    ("bad-nested-scopes", lambda d: create(d).update(scopes={"AnyOf": ["a", {"for": "x", "in": "y"}]}),
     "Widgets.createWidget.scopes.AnyOf[1].each: is required"),
    ("scopes-not-an-expression", lambda d: create(d).update(scopes=["a"]),
     "Widgets.createWidget.scopes: ['a'] is not valid under any of the given schemas"),
    ("missing-class-field", lambda d: d["Widgets"]["reference"].pop("serviceName"),
     "Widgets.serviceName: is required"),
    ("deprecated-not-bool", lambda d: d["Widgets"].update(deprecated="yes"),
     "Widgets.deprecated: 'yes' is not of type 'boolean'"),
    ("control-character-in-text", lambda d: create(d).update(title="nul \x00 here"),
     "Widgets.createWidget.title"),
    ("long-code-line", lambda d: create(d).update(description="Example:\n\n```\n" + "x = 1; " * 20 + "\n```"),
     "Widgets.createWidget.description: line 4 is in a code block and longer than 100 characters"),
]
# fmt: on


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_manifest_is_reported_and_nothing_written(mutate, expected, small, write_manifest, run, tree, tmp_path):
    mutate(small)
    path = write_manifest(small)
    out = tmp_path / "out"
    (out / "taskcluster" / "generated").mkdir(parents=True)
    (out / "taskcluster" / "generated" / "stale.py").write_text("# would be removed by a successful run\n")
    before = tree(tmp_path)
    status, stdout, stderr = run("--manifest", str(path), "--out", str(out))
    assert status == 1
    assert any(line.startswith(f"apis.json: {expected}") for line in stderr.splitlines()), stderr
    assert "nothing written" in stderr
    assert stdout == ""
    assert tree(tmp_path) == before


def test_every_error_is_reported(small, write_manifest, run):
    create(small)["route"] = "/widgets/<widgetId>/parts/<partId>/<extra>"
    entry(small, "Widgets", "ping")["method"] = "fetch"
    exchange(small)["routingKey"] = []
    status, _, stderr = run("--manifest", str(write_manifest(small)), "--out", "/nonexistent/never/written")
    assert status == 1
    assert "Widgets.createWidget.route: argument <extra> is not listed in args" in stderr
    assert "Widgets.ping.method:" in stderr
    assert "WidgetsEvents.widgetCreated.routingKey:" in stderr
    assert "3 error(s)" in stderr


def test_malformed_json(tmp_path, run):
    path = tmp_path / "apis.json"
    path.write_text('{"Widgets": ')
    status, _, stderr = run("--manifest", str(path), "--out", str(tmp_path / "out"))
    assert status == 1 and "invalid JSON" in stderr and "line 1" in stderr
    assert not (tmp_path / "out").exists()


def test_missing_manifest(tmp_path, run):
    status, _, stderr = run("--manifest", str(tmp_path / "nope.json"), "--out", str(tmp_path / "out"))
    assert status == 1 and "cannot read" in stderr


def test_the_small_manifest_is_valid(small):
    assert manifest.validate(small) == []


def test_meta_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(manifest.META_SCHEMA_PATH.read_text()))


def test_the_real_manifest_is_valid():
    path = Path(__file__).resolve().parents[2] / "apis.json"
    if not path.exists():
        pytest.skip("no apis.json")
    api = manifest.load(path)
    modules = {s.module_name for s in api.services}
    assert not modules & manifest.RESERVED_MODULE_NAMES
    assert len(modules) == len(api.services)


def test_reserved_member_names_cover_the_runtime_base_classes():
    """A method named like a public member of the base clients would replace it (e.g. `session`)."""
    from taskcluster.aio.asyncclient import AsyncBaseClient
    from taskcluster.client import BaseClient

    public = {name for cls in (BaseClient, AsyncBaseClient) for name in dir(cls) if not name.startswith("_")}
    assert public <= manifest.RESERVED_MEMBER_NAMES, sorted(public - manifest.RESERVED_MEMBER_NAMES)
