"""Every module and public name of the historical PyPI client `taskcluster==113.2.0` is importable from ours,
with the same kind and a signature that accepts the historical call shapes.

The facts (module names, names, kinds, parameter lists, simple constant values) were observed once from an
installed 113.2.0 with dir()/inspect and are stored in tests/data/historical_surface.json; this test never
needs the historical package.  Names that 113.2.0 merely leaked from its own imports of the standard library
or third-party packages (os, json, requests, aiohttp, slugid, loggers, ...) are not part of the record.
"""

import collections.abc
import importlib
import inspect
import json
import types
from pathlib import Path
from typing import Any, Dict, List

import pytest

SURFACE = json.loads((Path(__file__).parent / "data" / "historical_surface.json").read_text())
MODULES: Dict[str, Dict[str, Any]] = SURFACE["modules"]
BROKEN_IN_113: List[str] = SURFACE["broken_in_113"]

P = inspect.Parameter
POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
BY_KEYWORD = ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")
CONTAINER_TYPES = {
    "dict": collections.abc.Mapping,
    "list": collections.abc.Sequence,
    "tuple": collections.abc.Sequence,
    "set": collections.abc.Set,
    "frozenset": collections.abc.Set,
}


def _describe(params: List[Dict[str, Any]]) -> str:
    parts, star = [], False
    for p in params:
        if p["kind"] == "VAR_POSITIONAL":
            parts.append("*" + p["name"])
            star = True
        elif p["kind"] == "VAR_KEYWORD":
            parts.append("**" + p["name"])
        else:
            if p["kind"] == "KEYWORD_ONLY" and not star:
                parts.append("*")
                star = True
            parts.append(p["name"] + ("=..." if p["default"] else ""))
    return "(" + ", ".join(parts) + ")"


def call_shape_problems(where: str, historical: List[Dict[str, Any]], ours: Any) -> List[str]:
    """Why a call written against the historical parameter list could fail against `ours`."""
    try:
        sig = inspect.signature(ours)
    except (TypeError, ValueError) as exc:
        return [f"{where}: signature cannot be inspected ({exc})"]
    hist = f"113.2.0 signature {_describe(historical)}, ours {sig}"
    params = list(sig.parameters.values())
    by_name = {p.name: p for p in params}
    var_kw = any(p.kind is P.VAR_KEYWORD for p in params)
    var_pos = any(p.kind is P.VAR_POSITIONAL for p in params)
    problems = []

    # every parameter that could be passed by keyword still can, and stays optional where it was (a parameter
    # that was required may have become optional: every historical call still works)
    for h in historical:
        if h["kind"] not in BY_KEYWORD:
            continue
        name = h["name"]
        mine = by_name.get(name)
        if mine is None or mine.kind not in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY):
            if not var_kw:
                problems.append(f"{where}: parameter {name!r} cannot be passed by keyword (missing); {hist}")
            continue
        if h["default"] and mine.default is P.empty:
            was = "optional" if h["default"] else "required"
            now = "optional" if mine.default is not P.empty else "required"
            problems.append(f"{where}: parameter {name!r} was {was}, ours is {now}; {hist}")

    # historical positional parameters keep their positions
    hist_positional = [h for h in historical if h["kind"] in POSITIONAL]
    if not var_pos:
        ours_positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
        for i, h in enumerate(hist_positional):
            if i >= len(ours_positional):
                problems.append(f"{where}: positional parameter #{i} {h['name']!r} is not positional in ours; {hist}")
            elif h["kind"] == "POSITIONAL_OR_KEYWORD" and ours_positional[i].name != h["name"]:
                problems.append(
                    f"{where}: positional parameter #{i} is {ours_positional[i].name!r}, was {h['name']!r}; {hist}"
                )

    # ours requires nothing a historical call did not pass (what 113.2.0 took through *args/**kwargs it
    # forwarded to a function with named parameters, so callers did pass those; a renamed positional
    # parameter is reported above)
    historical_names = {h["name"] for h in historical if h["kind"] in POSITIONAL + BY_KEYWORD}
    hist_var_kw = any(h["kind"] == "VAR_KEYWORD" for h in historical)
    hist_var_pos = any(h["kind"] == "VAR_POSITIONAL" for h in historical)
    for i, p in enumerate(params):
        if p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) or p.default is not P.empty or p.name in historical_names:
            continue
        if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD) and (i < len(hist_positional) or hist_var_pos):
            continue
        if p.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY) and hist_var_kw:
            continue
        problems.append(f"{where}: ours requires parameter {p.name!r}, unknown to 113.2.0; {hist}")
    return problems


