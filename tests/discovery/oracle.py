"""googleapiclient as an independent oracle: call cases for every method of a Discovery document and their requests.

Requests are only built, never sent: the service gets an `HttpMock`, so neither the network nor credentials are used.
"""

import functools
import json
import pathlib
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Tuple

import googleapiclient
from googleapiclient.discovery import build_from_document, fix_method_name, key2param
from googleapiclient.http import HttpMock

DOCUMENTS = ("cloudtasks.v2beta2.json", "remotebuildexecution.v2.json")

# Global parameters some cases pass: googleapiclient name -> value.
GLOBAL_KWARGS: Dict[str, Any] = {
    "fields": "name,tasks(view,createTime)",
    "prettyPrint": False,
    "quotaUser": "user é+1",
    "x__xgafv": "2",
}

# Short tokens for the variable segment that follows a literal collection name in a path pattern.
_SEGMENT_TOKENS = {"projects": "p", "locations": "loc", "queues": "q", "tasks": "t", "operations": "op"}
# The pattern pieces the generator understands: one path segment, or anything (possibly empty / non-empty).
_PATTERN_PIECE = re.compile(r"(\[\^/\]\+|\.\*|\.\+)")
_REGEX_META = set("()[]{}?*+|^$\\.")
_INTEGER_FORMATS = ("int32", "uint32", "int64", "uint64")


def document_path(name: str) -> pathlib.Path:
    """Return the path of the Discovery document `name` shipped inside the installed googleapiclient package."""
    return pathlib.Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / name


