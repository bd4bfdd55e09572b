"""`codegen.discovery.to_manifest` on small hand-written Discovery documents: what each part of a document becomes in
the REST manifest, and every document the manifest cannot represent, refused with one message per problem."""

import copy
import json
import os
from pathlib import Path
from typing import Any, Dict, List

import oracle
import pytest

from codegen import rest
from codegen.discovery import class_name, python_name, to_manifest
from codegen.rest import RestManifestInvalid

DATA = Path(__file__).resolve().parent / "data"


def method(**fields: Any) -> Dict[str, Any]:
    """A Discovery method: ``GET v1/{+name}`` answering a Thing, with `fields` merged over it."""
    base: Dict[str, Any] = {
        "id": "demo.things.get",
        "httpMethod": "GET",
        "path": "v1/{+name}",
        "flatPath": "v1/things/{thingsId}",
        "parameterOrder": ["name"],
        "parameters": {
            "name": {"location": "path", "required": True, "type": "string", "pattern": "^things/[^/]+$"},
        },
        "response": {"$ref": "Thing"},
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
    }
    base.update(fields)
    return base


def document(**fields: Any) -> Dict[str, Any]:
    """A small valid Discovery document with one resource ``things`` holding ``get``; `fields` merged over it."""
    base: Dict[str, Any] = {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "demo:v1",
        "name": "demo",
        "canonicalName": "Demo Things",
        "version": "v1",
        "title": "Demo API",
        "description": "Keeps things.",
        "rootUrl": "https://demo.example.test/",
        "servicePath": "",
        "parameters": {},
        "schemas": {
            "Thing": {
                "id": "Thing",
                "type": "object",
                "properties": {"name": {"type": "string"}},
            },
            "ListThingsResponse": {
                "id": "ListThingsResponse",
                "type": "object",
                "properties": {
                    "things": {"type": "array", "items": {"$ref": "Thing"}},
                    "nextPageToken": {"type": "string"},
                },
            },
        },
        "resources": {"things": {"methods": {"get": method()}}},
    }
    base.update(fields)
    return base


def list_method(**fields: Any) -> Dict[str, Any]:
    """A Discovery list method with ``pageToken`` answering ListThingsResponse, `fields` merged over it."""
    fields = {
        "id": "demo.things.list",
        "path": "v1/things",
        "parameterOrder": [],
        "parameters": {
            "pageSize": {"location": "query", "type": "integer", "format": "int32"},
            "pageToken": {"location": "query", "type": "string"},
        },
        "response": {"$ref": "ListThingsResponse"},
        **fields,
    }
    return method(**fields)


def with_methods(**methods: Any) -> Dict[str, Any]:
    """The small document with these methods in its ``things`` resource."""
    return document(resources={"things": {"methods": methods}})


def errors_of(doc: Dict[str, Any], source: str = "document") -> List[str]:
    with pytest.raises(RestManifestInvalid) as info:
        to_manifest(doc, source)
    assert str(info.value) == "\n".join(info.value.errors)
    return info.value.errors


# --- the top level ------------------------------------------------------------------------------------------------


def test_top_level_fields():
    manifest = to_manifest(document())
    assert {k: v for k, v in manifest.items() if k not in ("schemas", "resources")} == {
        "format": "rest-manifest/1",
        "name": "demo",
        "className": "DemoThings",
        "title": "Demo API",
        "description": "Keeps things.",
        "serviceName": "demo",
        "apiVersion": "v1",
        "baseUrl": "{rootUrl}/",
        "defaultRootUrl": "https://demo.example.test/",
        "auth": {"scheme": "bearer"},
    }


def test_service_path_goes_into_the_base_url():
    manifest = to_manifest(document(servicePath="demo/v1/"))
    assert manifest["baseUrl"] == "{rootUrl}/demo/v1/"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("cloudtasks", "cloudtasks"),
        ("my-api.v2", "my_api_v2"),
        ("3dmaps", "x3dmaps"),
        ("café", "caf_"),
        ("import", "import_"),
    ],
)
def test_name_is_made_a_python_identifier(name, expected):
    manifest = to_manifest(document(name=name, canonicalName=None))
    assert manifest["name"] == manifest["serviceName"] == python_name(name) == expected
    assert manifest["name"].isidentifier()


