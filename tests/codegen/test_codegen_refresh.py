"""`python -m codegen refresh --from DIR`: facts come from the deployment's references,
descriptions and pageItems stay ours, new entries are added and reported, vanished ones
are deprecated, and a refresh from the same facts changes nothing."""

import copy
import functools
import http.server
import json
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

from codegen import manifest

UPSTREAM_PROSE = "Upstream prose that must not replace ours."


def upstream_reference(cls: Dict[str, Any]) -> Dict[str, Any]:
    """What a deployment would serve for one of our classes: the same facts, its own prose,
    plus the fields it has and we do not keep (category, routing-key summaries)."""
    ref = copy.deepcopy(cls["reference"])
    ref["description"] = UPSTREAM_PROSE
    for entry in ref["entries"]:
        entry["description"] = UPSTREAM_PROSE
        entry.pop("pageItems", None)
        if entry["type"] == "function":
            entry["category"] = "Widgets"
        for key in entry.get("routingKey", []):
            key["summary"] = "What this part of the key means."
    return ref


def write_references(root: Path, references: List[Dict[str, Any]], schemas: Dict[str, Any] = None) -> Path:
    paths = []
    for ref in references:
        kind = "exchanges" if "exchangePrefix" in ref else "api"
        rel = f"references/{ref['serviceName']}/{ref['apiVersion']}/{kind}.json"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(ref, indent=1, sort_keys=True))
        paths.append("/" + rel)
    (root / "references/manifest.json").write_text(json.dumps({"references": sorted(paths)}))
    for rel, schema in (schemas or {}).items():
        (root / "schemas" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "schemas" / rel).write_text(json.dumps(schema))
    return root


@pytest.fixture
def ours(small):
    """Our manifest, with a non-ASCII description to prove the formatting is kept."""
    small["Widgets"]["reference"]["entries"][0]["description"] = "Answers when the service is up — naïvely."
    return small


def refs_of(data):
    return [upstream_reference(data["Widgets"]), upstream_reference(data["WidgetsEvents"])]