def load_document(name: str) -> Dict[str, Any]:
    """Load a shipped Discovery document; every call returns a fresh dictionary."""
    loaded: Dict[str, Any] = json.loads(document_path(name).read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Expected:
    """What googleapiclient put on the wire: method, percent-encoded path, decoded sorted query, parsed JSON body."""

    method: str
    path: str
    query: Tuple[Tuple[str, str], ...]
    body: Any


@dataclass(frozen=True)
class Case:
    """One call of a Discovery method with googleapiclient's keyword arguments, and the request it builds."""

    method_id: str
    resource_path: Tuple[str, ...]
    method_name: str
    kwargs: Dict[str, Any]
    label: str
    expected: Expected


@dataclass(frozen=True)
class _Method:
    """A Discovery method located in its document, with googleapiclient's Python names."""

    method_id: str
    resource_path: Tuple[str, ...]
    method_name: str
    desc: Dict[str, Any]


class _Oracle:
    """A googleapiclient service built once for one document, with its methods indexed by id."""

    def __init__(self, text: str) -> None:
        self.document: Dict[str, Any] = json.loads(text)
        # build_from_document mutates the method descriptions it is given, so it gets its own copy.
        self.service = build_from_document(json.loads(text), http=HttpMock())
        self.methods: Dict[str, _Method] = {m.method_id: m for m in _walk(self.document, ())}
        self._resources: Dict[Tuple[str, ...], Any] = {(): self.service}

    def resource(self, path: Tuple[str, ...]) -> Any:
        """Return the googleapiclient resource object at a Python attribute path, cached."""
        if path not in self._resources:
            self._resources[path] = getattr(self.resource(path[:-1]), path[-1])()
        return self._resources[path]

    def request(self, resource_path: Tuple[str, ...], method_name: str, kwargs: Dict[str, Any]) -> Any:
        """Build (not execute) the googleapiclient `HttpRequest` for one call."""
        return getattr(self.resource(resource_path), method_name)(**dict(kwargs))


def _walk(resource: Dict[str, Any], path: Tuple[str, ...]) -> Iterator[_Method]:
    """Yield every method of a Discovery resource and its sub-resources, depth first, in document order."""
    for name, desc in resource.get("methods", {}).items():
        yield _Method(desc["id"], path, fix_method_name(name), desc)
    for name, sub in resource.get("resources", {}).items():
        yield from _walk(sub, path + (fix_method_name(name),))


@functools.lru_cache(maxsize=8)
def _oracle_for_text(text: str) -> _Oracle:
    """Build the oracle of a document given as JSON text; at most eight stay cached."""
    return _Oracle(text)


def _oracle(document: Dict[str, Any]) -> _Oracle:
    """Return the cached oracle of a document (keyed by its canonical JSON, so equal documents share one service)."""
    return _oracle_for_text(json.dumps(document, sort_keys=True))


def _describe(request: Any) -> Expected:
    """Describe a googleapiclient `HttpRequest` as an `Expected`."""
    split = urllib.parse.urlsplit(request.uri)
    query = tuple(sorted(urllib.parse.parse_qsl(split.query, keep_blank_values=True)))
    body = json.loads(request.body) if request.body else None
    return Expected(method=request.method, path=split.path, query=query, body=body)


def expected_for(document: Dict[str, Any], method_id: str, kwargs: Dict[str, Any]) -> Expected:
    """Build the request googleapiclient makes for `method_id` called with `kwargs`, and describe it."""
    oracle = _oracle(document)
    method = oracle.methods[method_id]
    return _describe(oracle.request(method.resource_path, method.method_name, kwargs))


class _Values:
    """Generates parameter values that differ from one another within one call."""

    def __init__(self, fancy: bool) -> None:
        self.fancy = fancy
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n

    def segment(self, word: str) -> str:
        """A value for one `[^/]+` path segment: never a `/`, but (when fancy) a space, `:` and `é`."""
        n = self.next()
        token = _SEGMENT_TOKENS.get(word, word[:3] or "s")
        return f"{token} {n}:é" if self.fancy else f"{token}-{n}"

    def anything(self, word: str) -> str:
        """A value for a `.*` / `.+` pattern piece: (when fancy) several segments, a space, `:` and `é`."""
        n = self.next()
        token = _SEGMENT_TOKENS.get(word, word[:4] or "any")
        return f"{token} {n}/sub dir:é" if self.fancy else f"{token}-{n}"

    def path_string(self, name: str) -> str:
        """A value for a `{name}` (simple expansion) path parameter without a pattern."""
        n = self.next()
        return f"{name} {n}/x:é?#%" if self.fancy else f"{name}-{n}"

    def query_string(self, name: str) -> str:
        """A query value with characters that need escaping in a query string."""
        n = self.next()
        return f"{name} {n}/:é&+=?" if self.fancy else f"{name}-{n}"


def _value_for_pattern(pattern: str, values: _Values, name: str) -> str:
    """Generate a string matching a Discovery `pattern` made of literals, `[^/]+`, `.*` and `.+` pieces."""
    inner = pattern[1:] if pattern.startswith("^") else pattern
    inner = inner[:-1] if inner.endswith("$") else inner
    parts: List[str] = []
    word = name  # names the pieces until a literal collection name does
    for piece in _PATTERN_PIECE.split(inner):
        if piece == "[^/]+":
            parts.append(values.segment(word))
        elif piece in (".*", ".+"):
            parts.append(values.anything(word))
        else:
            if _REGEX_META & set(piece):
                raise ValueError(f"unsupported construct in pattern {pattern!r}")
            parts.append(piece)
            words = [w for w in piece.split("/") if w]
            word = words[-1] if words else word
    value = "".join(parts)
    if re.match(pattern, value) is None:  # googleapiclient checks with re.match, so must this generator
        raise ValueError(f"generated {value!r} does not match {pattern!r}")
    return value


def _param_value(name: str, desc: Dict[str, Any], values: _Values) -> Any:
    """A valid value (googleapiclient's accepted kinds) for one method parameter."""
    kind = desc.get("type", "string")
    if desc.get("repeated"):
        single = dict(desc, repeated=False)
        return [_param_value(name, single, values), _param_value(name, single, values)]
    if desc.get("enum"):
        choices = [e for e in desc["enum"] if not e.endswith("_UNSPECIFIED")] or desc["enum"]
        return choices[values.next() % len(choices)]
    if kind == "integer":
        return 10 + values.next()
    if kind == "number":
        return 0.5 + values.next()
    if kind == "boolean":
        return values.next() % 2 == 1
    if desc.get("pattern"):
        return _value_for_pattern(desc["pattern"], values, name)
    if desc.get("format") in _INTEGER_FORMATS and not values.fancy:
        return str(1000 + values.next())  # e.g. sizeBytes: an int64 that Discovery types as a string
    if desc.get("location") == "path":
        return values.path_string(name)
    return values.query_string(name)


def _schema_sample(document: Dict[str, Any], prop: Dict[str, Any], depth: int) -> Any:
    """A small JSON value for a schema property (objects keep at most two fields, nesting stops at depth 3)."""
    if "$ref" in prop:
        if depth >= 3:
            return {}
        return _object_sample(document, document.get("schemas", {}).get(prop["$ref"], {}), depth + 1)
    kind = prop.get("type")
    fmt = prop.get("format")
    if prop.get("enum"):
        choices = [e for e in prop["enum"] if not e.endswith("_UNSPECIFIED")] or prop["enum"]
        return choices[-1]
    if kind == "string":
        samples = {
            "google-datetime": "2024-01-02T03:04:05Z",
            "google-duration": "3.5s",
            "google-fieldmask": "name,state",
            "byte": "aGVsbG8=",
            "int64": "9007199254740993",
            "uint64": "18446744073709551615",
        }
        return samples.get(fmt or "", "text é/:")
    if kind == "integer":
        return 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_schema_sample(document, prop.get("items", {}), depth + 1)] if depth < 3 else []
    if kind == "object":
        if "properties" in prop:
            return _object_sample(document, prop, depth + 1)
        extra = prop.get("additionalProperties")
        return {"key": _schema_sample(document, extra, depth + 1)} if isinstance(extra, dict) and depth < 3 else {}
    return "any"