def coroutine_problems(where: str, was_coroutine: bool, ours: Any) -> List[str]:
    is_coroutine = inspect.iscoroutinefunction(ours)
    if was_coroutine and not is_coroutine:
        return [f"{where}: was an `async def` (callers await it), ours is not a coroutine function"]
    if is_coroutine and not was_coroutine:
        return [f"{where}: was a plain function, ours is an `async def` (callers do not await it)"]
    return []


def class_problems(where: str, record: Dict[str, Any], ours: Any) -> List[str]:
    if not inspect.isclass(ours):
        return [f"{where}: was a class, ours is {type(ours).__name__} {ours!r}"]
    problems = []
    if record.get("service") and not hasattr(ours, "funcinfo"):
        problems.append(f"{where}: was a service client class (with funcinfo), ours has no funcinfo")
    mro_names = {c.__name__ for c in ours.__mro__}
    for base in record.get("bases", []):
        if base not in mro_names:
            problems.append(f"{where}: base class {base!r} is not in our MRO {sorted(mro_names)}")
    if "init" in record:
        problems += call_shape_problems(f"{where}(...) constructor", record["init"], ours)
    for method, info in record.get("methods", {}).items():
        try:
            inspect.getattr_static(ours, method)
        except AttributeError:
            problems.append(f"{where}.{method}: method missing; 113.2.0 had {method}{_describe(info['params'])}")
            continue
        attr = getattr(ours, method)
        if not callable(attr):
            problems.append(f"{where}.{method}: was a method, ours is not callable: {attr!r}")
            continue
        problems += call_shape_problems(f"{where}.{method}", info["params"], attr)
        problems += coroutine_problems(f"{where}.{method}", info["coroutine"], attr)
    return problems


def name_problems(module_name: str, name: str, record: Dict[str, Any], module: types.ModuleType) -> List[str]:
    where = f"{module_name}.{name}"
    kind = record["kind"]
    if not hasattr(module, name):
        detail = ""
        if kind == "function":
            detail = f" {_describe(record['params'])}"
        elif kind == "module":
            detail = f" (the module {record['module']})"
        elif "value" in record:
            detail = f" = {record['value']!r}"
        return [f"{where}: missing name ({kind}{detail})"]
    ours = getattr(module, name)
    if kind == "module":
        if not isinstance(ours, types.ModuleType) or ours.__name__ != record["module"]:
            return [f"{where}: was the module {record['module']}, ours is {ours!r}"]
        return []
    if kind == "class":
        return class_problems(where, record, ours)
    if kind == "function":
        if not callable(ours):
            return [f"{where}: was a function, ours is not callable: {ours!r}"]
        return call_shape_problems(where, record["params"], ours) + coroutine_problems(where, record["coroutine"], ours)
    assert kind == "constant", (where, record)
    if "value" in record and record["type"] in ("int", "float", "str", "bool"):
        if type(ours).__name__ != record["type"] or ours != record["value"]:
            return [f"{where}: was {record['type']} {record['value']!r}, ours is {type(ours).__name__} {ours!r}"]
        return []
    expected = CONTAINER_TYPES.get(record["type"])
    if expected is not None and not isinstance(ours, expected):
        return [f"{where}: was a {record['type']}, ours is {type(ours).__name__} {ours!r}"]
    if "value" in record and record["type"] in ("set", "frozenset") and set(ours) != set(record["value"]):
        return [f"{where}: was {sorted(record['value'])}, ours is {sorted(ours)}"]
    return []


