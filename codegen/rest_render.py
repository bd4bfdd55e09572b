"""Render a keyword-calling service (other API families) to a client package: `_tables.py` (the spec and operation
tables, once for both clients), `client.py` (sync), `aio.py` (async), `types.py` (TypedDicts) and `__init__.py`.

Output is deterministic and formatted as ``ruff format`` leaves it, so a committed package (an example) passes the
project's format check unchanged.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from . import pytypes
from .model import Function, Parameter, Service, reserved_params
from .render import (
    MARKER,
    docstring,
    environment,
    finished,
    item_annotation,
    pydef,
    pystr,
    request_annotation,
    response_annotation,
)

__all__ = ["render", "write_package"]

_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "any": "Any"}


def spec_table(service: Service) -> Dict[str, Any]:
    """The runtime's `ApiSpec` table of a service (see `taskcluster._spec.ApiSpec.from_table`)."""
    table: Dict[str, Any] = {"baseUrl": service.base_url, "calling": "keywords", "auth": {"scheme": service.auth.kind}}
    if service.auth.headers:
        table["auth"]["headers"] = dict(service.auth.headers)
    if service.default_root_url is not None:
        table["defaultRootUrl"] = service.default_root_url
    pagination = service.pagination
    if pagination is not None:
        table["pagination"] = {"tokenParam": pagination.token_param, "tokenField": pagination.token_field}
        if pagination.limit_param is not None:
            table["pagination"]["limitParam"] = pagination.limit_param
    if service.envelope is not None:
        e = service.envelope
        table["envelope"] = {"ok": e.ok, "message": e.message, "content": e.content}
    if service.rate_limit is not None:
        r = service.rate_limit
        table["rateLimit"] = {"status": r.status, "field": r.field, "unit": r.unit}
    if service.common_parameters:
        table["commonParams"] = [param_table(p) for p in service.common_parameters]
    return table


def param_table(p: Parameter) -> Dict[str, Any]:
    table: Dict[str, Any] = {"name": p.name, "in": p.location}
    if p.wire != p.name:
        table["wire"] = p.wire
    if p.type != "string":
        table["type"] = p.type
    if p.required and p.location != "path":
        table["required"] = True
    if p.repeated:
        table["repeated"] = True
    if p.enum:
        table["enum"] = list(p.enum)
    if p.pattern is not None:
        table["pattern"] = p.pattern
    return table


def own_parameters(service: Service, f: Function) -> List[Parameter]:
    """The parameters of a function that are not the service's common ones."""
    return [p for p in f.parameters if p not in service.common_parameters]


def operation_table(service: Service, f: Function) -> Dict[str, Any]:
    """The runtime's operation table of one function (see `taskcluster._spec.Operation.from_table`)."""
    table: Dict[str, Any] = {"method": f.http_method.upper(), "path": f.route}
    params = [param_table(p) for p in own_parameters(service, f)]
    if params:
        table["params"] = params
    if f.request_schema is not None:
        table["body"] = True
        if f.body_required:
            table["bodyRequired"] = True
    if f.pagination is not None:
        table["items"] = f.pagination.items_key
    if f.nothing:
        table["nothing"] = list(f.nothing)
    if f.fixed_query:
        table["fixedQuery"] = [list(pair) for pair in f.fixed_query]
    return table


def operations(service: Service) -> Dict[str, Dict[str, Any]]:
    return {f.qualified_name: operation_table(service, f) for f in service.functions}


def resources(service: Service) -> List[Tuple[str, ...]]:
    """Every resource path, parents first."""
    paths = {f.resource[: i + 1] for f in service.functions for i in range(len(f.resource))}
    return sorted(paths, key=lambda p: (len(p), p))


def resource_class(path: Sequence[str]) -> str:
    """The class name of a resource: ``("projects", "locations")`` -> ``ProjectsLocations``."""
    return "".join(part[:1].upper() + part[1:] for part in path).replace("_", "") + "Resource"