@pytest.mark.parametrize(
    "canonical, name, expected",
    [
        ("Cloud Tasks", "cloudtasks", "CloudTasks"),
        ("Remote Build Execution", "remotebuildexecution", "RemoteBuildExecution"),
        ("BigQuery", "bigquery", "BigQuery"),
        ("iam credentials", "iamcredentials", "IamCredentials"),
        ("Ad Exchange Buyer II", "adexchangebuyer2", "AdExchangeBuyerII"),
        ("Pub/Sub Lite", "pubsublite", "PubSubLite"),
        (None, "cloudtasks", "Cloudtasks"),  # no canonicalName: from the name
        ("", "my-api", "MyApi"),
        (None, "3dmaps", "X3dmaps"),
    ],
)
def test_class_name_from_canonical_name_else_name(canonical, name, expected):
    doc = document(name=name)
    if canonical is None:
        del doc["canonicalName"]
    else:
        doc["canonicalName"] = canonical
    assert to_manifest(doc)["className"] == expected
    assert class_name(canonical or name) == expected


def test_title_is_one_line_and_falls_back_to_the_name():
    assert to_manifest(document(title="Demo\n  API "))["title"] == "Demo API"
    doc = document()
    del doc["title"], doc["description"]
    manifest = to_manifest(doc)
    assert manifest["title"] == "demo API"
    assert manifest["description"] == ""


def test_prose_flows_through_unchanged():
    prose = 'Keeps "things"; a backslash \\ and a """triple quote""" and `code` and é.\n\nSecond paragraph.'
    manifest = to_manifest(with_methods(get=method(description=prose)))
    manifest_text = json.dumps(manifest)
    assert manifest["resources"]["things"]["methods"]["get"]["description"] == prose
    assert json.loads(manifest_text) == manifest


def test_the_document_is_not_modified():
    doc = document(parameters={"alt": {"location": "query", "type": "string", "enum": ["json"]}})
    before = copy.deepcopy(doc)
    to_manifest(doc)
    assert doc == before


# --- common parameters --------------------------------------------------------------------------------------------


def test_common_parameters_are_the_documents_top_level_parameters():
    params = {
        "$.xgafv": {
            "description": "V1 error format.",
            "enum": ["1", "2"],
            "enumDescriptions": ["v1 error format", "v2 error format"],
            "location": "query",
            "type": "string",
        },
        "prettyPrint": {"default": "true", "location": "query", "type": "boolean", "description": "Indent."},
        "fields": {"location": "query", "type": "string"},
    }
    manifest = to_manifest(document(parameters=params))
    assert manifest["commonParameters"] == {
        "$.xgafv": {"location": "query", "type": "string", "enum": ["1", "2"], "description": "V1 error format."},
        "prettyPrint": {"location": "query", "type": "boolean", "description": "Indent."},
        "fields": {"location": "query", "type": "string"},
    }


def test_no_common_parameters_no_key():
    assert "commonParameters" not in to_manifest(document(parameters={}))
    doc = document()
    del doc["parameters"]
    assert "commonParameters" not in to_manifest(doc)


def test_a_common_parameter_must_be_a_query_parameter():
    doc = document(parameters={"project": {"location": "path", "type": "string"}, "x": {"location": "header"}})
    assert errors_of(doc) == [
        "document: parameters: parameter 'project': location 'path' (expected query)",
        "document: parameters: parameter 'x': unknown location 'header' (expected query)",
    ]


# --- methods and their parameters ---------------------------------------------------------------------------------


def test_method_fields():
    manifest = to_manifest(document())
    assert manifest["resources"] == {
        "things": {
            "methods": {
                "get": {
                    "id": "demo.things.get",
                    "httpMethod": "GET",
                    "path": "v1/{+name}",
                    "parameters": {
                        "name": {"location": "path", "type": "string", "required": True, "pattern": "^things/[^/]+$"}
                    },
                    "response": {"$ref": "Thing"},
                    "fixedQuery": {"alt": "json"},
                }
            }
        }
    }


