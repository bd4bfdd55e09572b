"""Fixtures for the generator's tests: a small manifest written in the test, and a runner
for ``python -m codegen`` in-process (fast, output captured)."""

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `pytest tests/codegen` without the repo on sys.path
    sys.path.insert(0, str(REPO_ROOT))

from codegen.__main__ import main  # noqa: E402

# Widgets holds the schemas of its entries; WidgetsEvents does not (its message stays untyped).
SMALL_MANIFEST: Dict[str, Any] = {
    "Widgets": {
        "reference": {
            "$schema": "/schemas/common/api-reference-v0.json#",
            "apiVersion": "v1",
            "serviceName": "widgets",
            "title": "Widget Service",
            "description": 'Keeps "widgets"; a backslash \\ and a """triple quote""" must survive.',
            "entries": [
                {
                    "type": "function",
                    "name": "ping",
                    "title": "Ping Server",
                    "description": "Answers when the service is up.",
                    "stability": "stable",
                    "method": "get",
                    "route": "/ping",
                    "args": [],
                    "query": [],
                },
                {
                    "type": "function",
                    "name": "createWidget",
                    "title": "Create Widget",
                    "description": "Creates a widget part.",
                    "stability": "experimental",
                    "method": "put",
                    "route": "/widgets/<widgetId>/parts/<partId>",
                    "args": ["widgetId", "partId"],
                    "query": ["dryRun"],
                    "input": "v1/create-widget-request.json#",
                    "output": "v1/widget.json#",
                    "scopes": {
                        "AllOf": [
                            "widgets:create:<widgetId>",
                            {"for": "tag", "in": "tags", "each": "widgets:tag:<tag>"},
                            {"if": "public", "then": {"AnyOf": ["widgets:publish", "widgets:admin"]}},
                        ]
                    },
                },
                {
                    "type": "function",
                    "name": "listWidgets",
                    "title": "List Widgets",
                    "description": "Lists widgets, one page at a time.",
                    "stability": "deprecated",
                    "method": "get",
                    "route": "/widgets",
                    "args": [],
                    "query": ["continuationToken", "limit"],
                    "output": "v1/widget-list.json#",
                    "scopes": "widgets:list",
                    "pageItems": "widgets",
                },
            ],
        },
        "schemas": {
            "v1/create-widget-request.json#": {
                "title": "Create Widget Request",
                "type": "object",
                "properties": {
                    "size": {"type": "integer", "title": "Size"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "public": {"type": "boolean"},
                },
                "required": ["size"],
                "additionalProperties": False,
            },
            "v1/widget-list.json#": {
                "title": "Widget List",
                "type": "object",
                "properties": {
                    "continuationToken": {"type": "string"},
                    "widgets": {"type": "array", "items": {"$ref": "v1/widget.json#"}},
                },
                "required": ["widgets"],
                "additionalProperties": False,
            },
            "v1/widget.json#": {
                "title": "Widget",
                "type": "object",
                "properties": {
                    "widgetId": {"type": "string"},
                    "size": {"type": "integer"},
                    "created": {"type": "string", "format": "date-time"},
                },
                "required": ["widgetId", "size"],
            },
        },
    },
    "WidgetsEvents": {
        "reference": {
            "$schema": "/schemas/common/exchanges-reference-v0.json#",
            "apiVersion": "v1",
            "serviceName": "widgets",
            "title": "Widget Exchanges",
            "description": "Messages about widgets.",
            "exchangePrefix": "exchange/widgets/v1/",
            "entries": [
                {
                    "type": "topic-exchange",
                    "name": "widgetCreated",
                    "title": "Widget Created",
                    "description": "Published when a widget is created.",
                    "exchange": "widget-created",
                    "schema": "v1/widget-created-message.json#",
                    "routingKey": [
                        {"name": "routingKeyKind", "constant": "primary", "multipleWords": False, "required": True},
                        {"name": "widgetId", "multipleWords": False, "required": True},
                        {"name": "reserved", "multipleWords": True, "required": False},
                    ],
                }
            ],
        },
        "deprecated": True,
    },
}


@pytest.fixture
def small() -> Dict[str, Any]:
    """A fresh copy of the small manifest (tests mutate it)."""
    return copy.deepcopy(SMALL_MANIFEST)


@pytest.fixture
def write_manifest(tmp_path: Path) -> Callable[[Any], Path]:
    def write(data: Any, name: str = "apis.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Tuple[int, str, str]]:
    """Run ``python -m codegen ARGS`` in-process: (exit status, stdout, stderr).

    The working directory is tmp_path, where `write_manifest` puts apis.json, so messages
    name it ``apis.json`` as they do in the repository.
    """
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> Tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = main(list(argv), out=out, err=err)
        return status, out.getvalue(), err.getvalue()

    return run


def snapshot(root: Path) -> Dict[str, bytes]:
    """Every file under root with its bytes, to prove a command wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tree() -> Callable[[Path], Dict[str, bytes]]:
    return snapshot


def _find(data: Dict[str, Any], class_name: str, name: str) -> Dict[str, Any]:
    for entry in data[class_name]["reference"]["entries"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"{class_name}.{name}")


@pytest.fixture
def find() -> Callable[[Dict[str, Any], str, str], Dict[str, Any]]:
    """``find(manifest, "Widgets", "ping")``: an entry of a manifest, by class and name."""
    return _find