def _object_sample(document: Dict[str, Any], schema: Dict[str, Any], depth: int) -> Dict[str, Any]:
    """Up to two writable fields of an object schema, in name order."""
    props = {k: v for k, v in sorted(schema.get("properties", {}).items()) if not v.get("readOnly")}
    return {k: _schema_sample(document, v, depth) for k, v in list(props.items())[:2]}


def _request_body(document: Dict[str, Any], method: _Method, full: bool) -> Dict[str, Any]:
    """The `body` argument: `{}`, or (full) a couple of fields of the request schema."""
    if not full:
        return {}
    return _schema_sample(document, method.desc["request"], 0)  # type: ignore[no-any-return]


def _takes_body(method: _Method) -> bool:
    """Whether googleapiclient gives the method a `body` argument (a `request` on a PUT, POST or PATCH)."""
    return "request" in method.desc and method.desc["httpMethod"] in ("PUT", "POST", "PATCH")


def _ordered_params(method: _Method) -> List[Tuple[str, Dict[str, Any]]]:
    """The method's own parameters: those of `parameterOrder` first, then the others by name."""
    params: Dict[str, Dict[str, Any]] = method.desc.get("parameters", {})
    order = [p for p in method.desc.get("parameterOrder", []) if p in params]
    order += sorted(p for p in params if p not in order)
    return [(p, params[p]) for p in order]


def _required_kwargs(method: _Method, fancy: bool = False) -> Dict[str, Any]:
    """Keyword arguments for the required parameters only."""
    values = _Values(fancy)
    return {key2param(n): _param_value(n, d, values) for n, d in _ordered_params(method) if d.get("required")}


def _method_cases(document: Dict[str, Any], oracle: _Oracle, method: _Method) -> List[Case]:
    """The "required", "all" and "globals" cases of one method, each described by googleapiclient."""
    short = method.method_id.split(".", 1)[1] if "." in method.method_id else method.method_id
    variants: List[Tuple[str, Dict[str, Any]]] = []

    required = _required_kwargs(method)
    if _takes_body(method):
        required["body"] = _request_body(document, method, full=False)
    variants.append(("required", required))

    values = _Values(fancy=True)
    everything = {key2param(n): _param_value(n, d, values) for n, d in _ordered_params(method)}
    if _takes_body(method):
        everything["body"] = _request_body(document, method, full=True)
    variants.append(("all", everything))

    globals_ = _required_kwargs(method)
    if _takes_body(method):
        globals_["body"] = _request_body(document, method, full=False)
    globals_.update({k: v for k, v in GLOBAL_KWARGS.items() if k in _global_params(document)})
    variants.append(("globals", globals_))

    result = []
    for kind, kwargs in variants:
        request = oracle.request(method.resource_path, method.method_name, kwargs)
        result.append(
            Case(
                method_id=method.method_id,
                resource_path=method.resource_path,
                method_name=method.method_name,
                kwargs=kwargs,
                label=f"{short}-{kind}",
                expected=_describe(request),
            )
        )
    return result