def test_parameter_fields_and_types():
    params = {
        "name": {"location": "path", "required": True, "type": "string", "description": "The thing."},
        "count": {"location": "query", "type": "integer", "format": "int32", "default": "3"},
        "ratio": {"location": "query", "type": "number", "format": "double"},
        "dry": {"location": "query", "type": "boolean"},
        "tags": {"location": "query", "type": "string", "repeated": True},
        "view": {"location": "query", "type": "string", "enum": ["BASIC", "FULL"], "enumDescriptions": ["b", "f"]},
        "mask": {"location": "query", "type": "string", "format": "google-fieldmask"},
        "extensions": {"location": "query", "type": "object", "repeated": True, "additionalProperties": {}},
        "untyped": {"location": "query"},
    }
    manifest = to_manifest(with_methods(get=method(parameters=params)))
    assert manifest["resources"]["things"]["methods"]["get"]["parameters"] == {
        "name": {"location": "path", "type": "string", "required": True, "description": "The thing."},
        "count": {"location": "query", "type": "integer"},
        "ratio": {"location": "query", "type": "number"},
        "dry": {"location": "query", "type": "boolean"},
        "tags": {"location": "query", "type": "string", "repeated": True},
        "view": {"location": "query", "type": "string", "enum": ["BASIC", "FULL"]},
        "mask": {"location": "query", "type": "string"},
        "extensions": {"location": "query", "type": "any", "repeated": True},
        "untyped": {"location": "query", "type": "string"},  # googleapiclient's default type
    }


def test_parameter_order_first_then_document_order():
    params = {
        "b": {"location": "query", "type": "string"},
        "name": {"location": "path", "required": True, "type": "string"},
        "a": {"location": "query", "type": "string"},
        "zone": {"location": "query", "required": True, "type": "string"},
    }
    manifest = to_manifest(with_methods(get=method(parameters=params, parameterOrder=["name", "zone"])))
    assert list(manifest["resources"]["things"]["methods"]["get"]["parameters"]) == ["name", "zone", "b", "a"]


def test_wire_names_are_kept_for_the_loader_to_mangle():
    params = {
        "name": {"location": "path", "required": True, "type": "string"},
        "max-results": {"location": "query", "type": "integer"},
        "continue": {"location": "query", "type": "string"},
        "resultsCachePolicy.priority": {"location": "query", "type": "integer"},
    }
    manifest = to_manifest(with_methods(**{"import": method(parameters=params), "get-all": method()}))
    methods = manifest["resources"]["things"]["methods"]
    assert list(methods) == ["import", "get-all"]
    assert list(methods["import"]["parameters"]) == ["name", "max-results", "continue", "resultsCachePolicy.priority"]


def test_nested_resources_and_root_methods():
    doc = document(
        methods={"ping": method(id="demo.ping", path="v1/ping", parameters={}, parameterOrder=[])},
        resources={
            "projects": {
                "resources": {
                    "things": {"methods": {"get": method(id="demo.projects.things.get")}},
                    "empty": {},
                }
            }
        },
    )
    manifest = to_manifest(doc)
    assert list(manifest["methods"]) == ["ping"]
    assert manifest["methods"]["ping"]["path"] == "v1/ping"
    projects = manifest["resources"]["projects"]
    assert "methods" not in projects
    assert projects["resources"]["things"]["methods"]["get"]["id"] == "demo.projects.things.get"
    assert projects["resources"]["empty"] == {}


def test_resource_description_is_kept():
    doc = document(resources={"things": {"description": "All the things.", "methods": {"get": method()}}})
    assert to_manifest(doc)["resources"]["things"]["description"] == "All the things."


def test_path_not_flat_path_and_a_leading_slash_dropped():
    manifest = to_manifest(with_methods(get=method(path="/v1/{+name}")))
    assert manifest["resources"]["things"]["methods"]["get"]["path"] == "v1/{+name}"


def test_http_method_is_upper_cased():
    manifest = to_manifest(with_methods(get=method(httpMethod="get")))
    assert manifest["resources"]["things"]["methods"]["get"]["httpMethod"] == "GET"


def test_deprecated_is_carried():
    manifest = to_manifest(with_methods(get=method(deprecated=True), old=method(deprecated=False), new=method()))
    methods = manifest["resources"]["things"]["methods"]
    assert methods["get"]["deprecated"] is True
    assert methods["old"]["deprecated"] is False
    assert "deprecated" not in methods["new"]