def test_refresh_from_the_same_facts_changes_nothing(ours, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    before = path.read_bytes()
    source = write_references(tmp_path / "deployment", refs_of(ours))
    status, out, err = run("refresh", "--from", str(source), "--manifest", str(path))
    assert (status, err) == (0, "")
    assert "is up to date" in out
    assert path.read_bytes() == before


def test_refresh_updates_facts_and_keeps_descriptions(ours, find, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    api, events = refs_of(ours)
    create = find({"C": {"reference": api}}, "C", "createWidget")
    create.update(title="Create A Widget", route="/widgets/<widgetId>/<partId>", scopes="widgets:create")
    create.pop("output")
    api["entries"] = [e for e in api["entries"] if e["name"] != "ping"]  # gone from the deployment
    api["entries"].append(
        {
            "type": "function",
            "name": "listParts",
            "title": "List Parts",
            "description": UPSTREAM_PROSE,
            "category": "Parts",
            "stability": "experimental",
            "method": "get",
            "route": "/widgets/<widgetId>/parts",
            "args": ["widgetId"],
            "query": ["continuationToken"],
            "output": "v1/part-list.json#",
        }
    )
    schemas = {
        "widgets/v1/part-list.json": {
            "type": "object",
            "properties": {"parts": {"type": "array"}, "continuationToken": {"type": "string"}},
        }
    }
    source = write_references(tmp_path / "deployment", [api, events], schemas)

    status, out, err = run("refresh", "--from", str(source), "--manifest", str(path))

    assert status == 0, err
    data = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    created = find(data, "Widgets", "createWidget")
    ours_title = find(ours, "Widgets", "createWidget")["title"]
    assert created == {
        "type": "function",
        "name": "createWidget",
        "title": ours_title,
        "description": "Creates a widget part.",
        "stability": "experimental",
        "method": "put",
        "route": "/widgets/<widgetId>/<partId>",
        "args": ["widgetId", "partId"],
        "query": ["dryRun"],
        "input": "v1/create-widget-request.json#",
        "scopes": "widgets:create",
    }
    assert list(created) == [k for k in created]  # key order: the manifest's own
    assert find(data, "Widgets", "ping")["stability"] == "deprecated"
    assert find(data, "Widgets", "ping")["description"] == "Answers when the service is up — naïvely."
    assert find(data, "Widgets", "listWidgets")["pageItems"] == "widgets"
    assert find(data, "Widgets", "listParts") == {
        "type": "function",
        "name": "listParts",
        "title": "List Parts",
        "description": "TODO: describe",
        "stability": "experimental",
        "method": "get",
        "route": "/widgets/<widgetId>/parts",
        "args": ["widgetId"],
        "query": ["continuationToken"],
        "output": "v1/part-list.json#",
        "pageItems": "parts",
    }
    assert data["Widgets"]["reference"]["description"] == ours["Widgets"]["reference"]["description"]
    assert UPSTREAM_PROSE not in path.read_text(encoding="utf-8")
    assert "summary" not in path.read_text(encoding="utf-8") and "category" not in path.read_text(encoding="utf-8")
    lines = out.splitlines()
    assert "apis.json: Widgets.createWidget: updated output, route, scopes" in lines
    assert "apis.json: Widgets.createWidget: keeps our title %r (upstream: 'Create A Widget')" % ours_title in lines
    assert "apis.json: Widgets.ping: not served by the deployment: marked deprecated" in lines
    assert 'apis.json: Widgets.listParts: added (description "TODO: describe")' in lines
    assert "apis.json: Widgets.listParts: pageItems 'parts' inferred from the output schema; check it" in lines
    assert manifest.validate(data) == []


def test_refresh_exchanges_and_new_services(ours, find, write_manifest, run, tmp_path):
    exchange = find(ours, "WidgetsEvents", "widgetCreated")
    exchange["stability"] = "deprecated"  # it had vanished once; the deployment serves it again
    exchange_order = list(exchange)
    path = write_manifest(ours)
    api, events = refs_of(ours)
    events["entries"][0].pop("stability")
    events["entries"][0]["routingKey"][1]["required"] = False
    events["entries"].append(
        {
            "type": "topic-exchange",
            "name": "widgetDeleted",
            "title": "Widget Deleted",
            "description": UPSTREAM_PROSE,
            "exchange": "widget-deleted",
            "routingKey": [{"name": "widgetId", "multipleWords": False, "required": True, "summary": "id"}],
        }
    )
    gadgets = {
        "$schema": "/schemas/common/api-reference-v0.json#",
        "apiVersion": "v1",
        "serviceName": "gadget-store",
        "title": "Gadget Store",
        "description": UPSTREAM_PROSE,
        "entries": [
            {
                "type": "function",
                "name": "ping",
                "title": "Ping",
                "description": UPSTREAM_PROSE,
                "category": "Ping",
                "stability": "stable",
                "method": "get",
                "route": "/ping",
                "args": [],
                "query": [],
            }
        ],
    }
    source = write_references(tmp_path / "deployment", [api, events, gadgets])

    status, out, err = run("refresh", "--from", str(source), "--manifest", str(path))

    assert status == 0, err
    data = json.loads(path.read_text(encoding="utf-8"))
    refreshed = find(data, "WidgetsEvents", "widgetCreated")
    assert "stability" not in refreshed
    assert list(refreshed) == [k for k in exchange_order if k != "stability"]
    assert refreshed["routingKey"][1] == {"name": "widgetId", "multipleWords": False, "required": False}
    assert refreshed["description"] == "Published when a widget is created."
    assert find(data, "WidgetsEvents", "widgetDeleted") == {
        "type": "topic-exchange",
        "name": "widgetDeleted",
        "title": "Widget Deleted",
        "description": "TODO: describe",
        "exchange": "widget-deleted",
        "routingKey": [{"name": "widgetId", "multipleWords": False, "required": True}],
    }
    assert list(data) == ["GadgetStore", "Widgets", "WidgetsEvents"]  # kept sorted
    assert data["GadgetStore"]["reference"]["description"] == "TODO: describe"
    assert data["GadgetStore"]["reference"]["entries"][0]["description"] == "TODO: describe"
    assert "apis.json: GadgetStore: new class for service 'gadget-store'" in out
    assert "apis.json: WidgetsEvents.widgetCreated: updated routingKey, stability" in out
    assert manifest.validate(data) == []


def test_vanished_exchange_is_deprecated_in_place(ours, find, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    api, events = refs_of(ours)
    events["entries"] = []
    source = write_references(tmp_path / "deployment", [api, events])
    assert run("refresh", "--from", str(source), "--manifest", str(path))[0] == 0
    entry = find(json.loads(path.read_text(encoding="utf-8")), "WidgetsEvents", "widgetCreated")
    assert list(entry)[:7] == ["type", "name", "title", "description", "exchange", "stability", "schema"]
    assert entry["stability"] == "deprecated"


def test_unserved_class_is_left_unchanged_and_reported(ours, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    before = path.read_bytes()
    source = write_references(tmp_path / "deployment", refs_of(ours)[:1])
    status, out, _ = run("refresh", "--from", str(source), "--manifest", str(path))
    assert status == 0
    assert "apis.json: WidgetsEvents: the source serves no exchanges reference for 'widgets': left unchanged" in out
    assert path.read_bytes() == before


def test_uninferable_page_items_are_reported_and_fail_validation(ours, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    api, events = refs_of(ours)
    api["entries"].append(
        dict(api["entries"][2], name="listMore", output="v1/unknown.json#", description=UPSTREAM_PROSE)
    )
    source = write_references(tmp_path / "deployment", [api, events])
    status, out, err = run("refresh", "--from", str(source), "--manifest", str(path))
    assert status == 1
    assert "Widgets.listMore: paginated (query has continuationToken): add pageItems by hand" in out
    assert "Widgets.listMore.pageItems: is required" in err
    assert "listMore" in path.read_text(encoding="utf-8")  # written, for a human to finish


def test_refresh_refuses_an_invalid_manifest(ours, write_manifest, run, tmp_path):
    ours["Widgets"]["reference"]["entries"][0]["method"] = "fetch"
    path = write_manifest(ours)
    before = path.read_bytes()
    source = write_references(tmp_path / "deployment", refs_of(ours))
    status, _, err = run("refresh", "--from", str(source), "--manifest", str(path))
    assert status == 1 and "Widgets.ping.method" in err and "nothing written" in err
    assert path.read_bytes() == before


def test_refresh_without_references(ours, write_manifest, run, tmp_path):
    status, _, err = run("refresh", "--from", str(tmp_path / "empty"), "--manifest", str(write_manifest(ours)))
    assert status == 1 and "no references/ directory" in err


def test_refresh_from_a_root_url(ours, find, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    api, events = refs_of(ours)
    api["entries"][0]["stability"] = "experimental"
    source = write_references(tmp_path / "deployment", [api, events])
    handler = functools.partial(QuietHandler, directory=str(source))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            status, out, err = run("refresh", "--from", url, "--manifest", str(path))
        finally:
            server.shutdown()
            thread.join()
    assert status == 0, err
    assert "Widgets.ping: updated stability" in out
    assert find(json.loads(path.read_text(encoding="utf-8")), "Widgets", "ping")["stability"] == "experimental"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        pass


# --- schemas ----------------------------------------------------------------------------------------

PROSE = "Upstream prose about the schema, which must not be copied."


def upstream_schemas() -> Dict[str, Any]:
    """The published schemas of the widgets service (paths under schemas/), as a deployment renders
    them: with $id, $schema, descriptions, examples and refs relative to the schema's own path."""
    return {
        "widgets/v1/widget.json": {
            "$id": "/schemas/widgets/v1/widget.json#",
            "$schema": "/schemas/common/metaschema.json#",
            "title": "Widget",
            "description": PROSE,
            "type": "object",
            "properties": {
                "widgetId": {"type": "string", "description": PROSE, "examples": ["abc"]},
                "size": {"$ref": "#/definitions/size"},
                # properties *named* like annotation keywords are data, not prose
                "description": {"type": "string", "title": "Description", "$comment": "ours"},
                "part": {"$ref": "./part.json#/properties/name"},
            },
            "definitions": {"size": {"type": "integer", "description": PROSE, "minimum": 0}},
            "required": ["widgetId"],
            "additionalProperties": False,
        },
        "widgets/v1/part.json": {
            "$id": "/schemas/widgets/v1/part.json#",
            "$schema": "/schemas/common/metaschema.json#",
            "title": "Part",
            "type": "object",
            "properties": {"name": {"type": "string", "description": PROSE}},
        },
        "widgets/v1/widget-list.json": {
            "$id": "/schemas/widgets/v1/widget-list.json#",
            "title": "Widget List",
            "type": "object",
            "properties": {
                "widgets": {"type": "array", "items": {"$ref": "widget.json#"}},
                "continuationToken": {"type": "string"},
            },
            "required": ["widgets"],
        },
        # createWidget's input references a schema that is not published: the input stays untyped
        "widgets/v1/create-widget-request.json": {"type": "object", "properties": {"part": {"$ref": "gone.json#"}}},
    }


def write_bundle(path: Path, references: List[Dict[str, Any]], schemas: Dict[str, Any]) -> Path:
    files = []
    for ref in references:
        kind = "exchanges" if "exchangePrefix" in ref else "api"
        files.append({"filename": f"references/{ref['serviceName']}/{ref['apiVersion']}/{kind}.json", "content": ref})
    files.append({"filename": "references/manifest.json", "content": {"references": []}})
    files += [{"filename": f"schemas/{rel}", "content": schema} for rel, schema in schemas.items()]
    path.write_text(json.dumps(files), encoding="utf-8")
    return path


def test_refresh_from_a_bundle_fills_schemas_keeps_descriptions_and_is_idempotent(ours, write_manifest, run, tmp_path):
    for cls in ours.values():
        cls.pop("schemas", None)
    path = write_manifest(ours)
    bundle = write_bundle(tmp_path / "bundle.json", refs_of(ours), upstream_schemas())

    status, out, err = run("refresh", "--from", str(bundle), "--manifest", str(path))

    assert status == 0, err
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["Widgets"]) == ["reference", "schemas"]
    # nothing but the schemas changed: references (and our descriptions) are as they were
    assert {k: v["reference"] for k, v in data.items()} == {k: v["reference"] for k, v in ours.items()}
    schemas = data["Widgets"]["schemas"]
    assert list(schemas) == ["v1/part.json#", "v1/widget-list.json#", "v1/widget.json#"]  # sorted; no request
    assert schemas["v1/widget.json#"] == {
        "title": "Widget",
        "type": "object",
        "properties": {
            "widgetId": {"type": "string"},
            "size": {"$ref": "#/definitions/size"},
            "description": {"type": "string", "title": "Description"},
            "part": {"$ref": "v1/part.json#/properties/name"},
        },
        "definitions": {"size": {"type": "integer", "minimum": 0}},
        "required": ["widgetId"],
        "additionalProperties": False,
    }
    assert schemas["v1/widget-list.json#"]["properties"]["widgets"]["items"] == {"$ref": "v1/widget.json#"}
    assert PROSE not in path.read_text(encoding="utf-8")
    assert "WidgetsEvents" not in data or "schemas" not in data["WidgetsEvents"]  # its message is not published
    lines = out.splitlines()
    assert "apis.json: Widgets: schemas: 3 added" in lines
    untyped = "input stays untyped: 'v1/gone.json#' is not published (referenced by 'v1/create-widget-request.json#')"
    assert f"apis.json: Widgets.createWidget: {untyped}" in lines
    assert any("WidgetsEvents.widgetCreated: schema stays untyped" in line for line in lines)
    assert manifest.validate(data) == []
    (widgets, _) = manifest.build_model(data).services
    assert {t.name for t in widgets.types} == {"Part", "WidgetList", "Widget"}

    # our own names survive a refresh, which then changes nothing
    data["Widgets"]["typeNames"] = {"v1/widget.json#": "WidgetRecord"}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    before = path.read_bytes()
    status, out, err = run("refresh", "--from", str(bundle), "--manifest", str(path))
    assert (status, err) == (0, "") and "is up to date" in out
    assert path.read_bytes() == before
    (widgets, _) = manifest.build_model(json.loads(before)).services
    assert {t.name for t in widgets.types} == {"Part", "WidgetList", "WidgetRecord"}


def test_refresh_updates_and_drops_schemas(ours, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    published = upstream_schemas()
    del published["widgets/v1/widget-list.json"]  # listWidgets' output is no longer published
    bundle = write_bundle(tmp_path / "bundle.json", refs_of(ours), published)
    status, out, err = run("refresh", "--from", str(bundle), "--manifest", str(path))
    assert status == 0, err
    schemas = json.loads(path.read_text(encoding="utf-8"))["Widgets"]["schemas"]
    assert sorted(schemas) == ["v1/part.json#", "v1/widget.json#"]
    assert "apis.json: Widgets: schemas: 1 added, 1 changed, 2 removed" in out.splitlines()
    assert "apis.json: Widgets.listWidgets: output stays untyped: 'v1/widget-list.json#' is not published" in out


def test_a_source_without_schemas_leaves_them_alone(ours, write_manifest, run, tmp_path):
    path = write_manifest(ours)
    before = path.read_bytes()
    source = write_references(tmp_path / "deployment", refs_of(ours))  # references only
    status, out, _ = run("refresh", "--from", str(source), "--manifest", str(path))
    assert status == 0 and path.read_bytes() == before
    assert "apis.json: Widgets: the source publishes no schemas of 'widgets': schemas left unchanged" in out


def test_a_bad_bundle_is_reported(ours, write_manifest, run, tmp_path):
    bundle = tmp_path / "bundle.json"
    bundle.write_text('{"not": "a list"}')
    status, _, err = run("refresh", "--from", str(bundle), "--manifest", str(write_manifest(ours)))
    assert status == 1 and "not a bundle" in err
