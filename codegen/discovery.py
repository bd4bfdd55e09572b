"""Google Discovery documents -> our REST manifest (``rest-manifest/1``): the Discovery front-end of the generator.

`to_manifest` maps one Discovery document (``https://<api>.googleapis.com/$discovery/rest``) onto the manifest that
``codegen.rest`` loads, so a generated client puts on the wire what googleapiclient would for the same call.

Mapping decisions (beyond the one-to-one fields):

- the base URL is ``{rootUrl}/`` + ``servicePath``; a method's URL is its ``path`` (not ``flatPath``, as in
  googleapiclient) with a leading ``/`` dropped, since googleapiclient joins the two with exactly one ``/``;
- a method is paginated when it has a ``pageToken`` query parameter, its response schema has a ``nextPageToken``
  property and exactly one array property, whose name becomes the method's ``items``. With no array, or several
  (``operations`` next to ``unreachable``), the method stays a plain call: its ``pageToken`` parameter remains, but it
  gets no ``.pages()`` / ``.items()``. The manifest's ``pagination`` is present when at least one method is paginated;
- every method with a ``response`` carries ``alt=json`` (googleapiclient's JSON model adds it over the caller's);
- a ``request`` is kept only on PUT, POST and PATCH: googleapiclient gives other methods no ``body``; an inline
  request or response schema (instead of a ``$ref``) is added to the schemas as ``<ResourcePathMethod>Request`` /
  ``...Response``;
- parameters list ``parameterOrder`` first, then the rest in document order; their ``format`` and ``default`` are
  dropped (googleapiclient writes values by ``type`` alone); a type other than string, integer, number and boolean
  becomes ``any``;
- schemas keep ``$ref``, ``type`` (``any`` becomes no type), ``properties``, ``items``, ``additionalProperties``,
  ``enum``, ``format``, ``description`` and ``readOnly``; everything else (``id``, ``enumDescriptions``,
  ``annotations``, ``default``, ``pattern``, a per-property ``required`` flag...) is dropped;
- ignored: ``scopes`` and the document's OAuth section (auth is a bearer token), media download (the JSON call is
  generated, not googleapiclient's ``*_media`` variant), ``supportsSubscription``, and googleapiclient's undocumented
  ``trace``/``pp``/``userip``/``strict`` query parameters.

Refused (`codegen.rest.RestManifestInvalid`, every problem of the document at once, each message naming the
resource path, the method and the field): media upload, a per-method ``apiVersion`` (a header the format cannot
send), the ``dataWrapper`` feature (bodies wrapped in ``{"data": ...}`` both ways), a parameter location other than
path and query, an HTTP method the format lacks, a path expression other than ``{name}`` / ``{+name}`` or naming no
path parameter, a path parameter the path does not use, a ``$ref`` to a schema the document lacks, and a schema type
Discovery does not define.
"""

from __future__ import annotations

import keyword
import re
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .rest import RestManifestInvalid

__all__ = ["class_name", "python_name", "to_manifest"]

HTTP_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
# methods googleapiclient gives a `body` argument when they have a `request`
PAYLOAD_METHODS = frozenset({"PATCH", "POST", "PUT"})
PARAMETER_TYPES = frozenset({"boolean", "integer", "number", "string"})
SCHEMA_TYPES = frozenset({"any", "array", "boolean", "integer", "number", "object", "string"})
# schema keywords that survive the mapping (the type converter reads these; the rest is Discovery's own)
SCHEMA_KEYWORDS = ("$ref", "type", "format", "enum", "description", "readOnly")
PAGINATION = {"tokenParam": "pageToken", "tokenField": "nextPageToken", "limitParam": "pageSize"}

_EXPRESSION = re.compile(r"\{([^{}]*)\}")
_VARIABLE = re.compile(r"\+?([A-Za-z0-9_.\-]+)")


def to_manifest(document: Mapping[str, Any], source: str = "document") -> Dict[str, Any]:
    """Map a Discovery document onto a ``rest-manifest/1`` dictionary.

    Raises `RestManifestInvalid` listing every part the format cannot represent, as ``<source>: <where>: <problem>``.
    """
    if not isinstance(document, Mapping):
        raise RestManifestInvalid([f"{source}: (document): not a JSON object"])
    mapper = _Mapper(document, source)
    manifest = mapper.run()
    if mapper.errors:
        raise RestManifestInvalid(mapper.errors)
    return manifest