# --- request, response, fixedQuery --------------------------------------------------------------------------------


def test_request_and_response_refs_pass_through():
    post = method(httpMethod="POST", path="v1/{+name}:touch", request={"$ref": "Thing"})
    manifest = to_manifest(with_methods(touch=post))
    touch = manifest["resources"]["things"]["methods"]["touch"]
    assert touch["request"] == {"$ref": "Thing"}
    assert touch["response"] == {"$ref": "Thing"}


@pytest.mark.parametrize("http_method", ["GET", "DELETE", "HEAD"])
def test_request_is_dropped_where_googleapiclient_takes_no_body(http_method):
    manifest = to_manifest(with_methods(get=method(httpMethod=http_method, request={"$ref": "Thing"})))
    assert "request" not in manifest["resources"]["things"]["methods"]["get"]


@pytest.mark.parametrize("http_method", ["PUT", "POST", "PATCH"])
def test_request_is_kept_on_payload_methods(http_method):
    manifest = to_manifest(with_methods(get=method(httpMethod=http_method, request={"$ref": "Thing"})))
    assert manifest["resources"]["things"]["methods"]["get"]["request"] == {"$ref": "Thing"}


def test_alt_json_only_with_a_response():
    no_response = method()
    del no_response["response"]
    manifest = to_manifest(with_methods(get=method(), delete=no_response))
    methods = manifest["resources"]["things"]["methods"]
    assert methods["get"]["fixedQuery"] == {"alt": "json"}
    assert "fixedQuery" not in methods["delete"]
    assert "response" not in methods["delete"]


def test_inline_request_and_response_schemas_become_named_schemas():
    inline = {"type": "object", "additionalProperties": {"type": "any", "description": "A value."}}
    post = method(httpMethod="POST", path="v1/{+name}:send", request=inline, response=inline)
    manifest = to_manifest(with_methods(send=post))
    send = manifest["resources"]["things"]["methods"]["send"]
    assert send["request"] == {"$ref": "ThingsSendRequest"}
    assert send["response"] == {"$ref": "ThingsSendResponse"}
    mapped = {"type": "object", "additionalProperties": {"description": "A value."}}
    assert manifest["schemas"]["ThingsSendRequest"] == mapped
    assert manifest["schemas"]["ThingsSendResponse"] == mapped
    rest.build_service(manifest)  # the loader accepts the hoisted schemas


# --- pagination ---------------------------------------------------------------------------------------------------


def test_pagination_detected():
    manifest = to_manifest(with_methods(list=list_method(), get=method()))
    assert manifest["pagination"] == {
        "tokenParam": "pageToken",
        "tokenField": "nextPageToken",
        "limitParam": "pageSize",
    }
    methods = manifest["resources"]["things"]["methods"]
    assert methods["list"]["items"] == "things"
    assert "items" not in methods["get"]


def test_no_paginated_method_no_pagination():
    manifest = to_manifest(document())
    assert "pagination" not in manifest


def test_page_token_without_next_page_token_is_not_paginated():
    manifest = to_manifest(with_methods(list=list_method(response={"$ref": "Thing"})))
    assert "pagination" not in manifest
    assert "items" not in manifest["resources"]["things"]["methods"]["list"]


def test_next_page_token_without_page_token_is_not_paginated():
    manifest = to_manifest(with_methods(list=list_method(parameters={"pageSize": {"location": "query"}})))
    assert "pagination" not in manifest


def test_page_token_outside_the_query_is_not_paginated():
    params = {"pageToken": {"location": "path", "required": True, "type": "string"}}
    manifest = to_manifest(with_methods(list=list_method(path="v1/things/{pageToken}", parameters=params)))
    assert "pagination" not in manifest


def _list_response(**properties: Any) -> Dict[str, Any]:
    return {"type": "object", "properties": dict(properties, nextPageToken={"type": "string"})}