@pytest.mark.parametrize("module_name", sorted(set(MODULES) | set(BROKEN_IN_113)))
def test_historical_module(module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        pytest.fail(f"{module_name}: module does not import: {type(exc).__name__}: {exc}", pytrace=False)
    problems = []
    for name, record in sorted(MODULES.get(module_name, {}).items()):
        problems += name_problems(module_name, name, record, module)
    assert not problems, f"{len(problems)} difference(s) from 113.2.0 in {module_name}:\n" + "\n".join(problems)


def test_the_record_is_not_trivial() -> None:
    assert SURFACE["source"].startswith("taskcluster 113.2.0")
    assert len(MODULES) >= 40
    assert {"taskcluster.awsprovisioner", "taskcluster.login", "taskcluster.ec2manager"} <= set(BROKEN_IN_113)
    assert not set(BROKEN_IN_113) & set(MODULES)
    for module in ("taskcluster", "taskcluster.aio", "taskcluster.utils", "taskcluster.aio.asyncutils"):
        assert MODULES[module]["makeHttpRequest"]["kind"] == "function"
    assert MODULES["taskcluster.upload"]["uploadFromBuf"]["kind"] == "function"
    assert MODULES["taskcluster.aio.upload"]["upload"]["coroutine"] is True
    assert MODULES["taskcluster.utils"]["MAX_RETRIES"] == {"kind": "constant", "type": "int", "value": 5}
    assert MODULES["taskcluster.queue"]["Queue"] == {"kind": "class", "service": True}
    assert MODULES["taskcluster.exceptions"]["TaskclusterRestFailure"]["bases"] == ["TaskclusterFailure"]


def test_the_checker_reports_differences() -> None:
    """The signature comparison itself: what it accepts and what it names."""
    historical = [
        {"name": "method", "kind": "POSITIONAL_OR_KEYWORD", "default": False},
        {"name": "retries", "kind": "POSITIONAL_OR_KEYWORD", "default": True},
        {"name": "session", "kind": "KEYWORD_ONLY", "default": True},
    ]

    def same(method, retries=5, *, session=None):
        pass

    def extra_optional(method, retries=5, timeout=None, *, session=None, other=1):
        pass

    def via_kwargs(method, *args, **kwargs):
        pass

    def renamed(verb, retries=5, *, session=None):
        pass

    def now_required(method, retries, *, session=None, token):
        pass

    assert call_shape_problems("f", historical, same) == []
    assert call_shape_problems("f", historical, extra_optional) == []
    assert call_shape_problems("f", historical, via_kwargs) == []
    problems = call_shape_problems("f", historical, renamed)
    assert any("'method' cannot be passed by keyword" in p for p in problems)
    assert any("positional parameter #0 is 'verb', was 'method'" in p for p in problems)
    problems = call_shape_problems("f", historical, now_required)
    assert any("'retries' was optional, ours is required" in p for p in problems)
    assert any("ours requires parameter 'token'" in p for p in problems)

    forwarding = [
        {"name": "file", "kind": "POSITIONAL_OR_KEYWORD", "default": False},
        {"name": "kwargs", "kind": "VAR_KEYWORD", "default": False},
    ]

    def explicit(file, *, name, objectService, maxRetries=5):
        pass

    def lost_file(*, name, objectService):
        pass

    assert call_shape_problems("f", forwarding, explicit) == []
    problems = call_shape_problems("f", forwarding, lost_file)
    assert any("'file' cannot be passed by keyword" in p for p in problems)
    assert any("positional parameter #0 'file' is not positional" in p for p in problems)
    assert coroutine_problems("f", True, same) and not coroutine_problems("f", False, same)
