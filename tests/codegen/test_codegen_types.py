"""Data types made from the manifest's JSON schemas (`codegen.schematypes`, `codegen.pytypes`).

- golden files: ``golden/gadgets.json`` uses every construct the types cover; its types module
  and docs page are compared byte for byte with ``golden/gadgets.py`` and
  ``golden/gadgets-types.md`` (after a deliberate change: ``python tests/codegen/test_codegen_types.py
  --regenerate``, then review the diff);
- the real generated modules: the purge-cache types have the Go client's names and fields, every
  module imports and resolves its annotations, and ``mypy --strict`` accepts them all;
- bad schemas stop the generator with a message naming the class, the entry and the schema, and
  nothing is written.
"""

import copy
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Union

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script (--regenerate)
    sys.path.insert(0, str(ROOT))

from codegen import manifest, render  # noqa: E402
from codegen.model import Alias, Record, TypeExpr  # noqa: E402
from codegen.schematypes import identifier_words  # noqa: E402

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
GOLDEN_MANIFEST = GOLDEN_DIR / "gadgets.json"
# generated file -> golden file
GOLDEN = {
    "taskcluster/types/gadgets.py": "gadgets.py",
    "docs/reference/gadgets-types.md": "gadgets-types.md",
}


def render_golden() -> Dict[str, str]:
    files = render.render(manifest.load(GOLDEN_MANIFEST))
    return {golden: files[generated] for generated, golden in GOLDEN.items()}


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # get_type_hints looks forward references up in the module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gadgets_api() -> Any:
    return manifest.load(GOLDEN_MANIFEST)


@pytest.fixture(scope="module")
def gadgets() -> Any:
    module = load_module(GOLDEN_DIR / "gadgets.py", "golden_gadgets_types")
    yield module
    del sys.modules["golden_gadgets_types"]


# --- golden ------------------------------------------------------------------------------------


def test_golden_files_are_what_the_generator_writes():
    for name, text in render_golden().items():
        expected = (GOLDEN_DIR / name).read_text(encoding="utf-8")
        assert text == expected, f"{name} differs; if intended: python tests/codegen/test_codegen_types.py --regenerate"


def test_golden_model(gadgets_api):
    (service,) = gadgets_api.services
    functions = {f.name: f for f in service.functions}
    named = TypeExpr.named
    assert functions["createGadget"].request_type == named("GadgetDefinition")
    assert functions["createGadget"].response_type == named("GadgetDefinition")
    assert functions["listGadgets"].response_type == named("GadgetList")
    assert functions["listGadgets"].item_type == named("GadgetDefinition")  # the items of pageItems
    assert functions["gadgetNames"].response_type == named("GadgetNames")  # a list: an alias
    assert functions["gadgetShape"].response_type == named("Shape")  # a oneOf: an alias
    assert functions["dimensions"].response_type == named("GadgetDefinitionDimensions")  # a definition
    assert functions["statusB"].response_type == named("GadgetStatusB")  # renamed by typeNames
    assert functions["retired"].response_schema == "v1/retired.json#" and functions["retired"].response_type is None
    types = {t.name: t for t in service.types}
    assert isinstance(types["GadgetNames"], Alias) and types["GadgetNames"].type.python() == "List[str]"
    assert types["Shape"].type.python() == "Union[Circle, Square]"
    # one schema copied into two files is one type, both sources named
    assert types["Position"].sources == ("v1/gadget.json#/properties/position", "v1/metadata.json#/properties/position")
    definition = types["GadgetDefinition"]
    assert isinstance(definition, Record) and not definition.open
    assert [f.key for f in definition.required] == ["gadgetId", "created", "kind", "parts", "metadata"]
    fields = {f.key: f for f in definition.fields}
    expected = {
        "created": "str",  # date-time
        "kind": 'Literal["small", "large"]',
        "version": "Literal[1]",  # const
        "state": 'Optional[Literal["on", "off"]]',  # enum with null
        "note": "Optional[str]",  # ["string", "null"]
        "weight": "float",
        "count": "int",
        "active": "bool",
        "parts": "List[GadgetPart]",  # titled items
        "labels": "List[GadgetDefinitionLabelsEntry]",  # untitled items: parent + property + Entry
        "settings": "Dict[str, Any]",  # open object without properties
        "counters": "Dict[str, int]",  # additionalProperties: {schema}
        "owners": "Dict[str, GadgetDefinitionOwnersValue]",
        "metadata": "GadgetMetadata",  # $ref to another schema
        "dimensions": "GadgetDefinitionDimensions",  # $ref to a definition
        "source": "str",  # anyOf of formats of a string
        "shape": "Shape",
        "payload": "Any",  # oneOf with a branch that cannot be expressed
        "parent": "GadgetDefinition",  # recursion
        "children": "List[GadgetDefinition]",
        "combined": "Any",
        "pair": "List[Any]",
        "anything": "Any",
        "scalar": "Union[str, int]",
        "empty": "GadgetDefinitionEmpty",
        "loose": "LooseObject",
    }
    assert {k: fields[k].type.python() for k in expected} == expected
    assert fields["payload"].type.notes() == (
        "oneOf branch 2 cannot be expressed: it does not say what type of value it is",
    )
    assert fields["created"].doc == "Created" and fields["weight"].doc is None
    assert types["LooseObject"].open and types["GadgetDefinitionEmpty"].fields == ()