def test_several_array_properties_leave_the_method_unpaginated():
    doc = with_methods(list=list_method())
    doc["schemas"]["ListThingsResponse"] = _list_response(
        things={"type": "array", "items": {"$ref": "Thing"}},
        unreachable={"type": "array", "items": {"type": "string"}},
    )
    manifest = to_manifest(doc)
    assert "pagination" not in manifest
    assert "items" not in manifest["resources"]["things"]["methods"]["list"]
    assert "pageToken" in manifest["resources"]["things"]["methods"]["list"]["parameters"]  # pages by hand


def test_no_array_property_leaves_the_method_unpaginated():
    doc = with_methods(list=list_method())
    doc["schemas"]["ListThingsResponse"] = _list_response(total={"type": "integer"})
    assert "pagination" not in to_manifest(doc)


def test_an_array_reached_through_a_ref_counts():
    doc = with_methods(list=list_method())
    doc["schemas"]["ListThingsResponse"] = _list_response(things={"$ref": "Things"}, total={"type": "integer"})
    doc["schemas"]["Things"] = {"type": "array", "items": {"$ref": "Thing"}}
    manifest = to_manifest(doc)
    assert manifest["resources"]["things"]["methods"]["list"]["items"] == "things"


def test_one_paginated_method_among_others():
    doc = with_methods(list=list_method(), search=list_method(id="demo.things.search", response={"$ref": "Thing"}))
    manifest = to_manifest(doc)
    methods = manifest["resources"]["things"]["methods"]
    assert "pagination" in manifest
    assert methods["list"]["items"] == "things"
    assert "items" not in methods["search"]


# --- schemas ------------------------------------------------------------------------------------------------------