def python_name(text: str) -> str:
    """A Python identifier for the document's name: non-alphanumerics become ``_``, ``x`` leads a non-letter start
    and a keyword gets a trailing ``_`` (the parameter rule of the manifest, plus the keyword rule of resources)."""
    name = "".join(c if c.isascii() and c.isalnum() else "_" for c in text)
    if not name[:1].isalpha():
        name = "x" + name
    return name + "_" if keyword.iskeyword(name) else name


def class_name(text: str) -> str:
    """The root class name: words (runs of ASCII letters and digits) capitalised and joined (``Cloud Tasks`` ->
    ``CloudTasks``); ``X`` leads when it would start with a digit."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[0].upper() + w[1:] for w in words)
    return name if name[:1].isalpha() else "X" + name


class _Mapper:
    """One mapping run: the document, its schema names, and the problems found so far."""

    def __init__(self, document: Mapping[str, Any], source: str) -> None:
        self.document = document
        self.source = source
        self.errors: List[str] = []
        schemas = document.get("schemas", {})
        self.schemas: Mapping[str, Any] = schemas if isinstance(schemas, Mapping) else {}
        self.paginated = False
        self.hoisted: Dict[str, Any] = {}  # inline request and response schemas, named after their methods

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.source}: {where}: {message}")

    def run(self) -> Dict[str, Any]:
        """The whole manifest (possibly incomplete when errors were recorded)."""
        doc = self.document
        raw_name = doc.get("name")
        if not isinstance(raw_name, str) or not raw_name:
            self.error("name", "missing (the document must name its API)")
            raw_name = "api"
        root_url = doc.get("rootUrl")
        if not isinstance(root_url, str) or not root_url:
            self.error("rootUrl", "missing (the document must give its root URL)")
            root_url = ""
        service_path = doc.get("servicePath") or ""
        if not isinstance(service_path, str):
            self.error("servicePath", "not a string")
            service_path = ""
        if not isinstance(self.document.get("schemas", {}), Mapping):
            self.error("schemas", "not an object")
        features = doc.get("features")
        if isinstance(features, list) and "dataWrapper" in features:
            wrapped = 'request and response bodies wrapped in {"data": ...}'
            self.error("features", f"'dataWrapper' ({wrapped}, as googleapiclient sends them) is not supported")

        name = python_name(raw_name)
        canonical = doc.get("canonicalName")
        manifest: Dict[str, Any] = {
            "format": "rest-manifest/1",
            "name": name,
            "className": class_name(canonical if isinstance(canonical, str) and canonical.strip() else raw_name),
            "title": " ".join(str(doc.get("title") or f"{raw_name} API").split()),
            "description": str(doc.get("description") or ""),
            "serviceName": name,
        }
        if isinstance(doc.get("version"), str):
            manifest["apiVersion"] = doc["version"]
        manifest["baseUrl"] = "{rootUrl}/" + service_path.lstrip("/")
        manifest["defaultRootUrl"] = root_url or None
        manifest["auth"] = {"scheme": "bearer"}

        common = self.common_parameters(doc.get("parameters", {}))
        schemas = {key: self.schema(value, f"schemas.{key}") for key, value in self.schemas.items()}
        methods, resources = self.resource(doc, ())
        schemas.update(self.hoisted)
        if self.paginated:
            manifest["pagination"] = dict(PAGINATION)
        if common:
            manifest["commonParameters"] = common
        manifest["schemas"] = schemas
        if methods:
            manifest["methods"] = methods
        if resources:
            manifest["resources"] = resources
        return manifest

    # --- parameters ---------------------------------------------------------------------------------------------

    def common_parameters(self, raw: Any) -> Dict[str, Any]:
        """The document's top-level parameters (every method accepts them), which must all be query parameters."""
        if not isinstance(raw, Mapping):
            self.error("parameters", "not an object")
            return {}
        result = {}
        for wire, desc in raw.items():
            param = self.parameter(desc, "parameters", wire)
            if param is None:
                continue
            if param["location"] != "query":
                self.error("parameters", f"parameter {wire!r}: location {param['location']!r} (expected query)")
                continue
            result[wire] = param
        return result

    def parameter(self, desc: Any, where: str, wire: str) -> Optional[Dict[str, Any]]:
        """One parameter in the manifest's terms, or None (with an error) when it cannot be one."""
        if not isinstance(desc, Mapping):
            self.error(where, f"parameter {wire!r}: not an object")
            return None
        location = desc.get("location")
        if location not in ("path", "query"):
            expected = "query" if where == "parameters" else "path or query"
            self.error(where, f"parameter {wire!r}: unknown location {location!r} (expected {expected})")
            return None
        kind = desc.get("type", "string")
        param: Dict[str, Any] = {"location": location, "type": kind if kind in PARAMETER_TYPES else "any"}
        if desc.get("required"):
            param["required"] = True
        if desc.get("repeated"):
            param["repeated"] = True
        for key in ("enum", "pattern", "description"):
            if key in desc:
                param[key] = desc[key]
        return param

    # --- resources and methods ----------------------------------------------------------------------------------

    def resource(self, raw: Mapping[str, Any], path: Tuple[str, ...]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """The methods and sub-resources of a resource (or of the document itself), depth first."""
        methods = {}
        for name, desc in _mapping(raw.get("methods")).items():
            methods[name] = self.method(".".join(path + (name,)), desc)
        resources: Dict[str, Any] = {}
        for name, sub in _mapping(raw.get("resources")).items():
            if not isinstance(sub, Mapping):
                self.error(".".join(path + (name,)), "a resource must be an object")
                continue
            sub_methods, sub_resources = self.resource(sub, path + (name,))
            entry: Dict[str, Any] = {}
            if isinstance(sub.get("description"), str):
                entry["description"] = sub["description"]
            if sub_methods:
                entry["methods"] = sub_methods
            if sub_resources:
                entry["resources"] = sub_resources
            resources[name] = entry
        return methods, resources

    def method(self, label: str, desc: Any) -> Dict[str, Any]:
        """One method; ``label`` (resource path and method name) leads every message about it."""
        if not isinstance(desc, Mapping):
            self.error(label, "not an object")
            return {}
        out: Dict[str, Any] = {}
        if isinstance(desc.get("id"), str):
            out["id"] = desc["id"]
        if isinstance(desc.get("description"), str):
            out["description"] = desc["description"]
        http_method = str(desc.get("httpMethod", "")).upper()
        if http_method not in HTTP_METHODS:
            expected = ", ".join(HTTP_METHODS)
            self.error(label, f"httpMethod {desc.get('httpMethod')!r} is not supported (expected one of {expected})")
        out["httpMethod"] = http_method
        raw_path = desc.get("path")
        if not isinstance(raw_path, str):
            self.error(label, "path: missing")
            raw_path = ""
        out["path"] = raw_path[1:] if raw_path.startswith("/") else raw_path
        if desc.get("supportsMediaUpload") or "mediaUpload" in desc:
            self.error(label, "supportsMediaUpload: media upload methods are not supported")
        if "apiVersion" in desc:
            header = "a per-method API version (googleapiclient sends it as the X-Goog-Api-Version header)"
            self.error(label, f"apiVersion {desc['apiVersion']!r}: {header} is not supported")

        params = self.method_parameters(label, desc)
        rejected = set(_mapping(desc.get("parameters"))) - set(params)  # already reported
        self.check_path(label, out["path"], params, rejected)
        out["parameters"] = params

        if "request" in desc and http_method in PAYLOAD_METHODS:
            out["request"] = self.reference(label, "request", desc["request"])
        response: Optional[Dict[str, Any]] = None
        if "response" in desc:
            response = self.reference(label, "response", desc["response"])
            out["response"] = response
        items = self.page_items(params, response)
        if items is not None:
            out["items"] = items
            self.paginated = True
        if response is not None:
            out["fixedQuery"] = {"alt": "json"}
        if "deprecated" in desc:
            out["deprecated"] = bool(desc["deprecated"])
        return out

    def method_parameters(self, label: str, desc: Mapping[str, Any]) -> Dict[str, Any]:
        """A method's own parameters, ``parameterOrder`` first."""
        raw = _mapping(desc.get("parameters"))
        order = [p for p in _strings(desc.get("parameterOrder")) if p in raw]
        order += [p for p in raw if p not in order]
        result = {}
        for wire in order:
            param = self.parameter(raw[wire], label, wire)
            if param is not None:
                result[wire] = param
        return result

    def check_path(self, label: str, path: str, params: Mapping[str, Any], rejected: AbstractSet[str]) -> None:
        """Every path expression is ``{name}`` or ``{+name}`` of a path parameter, and every path parameter is used
        (a parameter already `rejected` is not reported again)."""
        used = set()
        for expression in _EXPRESSION.findall(path):
            match = _VARIABLE.fullmatch(expression)
            if match is None:
                supported = "only {name} and {+name}"
                self.error(label, f"path {path!r}: expression {{{expression}}} is not supported ({supported})")
                continue
            name = match.group(1)
            used.add(name)
            if name not in rejected and params.get(name, {}).get("location") != "path":
                self.error(label, f"path {path!r}: {{{expression}}} names no path parameter")
        for wire, param in params.items():
            if param["location"] == "path" and wire not in used:
                self.error(label, f"parameter {wire!r}: a path parameter the path {path!r} does not use")

    def reference(self, label: str, field: str, raw: Any) -> Dict[str, Any]:
        """A method's request or response as a ``$ref`` to a schema; an inline schema (rare, but googleapiclient
        takes it) becomes a schema of its own named after the method (``ProjectsRunRequest``)."""
        if not isinstance(raw, Mapping):
            self.error(label, f"{field}: not an object")
            return {}
        ref = raw.get("$ref")
        if ref is None:
            ref = class_name(label) + field.capitalize()
            if ref in self.schemas or ref in self.hoisted:
                self.error(label, f"{field}: an inline schema, and its name {ref!r} is taken")
            else:
                self.hoisted[ref] = self.schema(raw, f"{label}.{field}")
        elif not isinstance(ref, str) or ref not in self.schemas:
            self.error(label, f"{field}: $ref {ref!r} names no schema of the document")
        return {"$ref": ref}

    def page_items(self, params: Mapping[str, Any], response: Optional[Mapping[str, Any]]) -> Optional[str]:
        """The items key of a paginated method (see the module docstring), else None."""
        token = params.get(PAGINATION["tokenParam"])
        if token is None or token["location"] != "query" or not response:
            return None
        name = response.get("$ref", "")
        schema = self.resolve(self.schemas.get(name, self.hoisted.get(name)))
        properties = _mapping(schema.get("properties"))
        if PAGINATION["tokenField"] not in properties:
            return None
        arrays = [key for key, prop in properties.items() if self.resolve(prop).get("type") == "array"]
        return arrays[0] if len(arrays) == 1 else None

    def resolve(self, node: Any) -> Mapping[str, Any]:
        """A schema node with its ``$ref`` chain followed (an empty mapping for anything unresolvable)."""
        seen = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            seen.add(node["$ref"])
            node = self.schemas.get(node["$ref"])
        return node if isinstance(node, Mapping) and "$ref" not in node else {}

    # --- schemas ------------------------------------------------------------------------------------------------

    def schema(self, node: Any, where: str) -> Dict[str, Any]:
        """One Discovery schema node as the JSON Schema the type converter reads (see the module docstring)."""
        if not isinstance(node, Mapping):
            self.error(where, "not an object")
            return {}
        out: Dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref":
                if not isinstance(value, str) or value not in self.schemas:
                    self.error(where, f"$ref {value!r} names no schema of the document")
                out[key] = value
            elif key == "type":
                if value not in SCHEMA_TYPES:
                    self.error(where, f"type {value!r} is not a Discovery type")
                elif value != "any":
                    out[key] = value
            elif key in SCHEMA_KEYWORDS:
                out[key] = value
            elif key == "properties":
                out[key] = {k: self.schema(v, f"{where}.{k}") for k, v in _mapping(value).items()}
            elif key == "items":
                out[key] = self.schema(value, f"{where}[]")
            elif key == "additionalProperties":
                out[key] = value if isinstance(value, bool) else self.schema(value, f"{where}{{}}")
        return out


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (the callers check the shapes they need)."""
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> Sequence[str]:
    """The strings of a list (``parameterOrder``), or none."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