def test_golden_module_at_run_time(gadgets):
    definition = gadgets.GadgetDefinition
    assert definition.__required_keys__ == {"gadgetId", "created", "kind", "parts", "metadata"}
    assert "weight" in definition.__optional_keys__
    hints = typing.get_type_hints(definition)
    assert hints["parent"] is definition  # the forward reference resolves to the class itself
    assert hints["children"] == List[definition]
    assert hints["state"] == Optional[typing.Literal["on", "off"]]
    assert hints["owners"] == Dict[str, gadgets.GadgetDefinitionOwnersValue]
    # keys that cannot be class attributes: the functional syntax, required and optional kept apart
    keyed = gadgets.GadgetDefinitionKeyed
    assert keyed.__required_keys__ == {"content-type", "ok"}
    assert keyed.__optional_keys__ == {"class", "__secret", "str"}
    assert typing.get_type_hints(keyed)["str"] is bool
    assert gadgets.GadgetDefinitionHeaders.__optional_keys__ == {"x-request-id"}
    assert typing.get_type_hints(gadgets.Leaf)["subtree"] == Optional[gadgets.TreeNode]  # across files
    # an alias names a type defined further down as a forward reference
    assert typing.get_origin(gadgets.Shape) is Union
    assert typing.get_args(gadgets.Shape) == (gadgets.Circle, typing.ForwardRef("Square"))
    assert gadgets.GadgetNames == List[str]
    assert set(gadgets.__all__) == {t.name for t in manifest.load(GOLDEN_MANIFEST).services[0].types}


# --- the real modules ----------------------------------------------------------------------------


def test_purge_cache_types_have_the_go_clients_names_and_fields():
    from taskcluster.types import purgecache

    assert purgecache.__all__ == [
        "OpenAllPurgeRequestsList",
        "OpenPurgeRequestList",
        "PurgeCacheRequest",
        "PurgeCacheRequestsEntry",
    ]
    entry = purgecache.PurgeCacheRequestsEntry
    hints = {name: typing.get_type_hints(getattr(purgecache, name)) for name in purgecache.__all__}
    assert hints == {
        "PurgeCacheRequest": {"cacheName": str},
        "PurgeCacheRequestsEntry": {"before": str, "cacheName": str, "provisionerId": str, "workerType": str},
        "OpenPurgeRequestList": {"requests": List[entry]},
        "OpenAllPurgeRequestsList": {"requests": List[entry], "continuationToken": str},
    }
    assert purgecache.PurgeCacheRequest.__required_keys__ == {"cacheName"}
    assert entry.__required_keys__ == {"provisionerId", "workerType", "cacheName", "before"}
    assert purgecache.OpenPurgeRequestList.__required_keys__ == {"requests"}
    assert purgecache.OpenAllPurgeRequestsList.__required_keys__ == {"requests"}
    assert purgecache.OpenAllPurgeRequestsList.__optional_keys__ == {"continuationToken"}


def test_every_types_module_imports_and_resolves_its_annotations():
    from taskcluster.generated._registry import SERVICES

    modules = sorted(p.stem for p in (ROOT / "taskcluster/types").glob("*.py") if p.stem != "__init__")
    assert modules == sorted(SERVICES.values())
    count = 0
    for name in modules:
        module = importlib.import_module(f"taskcluster.types.{name}")
        for type_name in module.__all__:
            t = getattr(module, type_name)
            if isinstance(t, type):  # a TypedDict; aliases are typing forms
                typing.get_type_hints(t)
                count += 1
    assert count > 200