def _global_params(document: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The document's top-level parameters under googleapiclient's names."""
    return {key2param(n): d for n, d in document.get("parameters", {}).items()}


def cases(document: Dict[str, Any]) -> List[Case]:
    """Call cases for every method: only the required parameters, every method parameter, and some globals."""
    oracle = _oracle(document)
    result: List[Case] = []
    for method in oracle.methods.values():
        result.extend(_method_cases(oracle.document, oracle, method))
    return result


def _bad_pattern_value(pattern: str, good: str) -> str:
    """A value that fails `pattern` (googleapiclient's re.match), or "" when every candidate matches."""
    for candidate in (good + "/extra/segment", "x" + good, good.replace("-", "/", 1), ""):
        if re.match(pattern, candidate) is None:
            return candidate
    return ""


def invalid_cases(document: Dict[str, Any]) -> List[Tuple[str, Tuple[str, ...], str, Dict[str, Any], str]]:
    """Calls googleapiclient rejects with TypeError before building any request: (label, resource, method, kwargs, why).

    Every returned case is checked against googleapiclient here, so a case that does not raise is an AssertionError.
    """
    oracle = _oracle(document)
    methods = list(oracle.methods.values())
    found: List[Tuple[str, _Method, Dict[str, Any], str]] = []

    def base(method: _Method) -> Dict[str, Any]:
        kwargs = _required_kwargs(method)
        if _takes_body(method):
            kwargs["body"] = {}
        return kwargs

    with_required = [m for m in methods if any(d.get("required") for _, d in _ordered_params(m))]
    if with_required:
        method = with_required[0]
        first = key2param(next(n for n, d in _ordered_params(method) if d.get("required")))
        kwargs = base(method)
        del kwargs[first]
        found.append((f"missing-{first}", method, kwargs, "missing required parameter"))
        kwargs = dict(base(method), **{first: None})  # googleapiclient drops None arguments before the check
        found.append((f"none-{first}", method, kwargs, "missing required parameter"))

    seen_patterns = set()
    for method in methods:
        for name, desc in _ordered_params(method):
            pattern = desc.get("pattern")
            if not desc.get("required") or not pattern or pattern in seen_patterns:
                continue
            seen_patterns.add(pattern)
            kwargs = base(method)
            bad = _bad_pattern_value(pattern, kwargs[key2param(name)])
            if re.match(pattern, bad) is not None:
                continue  # e.g. "^.*$" accepts everything
            kwargs[key2param(name)] = bad
            found.append((f"pattern-{key2param(name)}", method, kwargs, "value does not match pattern"))

    for method in methods:
        enums = [(n, d) for n, d in _ordered_params(method) if d.get("enum")]
        if enums:
            name = key2param(enums[0][0])
            kwargs = dict(base(method), **{name: "NOT_AN_ENUM_VALUE"})
            found.append((f"enum-{name}", method, kwargs, "value not in enum"))
            break
    if methods and "x__xgafv" in _global_params(document):
        found.append(("enum-x__xgafv", methods[0], dict(base(methods[0]), x__xgafv="3"), "value not in enum"))

    if methods:
        kwargs = dict(base(methods[0]), no_such_parameter="x")
        found.append(("unknown-keyword", methods[0], kwargs, "unexpected keyword argument"))
    for method in methods:
        camel = [n for n, d in _ordered_params(method) if not d.get("required") and key2param(n) != _snake(n)]
        if camel:
            kwargs = dict(base(method), **{_snake(camel[0]): "x"})
            found.append((f"snake-{_snake(camel[0])}", method, kwargs, "unexpected keyword argument"))
            break

    result = []
    for label, method, kwargs, reason in found:
        short = method.method_id.split(".", 1)[1] if "." in method.method_id else method.method_id
        try:
            oracle.request(method.resource_path, method.method_name, kwargs)
        except TypeError:
            pass
        else:
            raise AssertionError(f"googleapiclient accepted the invalid call {short}-{label}: {kwargs!r}")
        result.append((f"{short}-{label}", method.resource_path, method.method_name, kwargs, reason))
    return result


def _snake(name: str) -> str:
    """camelCase (or dotted) Discovery name in snake_case, a name googleapiclient does not accept."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace(".", "_").lower()