def test_schemas_become_json_schema():
    schemas = {
        "Thing": {
            "id": "Thing",
            "description": "A thing.",
            "type": "object",
            "annotations": {"required": ["name"]},
            "properties": {
                "name": {"type": "string", "readOnly": True, "description": "Its name."},
                "size": {"type": "string", "format": "int64", "default": "0", "pattern": "^[0-9]+$"},
                "state": {
                    "type": "string",
                    "enum": ["STATE_UNSPECIFIED", "ON"],
                    "enumDescriptions": ["unknown", "on"],
                    "enumDeprecated": [False, False],
                },
                "parts": {"type": "array", "items": {"$ref": "Part"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "extra": {"type": "any"},
                "old": {"type": "boolean", "deprecated": True, "required": True},
            },
        },
        "Part": {"id": "Part", "type": "object", "properties": {"weight": {"type": "number", "format": "double"}}},
        "Empty": {"id": "Empty", "type": "object", "properties": {}},
    }
    manifest = to_manifest(document(schemas=schemas, resources={}))
    assert manifest["schemas"] == {
        "Thing": {
            "description": "A thing.",
            "type": "object",
            "properties": {
                "name": {"type": "string", "readOnly": True, "description": "Its name."},
                "size": {"type": "string", "format": "int64"},
                "state": {"type": "string", "enum": ["STATE_UNSPECIFIED", "ON"]},
                "parts": {"type": "array", "items": {"$ref": "Part"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "extra": {},
                "old": {"type": "boolean"},
            },
        },
        "Part": {"type": "object", "properties": {"weight": {"type": "number", "format": "double"}}},
        "Empty": {"type": "object", "properties": {}},
    }


# --- the shipped documents ----------------------------------------------------------------------------------------


def test_tiny_document_maps_and_loads():
    doc = json.loads((DATA / "tiny.discovery.json").read_text(encoding="utf-8"))
    manifest = to_manifest(doc, "tiny.discovery.json")
    assert manifest["className"] == "TinyGarden"
    assert manifest["baseUrl"] == "{rootUrl}/garden/"
    beds = manifest["resources"]["beds"]
    assert beds["methods"]["list"]["items"] == "beds"
    assert beds["resources"]["plants"]["methods"]["delete"]["deprecated"] is True
    assert "fixedQuery" not in beds["resources"]["plants"]["methods"]["delete"]
    rest.build_service(manifest, "tiny.discovery.json")


# --- refused documents --------------------------------------------------------------------------------------------


def test_unknown_parameter_location():
    params = {
        "name": {"location": "path", "required": True, "type": "string"},
        "filter": {"location": "header", "type": "string"},
    }
    doc = document(
        resources={"projects": {"resources": {"locations": {"methods": {"list": method(parameters=params)}}}}}
    )
    assert errors_of(doc) == [
        "document: projects.locations.list: parameter 'filter': unknown location 'header' (expected path or query)"
    ]


def test_a_rejected_path_parameter_is_reported_once():
    params = {"name": {"location": "header", "required": True, "type": "string"}}
    assert errors_of(with_methods(get=method(parameters=params))) == [
        "document: things.get: parameter 'name': unknown location 'header' (expected path or query)"
    ]


def test_missing_location():
    params = {"name": {"location": "path", "required": True}, "q": {"type": "string"}}
    assert errors_of(with_methods(get=method(parameters=params))) == [
        "document: things.get: parameter 'q': unknown location None (expected path or query)"
    ]


@pytest.mark.parametrize("field", ["request", "response"])
def test_ref_to_a_missing_schema(field):
    doc = with_methods(get=method(httpMethod="POST", **{field: {"$ref": "Nowhere"}}))
    assert errors_of(doc) == [f"document: things.get: {field}: $ref 'Nowhere' names no schema of the document"]


def test_request_or_response_that_is_not_an_object():
    doc = with_methods(get=method(httpMethod="POST", request="Thing", response=["Thing"]))
    assert errors_of(doc) == [
        "document: things.get: request: not an object",
        "document: things.get: response: not an object",
    ]


def test_inline_schema_whose_name_is_taken():
    doc = with_methods(send=method(httpMethod="POST", request={"type": "object"}))
    doc["schemas"]["ThingsSendRequest"] = {"type": "object"}
    assert errors_of(doc) == [
        "document: things.send: request: an inline schema, and its name 'ThingsSendRequest' is taken"
    ]


def test_ref_inside_a_schema_to_a_missing_schema():
    doc = document()
    doc["schemas"]["Thing"]["properties"]["parts"] = {"type": "array", "items": {"$ref": "Part"}}
    doc["schemas"]["Thing"]["properties"]["meta"] = {"type": "object", "additionalProperties": {"$ref": "Meta"}}
    assert errors_of(doc) == [
        "document: schemas.Thing.parts[]: $ref 'Part' names no schema of the document",
        "document: schemas.Thing.meta{}: $ref 'Meta' names no schema of the document",
    ]


def test_unknown_schema_type():
    doc = document()
    doc["schemas"]["Thing"]["properties"]["when"] = {"type": "date"}
    assert errors_of(doc) == ["document: schemas.Thing.when: type 'date' is not a Discovery type"]


def test_media_upload_is_not_supported():
    upload = method(
        id="demo.things.upload",
        httpMethod="POST",
        path="v1/{+name}:upload",
        request={"$ref": "Thing"},
        supportsMediaUpload=True,
        mediaUpload={"accept": ["*/*"], "protocols": {"simple": {"multipart": True, "path": "/upload/v1/{+name}"}}},
    )
    assert errors_of(with_methods(upload=upload)) == [
        "document: things.upload: supportsMediaUpload: media upload methods are not supported"
    ]


def test_media_download_is_ignored():
    manifest = to_manifest(with_methods(get=method(supportsMediaDownload=True, useMediaDownloadService=True)))
    assert manifest["resources"]["things"]["methods"]["get"]["fixedQuery"] == {"alt": "json"}


def test_data_wrapper_is_not_supported():
    assert errors_of(document(features=["dataWrapper"])) == [
        "document: features: 'dataWrapper' (request and response bodies wrapped in {\"data\": ...}, as googleapiclient"
        " sends them) is not supported"
    ]
    to_manifest(document(features=[]))


def test_per_method_api_version_is_not_supported():
    assert errors_of(with_methods(get=method(apiVersion="2026-01-01"))) == [
        "document: things.get: apiVersion '2026-01-01': a per-method API version (googleapiclient sends it as the"
        " X-Goog-Api-Version header) is not supported"
    ]


def test_unknown_http_method():
    assert errors_of(with_methods(get=method(httpMethod="CONNECT"))) == [
        "document: things.get: httpMethod 'CONNECT' is not supported (expected one of DELETE, GET, HEAD, PATCH, POST,"
        " PUT)"
    ]


def test_path_expressions():
    params = {
        "name": {"location": "path", "required": True, "type": "string"},
        "q": {"location": "query", "type": "string"},
    }
    doc = with_methods(
        a=method(path="v1/{/name}", parameters=params),
        b=method(path="v1/{+name}/{q}", parameters=params),
        c=method(path="v1/{+name}/{other}", parameters=params),
        d=method(path="v1/things", parameters=params),
    )
    assert errors_of(doc) == [
        "document: things.a: path 'v1/{/name}': expression {/name} is not supported (only {name} and {+name})",
        "document: things.a: parameter 'name': a path parameter the path 'v1/{/name}' does not use",
        "document: things.b: path 'v1/{+name}/{q}': {q} names no path parameter",
        "document: things.c: path 'v1/{+name}/{other}': {other} names no path parameter",
        "document: things.d: parameter 'name': a path parameter the path 'v1/things' does not use",
    ]


def test_malformed_parts():
    doc = document(resources={"things": {"methods": {"get": "GET v1/things"}}, "parts": ["get"]})
    assert errors_of(doc) == [
        "document: things.get: not an object",
        "document: parts: a resource must be an object",
    ]


def test_missing_top_level_fields():
    doc = document()
    del doc["name"], doc["rootUrl"]
    assert errors_of(doc, "api.json") == [
        "api.json: name: missing (the document must name its API)",
        "api.json: rootUrl: missing (the document must give its root URL)",
    ]


def test_not_an_object():
    assert errors_of([], "api.json") == ["api.json: (document): not a JSON object"]


def test_every_problem_at_once_in_document_order():
    params = {
        "name": {"location": "path", "required": True, "type": "string"},
        "h": {"location": "header", "type": "string"},
    }
    doc = document(
        parameters={"p": {"location": "cookie"}},
        resources={
            "things": {
                "methods": {
                    "get": method(parameters=params, response={"$ref": "Gone"}),
                    "put": method(httpMethod="PUT", supportsMediaUpload=True, request={"$ref": "Nope"}),
                },
                "resources": {"parts": {"methods": {"get": method(path="v1/{+name}/{x}")}}},
            }
        },
    )
    assert errors_of(doc, "demo.json") == [
        "demo.json: parameters: parameter 'p': unknown location 'cookie' (expected query)",
        "demo.json: things.get: parameter 'h': unknown location 'header' (expected path or query)",
        "demo.json: things.get: response: $ref 'Gone' names no schema of the document",
        "demo.json: things.put: supportsMediaUpload: media upload methods are not supported",
        "demo.json: things.put: request: $ref 'Nope' names no schema of the document",
        "demo.json: things.parts.get: path 'v1/{+name}/{x}': {x} names no path parameter",
    ]


# --- every Discovery document googleapiclient ships ---------------------------------------------------------------

SHIPPED = sorted(p for p in oracle.document_path("x").parent.glob("*.json") if p.name != "index.json")  # index: no API
REFUSALS = ("supportsMediaUpload: media upload methods are not supported", "a per-method API version", "dataWrapper")


def test_every_shipped_document_maps_or_is_refused_for_a_documented_reason():
    mapped = 0
    for path in SHIPPED:
        try:
            to_manifest(json.loads(path.read_text(encoding="utf-8")), path.name)
        except RestManifestInvalid as exc:
            for error in exc.errors:
                assert error.startswith(f"{path.name}: ") and any(r in error for r in REFUSALS), error
        else:
            mapped += 1
    assert len(SHIPPED) > 500 and mapped > 0.9 * len(SHIPPED)


@pytest.mark.skipif(not os.environ.get("DISCOVERY_SWEEP"), reason="slow (about a minute): set DISCOVERY_SWEEP=1")
def test_every_mapped_document_renders_or_is_refused_by_the_loader(capsys):
    """The generator renders what the front-end maps, or refuses it with RestManifestInvalid (listed), never crashes."""
    refused = []
    for path in SHIPPED:
        try:
            manifest = to_manifest(json.loads(path.read_text(encoding="utf-8")), path.name)
        except RestManifestInvalid:
            continue
        try:
            rest.render_package(manifest, None, path.name)
        except RestManifestInvalid as exc:
            refused.extend(exc.errors)
    with capsys.disabled():
        print("\n" + "\n".join(refused))