def children(service: Service, path: Tuple[str, ...]) -> List[str]:
    return sorted({r[len(path)] for r in resources(service) if len(r) == len(path) + 1 and r[: len(path)] == path})


def functions_of(service: Service, path: Tuple[str, ...]) -> List[Function]:
    return [f for f in service.functions if f.resource == path]


def _annotation(p: Parameter) -> str:
    base = _PY_TYPES[p.type]
    if p.repeated:
        base = f"Union[{base}, List[{base}]]" if base != "Any" else "Any"
    return base


def method_params(f: Function) -> List[str]:
    """The keyword-only parameters of a generated method: required ones, the body, then the optional ones."""
    params = ["self", "*"]
    named = [p for p in f.parameters if not p.keyword_only]
    params += [f"{p.name}: {_annotation(p)}" for p in named if p.required]
    body = request_annotation(f)
    if body is not None:
        params.append(f"body: {body}" if f.body_required else f"body: Optional[{body}] = None")
    params += [f"{p.name}: Optional[{_annotation(p)}] = None" for p in named if not p.required]
    if any(p.keyword_only for p in f.parameters):
        params.insert(1, "/")  # `self` positional-only, so the **kwargs of `continue` and the like cannot bind it
        params.append("**kwargs: Any")
    return params if len(params) > 2 else ["self"]


def invoke_lines(f: Function, flavour: str, indent: int, client: str) -> str:
    """The body of a generated method: the runtime's answer (from ``client``, the client or a resource's client),
    annotated with the result type."""
    pad = " " * indent
    inner = pad + "    "
    names = [p.name for p in f.parameters if not p.keyword_only]
    if f.request_schema is not None:
        names.append("body")
    await_ = "await " if flavour == "async" else ""
    result = result_annotation(f)
    lines = [f"{pad}result: {result} = {await_}{client}._invoke("]
    lines.append(f"{inner}{pystr(f.qualified_name)},")
    entries = [f"{pystr(n)}: {n}," for n in names]
    if any(p.keyword_only for p in f.parameters):
        entries.append("**kwargs,")
    if entries:
        lines.append(f"{inner}{{")
        lines += [f"{inner}    {e}" for e in entries]
        lines.append(f"{inner}}},")
    else:
        lines.append(f"{inner}{{}},")
    lines.append(f"{pad})")
    lines.append(f"{pad}return result")
    return "\n".join(lines)


def method_doc(service: Service, f: Function) -> str:
    """A generated method's docstring: what it does, its request, its parameters."""
    parts = [f.description or f.title, ""]
    if f.deprecated:
        parts += ["Deprecated: the API marks this method as deprecated.", ""]
    parts.append(
        f"Request: ``{f.http_method.upper()} {f.route}``" + (f" (``{f.operation_id}``)" if f.operation_id else "")
    )
    reserved = reserved_params(f.route)
    own = own_parameters(service, f)
    if own or f.request_schema is not None:
        parts += ["", "Args:"]
        for p in own:
            what = "path" if p.location == "path" else "query"
            notes = [f"{what} parameter ``{p.wire}``"]
            if p.wire in reserved:
                notes.append("``/`` kept")
            if p.required and p.location != "path":
                notes.append("required")
            if p.enum:
                notes.append("one of " + ", ".join(f"``{v}``" for v in p.enum))
            if p.pattern:
                notes.append(f"matching ``{p.pattern}``")
            if p.keyword_only:
                notes.append(f'a Python keyword: pass it as ``**{{"{p.name}": ...}}``')
            line = f"    {p.name}: " + "; ".join(notes)
            if p.description:
                line += ". " + " ".join(p.description.split())
            parts.append(line)
        if f.request_schema is not None:
            parts.append(f"    body: the request body{' (required)' if f.body_required else ''}.")
    if service.common_parameters:
        parts += [
            "",
            "Also accepts the parameters every method takes: "
            + ", ".join(f"``{p.name}``" for p in service.common_parameters)
            + ".",
        ]
    if f.pagination is not None:
        parts += [
            "",
            f"Paginated: ``.pages(...)`` follows ``{f.pagination.token_field}`` from page to page, and ``.items(...)``"
            f" yields the entries of each page's ``{f.pagination.items_key}``.",
        ]
    if f.nothing:
        parts += ["", "Returns None when the service answers " + ", ".join(f"``{m}``" for m in f.nothing) + "."]
    return "\n".join(parts)