def test_the_package_does_not_import_its_modules():
    script = (
        "import sys, taskcluster.types; print(sorted(m for m in sys.modules if m.startswith('taskcluster.types.')))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_mypy_strict_accepts_the_types_modules(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache")]
        + ["taskcluster/types", "tests/codegen/golden/gadgets.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in" in result.stdout


def test_types_modules_and_schema_loader_are_ruff_formatted():
    paths = ["taskcluster/types", "taskcluster/generated/schemas/__init__.py", "tests/codegen/golden/gadgets.py"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_runtime_schemas_match_the_manifest():
    from taskcluster.generated import schemas

    data = json.loads((ROOT / "apis.json").read_text(encoding="utf-8"))
    assert sorted(schemas.MODULES) == sorted(manifest.module_name(c) for c in data)
    for class_name, cls in data.items():
        assert schemas.load(manifest.module_name(class_name)) == cls.get("schemas", {})
    queue = schemas.load("queue")
    assert queue["v1/create-task-request.json#"]["title"] == "Task Definition Request"
    with pytest.raises(KeyError):
        schemas.load("nope")
    text = (ROOT / "taskcluster/generated/schemas/queue.json").read_text(encoding="utf-8")
    assert text.count("\n") == 1 and ", " not in text and ": " not in text.replace('": "', "")  # compact


def test_runtime_schemas_validate_with_jsonschema_under_a_base():
    """The recipe of `load`'s docstring: prefixed ids make the refs absolute, so a validator resolves
    refs into other schemas (and, from there, further ones and local definitions)."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    from taskcluster.generated import schemas

    base = "urn:taskcluster:queue:"
    loaded = schemas.load("queue", base)
    assert loaded[base + "v1/task-status-response.json#"]["properties"]["status"] == {
        "$ref": base + "v1/task-status.json#"
    }
    registry = Registry().with_resources(
        (key[:-1], Resource.from_contents(schema, default_specification=DRAFT7)) for key, schema in loaded.items()
    )
    task = {
        "provisionerId": "prov",
        "workerType": "wt",
        "created": "2024-01-01T00:00:00.000Z",
        "deadline": "2024-01-02T00:00:00.000Z",
        "payload": {},
        "metadata": {"name": "n", "description": "d", "owner": "me@example.com", "source": "https://example.com"},
    }
    request = jsonschema.Draft7Validator(loaded[base + "v1/create-task-request.json#"], registry=registry)
    assert list(request.iter_errors(task)) == []
    assert [e.message for e in request.iter_errors({**task, "priority": "urgent"})] == [
        "'urgent' is not one of ['highest', 'very-high', 'high', 'medium', 'low', 'very-low', 'lowest']"
    ]
    nested = jsonschema.Draft7Validator(loaded[base + "v1/task-definition-and-status.json#"], registry=registry)
    messages = [e.message for e in nested.iter_errors({"taskId": "x", "task": {"payload": {}}, "status": {}})]
    assert "'metadata' is a required property" in messages  # checked two refs down (task.json, metadata)


def test_wheels_ship_the_runtime_schemas():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r"\[tool\.setuptools\.package-data\]\s*taskcluster = \[([^\]]*)\]", text)
    assert match is not None and '"generated/schemas/*.json"' in match.group(1)


# --- names and the type expression model -------------------------------------------------------------


def test_names_from_titles_follow_the_go_client():
    assert identifier_words("Task Definition Request") == "TaskDefinitionRequest"
    assert identifier_words("Purge Cache Requests Entry") == "PurgeCacheRequestsEntry"
    assert identifier_words("Task-Group Identifier") == "TaskGroupIdentifier"
    assert identifier_words("getUrl Download Response") == "GetUrlDownloadResponse"  # inner capitals kept
    assert identifier_words("task id") == "TaskID" and identifier_words("Sentry DSN response") == "SentryDSNResponse"
    assert identifier_words("list-lastFires-response") == "ListLastFiresResponse"  # a file name


def test_unions_are_simplified():
    s, i, none = TypeExpr.primitive("str"), TypeExpr.primitive("int"), TypeExpr.primitive("none")
    lit = TypeExpr.literal
    assert TypeExpr.union([s, s]) == s
    assert TypeExpr.union([s, lit(("x",))]) == s  # str absorbs string literals
    assert TypeExpr.union([lit(("a",)), lit(("b", None))]).python() == 'Optional[Literal["a", "b"]]'
    assert TypeExpr.union([i, TypeExpr.union([s, none])]).python() == "Optional[Union[int, str]]"
    assert TypeExpr.union([lit((1,)), lit((True,))]).python() == "Literal[1, True]"  # 1 is not True
    assert TypeExpr.union([s, TypeExpr.primitive("any", note="why")]).notes() == ("why",)
    with pytest.raises(ValueError):
        TypeExpr(kind="literal", values=(1.5,))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TypeExpr(kind="union", args=(s,))


# --- bad schemas ---------------------------------------------------------------------------------

Mutation = Callable[[Dict[str, Any]], None]


def schemas_of(data: Dict[str, Any]) -> Dict[str, Any]:
    return data["Widgets"]["schemas"]


def set_schema(schema_id: str, schema: Any, output_of: Optional[str] = None) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        schemas_of(data)[schema_id] = schema
        if output_of is not None:
            next(e for e in data["Widgets"]["reference"]["entries"] if e["name"] == output_of)["output"] = schema_id

    return mutate


def set_output(entry: str, schema_id: str) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        next(e for e in data["Widgets"]["reference"]["entries"] if e["name"] == entry)["output"] = schema_id

    return mutate


def set_widget_property(name: str, schema: Any) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        schemas_of(data)["v1/widget.json#"]["properties"][name] = schema

    return mutate


def set_title(title: str) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        schemas_of(data)["v1/widget.json#"]["title"] = title

    return mutate


def set_type_names(names: Dict[str, Any]) -> Mutation:
    def mutate(data: Dict[str, Any]) -> None:
        data["Widgets"]["typeNames"] = names

    return mutate


OTHER_WIDGET = {"title": "Widget", "type": "object", "properties": {"other": {"type": "string"}}}

# fmt: off
BAD = [
    ("ref-to-missing-schema", set_widget_property("part", {"$ref": "v1/part.json#"}),
     "Widgets.schemas[v1/widget.json#/properties/part].$ref: 'v1/part.json#' does not resolve (no schema "
     "'v1/part.json#') (used by createWidget.output)"),
    ("ref-to-missing-definition", set_widget_property("part", {"$ref": "#/definitions/part"}),
     "Widgets.schemas[v1/widget.json#/properties/part].$ref: '#/definitions/part' does not resolve"),
    ("entry-pointer-does-not-resolve", set_output("createWidget", "v1/widget.json#/definitions/nope"),
     "Widgets.createWidget.output: 'v1/widget.json#/definitions/nope' does not resolve in schemas"),
    ("alias-loop", lambda d: (set_schema("v1/a.json#", {"$ref": "v1/b.json#"}, "ping")(d),
                              set_schema("v1/b.json#", {"$ref": "v1/a.json#"})(d)),
     "Widgets.ping.output: v1/a.json#: $ref cycle that never passes through an object with properties: "
     "v1/a.json# -> v1/b.json# -> v1/a.json#"),
    ("array-of-itself", set_schema("v1/nested.json#", {"type": "array", "items": {"$ref": "#"}}, "ping"),
     "Widgets.ping.output: v1/nested.json#: $ref cycle that never passes through an object with properties: "
     "v1/nested.json# -> v1/nested.json#/items -> v1/nested.json#"),
    ("title-starts-with-a-digit", set_title("3D Widget"),
     "Widgets.createWidget.output: v1/widget.json#: title '3D Widget' gives '3DWidget', which is not a valid "
     "(ASCII) Python identifier"),
    ("title-is-a-keyword", set_title("none"),
     "Widgets.createWidget.output: v1/widget.json#: title 'none' gives 'None', which is not a valid (ASCII) Python "
     "identifier"),
    ("title-not-ascii", set_title("Café"),
     "Widgets.createWidget.output: v1/widget.json#: title 'Café' gives 'Café', which is not a valid (ASCII)"),
    ("title-shadows-typing", set_title("any"),
     "Widgets.createWidget.output: v1/widget.json#: title 'any' gives 'Any', which would shadow typing.Any"),
    ("title-without-letters", set_title("???"),
     "Widgets.createWidget.output: v1/widget.json#: title '???' gives '': no type name"),
    ("empty-property-name", set_widget_property("", {"type": "string"}),
     "Widgets.createWidget.output: v1/widget.json#: has a property named '' (empty): type checkers reject"),
    ("unknown-type", set_widget_property("size", {"type": "int"}),
     "Widgets.createWidget.output: v1/widget.json#/properties/size: unknown type 'int'"),
    ("collision", set_schema("v1/other-widget.json#", OTHER_WIDGET, "ping"),
     "Widgets.typeNames: v1/widget.json#: type name 'Widget' would be given to two different schemas, "
     "v1/other-widget.json# and v1/widget.json#; name one of them in typeNames"),
    ("type-name-nowhere", set_type_names({"v1/gone.json#": "Gone"}),
     "Widgets.typeNames[v1/gone.json#]: names no schema node of this class"),
    ("type-name-invalid", set_type_names({"v1/widget.json#": "widget"}),
     "Widgets.typeNames[v1/widget.json#]: 'widget' does not match"),
    ("type-name-shadows-typing", set_type_names({"v1/widget.json#": "Dict"}),
     "Widgets.createWidget.output: v1/widget.json#: typeNames gives 'Dict', which would shadow typing.Dict"),
    ("type-name-key-not-a-node-id", set_type_names({"v1/widget.json": "Widget2"}),
     "Widgets.typeNames[v1/widget.json]: is not a valid key"),
    ("schema-key-without-hash", set_schema("v1/part.json", {"type": "object"}),
     "Widgets.schemas[v1/part.json]: is not a valid key"),
    ("schema-not-a-schema", set_schema("v1/part.json#", "a string"),
     "Widgets.schemas[v1/part.json#]: 'a string' is not of type 'object', 'boolean'"),
]
# fmt: on


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_schemas_stop_the_generator(mutate, expected, small, write_manifest, run, tree, tmp_path):
    mutate(small)
    path = write_manifest(small)
    out = tmp_path / "out"
    (out / "taskcluster" / "types").mkdir(parents=True)
    (out / "taskcluster" / "types" / "stale.py").write_text("# would be removed by a successful run\n")
    before = tree(tmp_path)
    status, stdout, stderr = run("--manifest", str(path), "--out", str(out))
    assert status == 1, stderr
    assert any(line.startswith(f"apis.json: {expected}") for line in stderr.splitlines()), stderr
    assert "nothing written" in stderr and stdout == ""
    assert tree(tmp_path) == before


def test_a_collision_named_in_type_names_is_resolved(small):
    set_schema("v1/other-widget.json#", OTHER_WIDGET, "ping")(small)
    small["Widgets"]["typeNames"] = {"v1/other-widget.json#": "OtherWidget"}
    assert manifest.validate(small) == []
    (widgets, _) = manifest.build_model(small).services
    assert {"OtherWidget", "Widget"} <= {t.name for t in widgets.types}


def test_untyped_entries_are_documented(small):
    del small["Widgets"]["schemas"]["v1/widget.json#"]
    small["Widgets"]["schemas"]["v1/widget-list.json#"]["properties"]["widgets"]["items"] = {"type": "object"}
    files = render.render(manifest.build_model(small))
    sync = files["taskcluster/generated/widgets.py"]
    assert "Output schema: ``v1/widget.json#`` (untyped: the schema is no longer published)" in sync
    assert "Input schema: ``v1/create-widget-request.json#``\n" in sync
    page = files["docs/reference/widgets.md"]
    assert "| Output schema | `v1/widget.json#` (untyped: the schema is no longer published) |" in page
    types_page = files["docs/reference/widgets-types.md"]
    assert "| [`createWidget`](widgets.md#createwidget) | output | `v1/widget.json#` |" in types_page
    assert "no longer publish their schemas: createWidget (output)." in files["taskcluster/types/widgets.py"]


def test_every_schema_gets_its_types_even_unused(small):
    data = copy.deepcopy(small)
    set_schema("v1/unused.json#", {"title": "Unused Thing", "type": "object", "properties": {"a": {"type": "string"}}})(
        data
    )
    (widgets, _) = manifest.build_model(data).services
    assert "UnusedThing" in {t.name for t in widgets.types}


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/codegen/test_codegen_types.py --regenerate")
    for name, text in render_golden().items():
        (GOLDEN_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN_DIR / name}")
