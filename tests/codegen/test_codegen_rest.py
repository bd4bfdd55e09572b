"""The REST manifest front-end (`rest-manifest/1`): what it builds, what it refuses (naming resource, method and field,
and writing nothing), and the package the command line writes."""

import copy
import io
import json
from pathlib import Path
from typing import Any, Dict

import pytest

from codegen import rest
from codegen.__main__ import main

MANIFEST: Dict[str, Any] = {
    "format": "rest-manifest/1",
    "name": "shelf",
    "className": "Shelf",
    "title": "Shelf API",
    "description": "Books on shelves.",
    "baseUrl": "{rootUrl}/{service}/{version}",
    "apiVersion": "v2",
    "auth": {"scheme": "bearer"},
    "pagination": {"tokenParam": "pageToken", "tokenField": "nextPageToken", "limitParam": "pageSize"},
    "commonParameters": {"$.xgafv": {"enum": ["1", "2"]}},
    "schemas": {
        "Book": {"type": "object", "properties": {"name": {"type": "string"}, "pages": {"type": "integer"}}},
        "BookList": {
            "type": "object",
            "properties": {"books": {"type": "array", "items": {"$ref": "Book"}}, "nextPageToken": {"type": "string"}},
        },
    },
    "resources": {
        "shelves": {
            "resources": {
                "books": {
                    "methods": {
                        "get": {
                            "httpMethod": "GET",
                            "path": "{+name}",
                            "parameters": {"name": {"location": "path", "pattern": "^shelves/[^/]+/books/[^/]+$"}},
                            "response": {"$ref": "Book"},
                        },
                        "list": {
                            "httpMethod": "GET",
                            "path": "{+parent}/books",
                            "parameters": {
                                "parent": {"location": "path"},
                                "pageToken": {"location": "query"},
                                "pageSize": {"location": "query", "type": "integer"},
                                "max-results": {"location": "query", "type": "integer"},
                                "continue": {"location": "query", "type": "boolean"},
                            },
                            "response": {"$ref": "BookList"},
                            "items": "books",
                        },
                        "import": {
                            "httpMethod": "POST",
                            "path": "{+parent}/books:import",
                            "parameters": {"parent": {"location": "path"}},
                            "request": {"$ref": "Book", "required": True},
                            "response": {"$ref": "Book"},
                        },
                    }
                }
            }
        }
    },
}


def manifest(**changes: Any) -> Dict[str, Any]:
    raw = copy.deepcopy(MANIFEST)
    raw.update(changes)
    return raw


def books(raw: Dict[str, Any]) -> Dict[str, Any]:
    methods: Dict[str, Any] = raw["resources"]["shelves"]["resources"]["books"]["methods"]
    return methods


def test_the_model_speaks_in_general_terms():
    service = rest.build_service(manifest())
    assert service.calling == "keywords" and service.auth.kind == "bearer"
    assert service.base_url == "{rootUrl}/{service}/{version}" and service.api_version == "v2"
    by_name = {f.qualified_name: f for f in service.functions}
    assert sorted(by_name) == ["shelves.books.get", "shelves.books.import_", "shelves.books.list"]
    listing = by_name["shelves.books.list"]
    assert listing.pagination is not None and listing.pagination.items_key == "books"
    names = {p.wire: p.name for p in listing.parameters}
    assert names["max-results"] == "max_results" and names["$.xgafv"] == "x__xgafv" and names["continue"] == "continue"
    assert listing.item_type is not None and listing.item_type.name == "Book"
    assert by_name["shelves.books.import_"].body_required


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: books(r)["get"]["parameters"].update(view={"location": "header"}),
            "shelves.books.get: parameter 'view': unknown location 'header' (expected path or query)",
        ),
        (
            lambda r: books(r)["get"]["parameters"].update(extra={"location": "path"}),
            "shelves.books.get: parameter 'extra': a path parameter missing from the path template '{+name}'",
        ),
        (
            lambda r: books(r)["get"].update(path="{+name}/{other}"),
            "shelves.books.get: path: template parameter {other} is not declared as a path parameter",
        ),
        (
            lambda r: books(r)["list"]["parameters"].update({"max_results": {"location": "query"}}),
            "shelves.books.list: parameter 'max_results': its Python name 'max_results' is also the name of "
            "'max-results'",
        ),
        (
            lambda r: books(r)["get"].update(response={"$ref": "Missing"}),
            "shelves.books.get: response: $ref 'Missing' names no schema of the manifest",
        ),
        (
            lambda r: books(r)["list"].update(httpMethod="FETCH"),
            "shelves.books.list: httpMethod: unknown HTTP method 'FETCH'",
        ),
        (
            lambda r: r["schemas"]["Book"]["properties"].update(shelf={"$ref": "Nowhere"}),
            "Nowhere",
        ),
    ],
)
def test_what_cannot_be_represented_is_refused_by_name_and_nothing_is_written(tmp_path: Path, change, message):
    raw = manifest()
    change(raw)
    with pytest.raises(rest.RestManifestInvalid) as caught:
        rest.build_service(raw, "shelf.json")
    assert any(message in error for error in caught.value.errors), caught.value.errors
    path = tmp_path / "shelf.json"
    path.write_text(json.dumps(raw))
    err = io.StringIO()
    assert main(["rest", str(path), "--out", str(tmp_path / "out")], out=io.StringIO(), err=err) == 1
    assert message in err.getvalue() and "nothing written" in err.getvalue()
    assert not (tmp_path / "out").exists()


def test_the_command_line_writes_then_checks_the_package(tmp_path: Path):
    path = tmp_path / "shelf.json"
    path.write_text(json.dumps(manifest()))
    out = tmp_path / "out"
    assert main(["rest", str(path), "--out", str(out), "--package", "gen_shelf"], out=io.StringIO()) == 0
    assert sorted(p.name for p in (out / "gen_shelf").iterdir()) == [
        "__init__.py", "_tables.py", "aio.py", "client.py", "py.typed", "types.py",
    ]  # fmt: skip
    check = ["rest", str(path), "--out", str(out), "--package", "gen_shelf", "--check"]
    assert main(check, out=io.StringIO()) == 0
    (out / "gen_shelf" / "client.py").write_text("# edited by hand\n")
    (out / "gen_shelf" / "stray.py").write_text("")
    err = io.StringIO()
    assert main(check, out=io.StringIO(), err=err) == 1
    assert "stale: gen_shelf/client.py" in err.getvalue() and "extra: gen_shelf/stray.py" in err.getvalue()