def resource_doc(service: Service, path: Tuple[str, ...]) -> str:
    return f"The ``{'.'.join(path)}`` resource of {service.title}."


def typing_names(service: Service) -> List[str]:
    names = {"TYPE_CHECKING", "Any", "Optional"}
    if any(p.repeated for f in service.functions for p in f.parameters):
        names |= {"List", "Union"}
    if any(f.request_schema is not None and f.request_type is None for f in service.functions):
        names.add("Dict")
    return sorted(names, key=lambda name: (not name.isupper(), name))


def result_annotation(f: Function) -> str:
    """What a generated method returns: the response type, Optional when some answers mean "no result"."""
    result = response_annotation(f)
    return f"Optional[{result}]" if f.nothing and result != "Any" else result


GLOBALS = {
    "children": children,
    "functions_of": functions_of,
    "invoke_lines": invoke_lines,
    "item_annotation": item_annotation,
    "method_doc": method_doc,
    "method_params": method_params,
    "operations": operations,
    "pydef": pydef,
    "resource_class": resource_class,
    "resource_doc": resource_doc,
    "resources": resources,
    "result_annotation": result_annotation,
    "rest_typing_names": typing_names,
    "spec_table": spec_table,
}


def render(service: Service, package: str, source: str) -> Dict[str, str]:
    """Every file of the package, as ``{package/relative path: text}``, sorted by path."""
    env = environment()
    env.globals.update(GLOBALS)
    files: Dict[str, str] = {}

    def emit(name: str, template: str, **context: Any) -> None:
        text = env.get_template(template).render(service=service, package=package, source=source, **context)
        files[f"{package}/{name}"] = finished(name, text)

    emit("__init__.py", "rest_init.py.jinja")
    emit("_tables.py", "rest_tables.py.jinja")
    emit("client.py", "rest_client.py.jinja", flavour="sync")
    emit("aio.py", "rest_client.py.jinja", flavour="async")
    summary = f"{service.title}: data types of request bodies and responses."
    notice = f"{MARKER} from {source}; do not edit."
    files[f"{package}/types.py"] = pytypes.module_text(service, docstring(f"{summary}\n\n{notice}"))
    files[f"{package}/py.typed"] = ""
    for name, text in files.items():
        if name.endswith(".py"):
            try:
                ast.parse(text, name)
            except SyntaxError as exc:  # a generator defect, never the manifest's
                raise RuntimeError(
                    f"the generator wrote invalid Python in {name}, line {exc.lineno}: {exc.msg}"
                ) from exc
    return dict(sorted(files.items()))


def write_package(files: Dict[str, str], out_dir: Path, check_only: bool = False) -> List[str]:
    """Write the package's files under ``out_dir`` and remove files of the package the map no longer has; with
    ``check_only``, write nothing and return the differences (``stale: p``, ``missing: p``, ``extra: p``)."""
    packages = {name.split("/", 1)[0] for name in files}
    present = set()
    for package in packages:
        root = out_dir / package
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    present.add(path.relative_to(out_dir).as_posix())
    problems: List[str] = []
    for name, text in files.items():
        path = out_dir / name
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            continue
        problems.append(f"{'stale' if path.is_file() else 'missing'}: {name}")
        if not check_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for name in sorted(present - set(files)):
        problems.append(f"extra: {name}")
        if not check_only:
            (out_dir / name).unlink()
    return problems
