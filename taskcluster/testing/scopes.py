"""Taskcluster scope semantics, as pure functions: satisfaction, role expansion, scope expressions.

A scope ``s`` is satisfied by a held scope ``h`` when ``h == s``, or ``h`` ends with ``*`` and ``s``
starts with ``h`` minus that ``*``. Roles are granted by ``assume:<roleId>`` scopes; a roleId ending in
``*`` matches every ``assume:`` scope with that prefix, and ``<..>`` in its scopes is replaced by the part
the ``*`` matched.

Scope expressions (the ``scopes`` of an API entry) are a scope string, ``{"AllOf": [...]}``,
``{"AnyOf": [...]}``, ``{"if": <param>, "then": expr, "else"?: expr}``, or inside AllOf/AnyOf
``{"for": <var>, "in": <param>, "each": <template>}``; ``<name>`` in strings is filled from parameters.
"""

from typing import Any, Iterable, Iterator, List, Mapping, Optional

__all__ = [
    "MAX_EXPANDED_SCOPES",
    "MissingParameter",
    "ScopeExpansionError",
    "ScopeSet",
    "describe",
    "expand_scopes",
    "instantiate",
    "is_valid_scope",
    "normalize_scopes",
    "unsatisfied",
]

#: An expansion that grows past this many scopes is refused (a parameterized role feeding itself).
MAX_EXPANDED_SCOPES = 10000


class MissingParameter(Exception):
    """A scope expression names a parameter that the endpoint did not supply (a server bug)."""


class ScopeExpansionError(Exception):
    """Role expansion does not terminate within MAX_EXPANDED_SCOPES."""


def is_valid_scope(scope: Any) -> bool:
    """Printable ASCII (and space), at most one trailing ``*``."""
    if not isinstance(scope, str):
        return False
    if any(not (" " <= ch <= "~") for ch in scope):
        return False
    return not scope.endswith("**")


class ScopeSet:
    """A set of held scopes with fast satisfaction checks: ``ScopeSet(held).satisfies(scope)``."""

    __slots__ = ("_exact", "_prefixes", "scopes")

    def __init__(self, scopes: Iterable[str]) -> None:
        self.scopes: List[str] = normalize_scopes(scopes)
        self._exact = frozenset(self.scopes)
        self._prefixes = tuple(s[:-1] for s in self.scopes if s.endswith("*"))

    def satisfies(self, scope: str) -> bool:
        if scope in self._exact:
            return True
        return any(scope.startswith(p) for p in self._prefixes)

    def __iter__(self) -> Iterator[str]:
        return iter(self.scopes)

    def __len__(self) -> int:
        return len(self.scopes)

    def __repr__(self) -> str:
        return "ScopeSet(%r)" % (self.scopes,)


def normalize_scopes(scopes: Iterable[str]) -> List[str]:
    """Sorted, deduplicated, without scopes that a ``*`` scope of the set already covers."""
    unique = sorted(set(scopes))
    prefixes = sorted((s[:-1] for s in unique if s.endswith("*")), key=len)
    result = []
    for scope in unique:
        covered = False
        for p in prefixes:
            if len(p) > len(scope):
                break
            # a star scope is covered only by a shorter one: "**" does not cover "*" (nor "a**" "a*")
            if scope.startswith(p) and scope != p + "*" and not (scope.endswith("*") and len(p) >= len(scope)):
                covered = True
                break
        if not covered:
            result.append(scope)
    return result


def _role_grants(scope: str, role_id: str) -> Optional[str]:
    """If ``scope`` grants the role, return the value for ``<..>`` (``None`` when not granted)."""
    assumed = "assume:" + role_id
    if scope == assumed:
        return "*" if role_id.endswith("*") else ""
    if scope.endswith("*") and assumed.startswith(scope[:-1]):
        return "*"
    if role_id.endswith("*") and scope.startswith(assumed[:-1]):
        return scope[len(assumed) - 1 :]
    return None


def _parameterize(scope: str, value: str) -> str:
    index = scope.find("<..>")
    if index < 0:
        return scope
    if value.endswith("*"):
        # a `*` in the substituted value covers the rest of the scope
        return scope[:index] + value
    return scope.replace("<..>", value)


def _may_assume(scope: str) -> bool:
    return scope.startswith("assume:") or (scope.endswith("*") and "assume:".startswith(scope[:-1]))


def expand_scopes(scopes: Iterable[str], roles: Mapping[str, List[str]]) -> List[str]:
    """The normalized fixed point of ``scopes`` under the ``roles`` (roleId -> scopes)."""
    result = set(scopes)
    pending = [s for s in result if _may_assume(s)]
    done = set()
    role_items = list(roles.items())
    while pending:
        scope = pending.pop()
        if scope in done:
            continue
        done.add(scope)
        for role_id, role_scopes in role_items:
            value = _role_grants(scope, role_id)
            if value is None:
                continue
            for granted in role_scopes:
                granted = _parameterize(granted, value)
                if granted not in result:
                    result.add(granted)
                    if len(result) > MAX_EXPANDED_SCOPES:
                        raise ScopeExpansionError(
                            "role expansion exceeds %d scopes (a role that grants itself ever longer scopes?)"
                            % MAX_EXPANDED_SCOPES
                        )
                    if _may_assume(granted):
                        pending.append(granted)
    return normalize_scopes(result)


def _fill(template: str, params: Mapping[str, Any]) -> str:
    out = []
    pos = 0
    while True:
        start = template.find("<", pos)
        if start < 0:
            out.append(template[pos:])
            return "".join(out)
        end = template.find(">", start)
        if end < 0:
            out.append(template[pos:])
            return "".join(out)
        name = template[start + 1 : end]
        if name == ".." or not name:
            out.append(template[pos : end + 1])
            pos = end + 1
            continue
        if name not in params:
            raise MissingParameter("scope template %r needs parameter %r" % (template, name))
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise MissingParameter("parameter %r for scope template %r must be a string" % (name, template))
        out.append(template[pos:start])
        out.append(str(value))
        pos = end + 1


def _expand_list(items: List[Any], params: Mapping[str, Any], strict: bool) -> List[Any]:
    out: List[Any] = []
    for item in items:
        if isinstance(item, dict) and "for" in item:
            var, source = item["for"], item["in"]
            if source not in params:
                raise MissingParameter("scope expression iterates over missing parameter %r" % source)
            values = params[source]
            if not isinstance(values, (list, tuple)):
                raise MissingParameter("parameter %r must be a list" % source)
            for value in values:
                child = instantiate(item["each"], dict(params, **{var: value}), strict)
                if child is not None:
                    out.append(child)
        else:
            child = instantiate(item, params, strict)
            if child is not None:
                out.append(child)
    return out


def instantiate(expr: Any, params: Mapping[str, Any], strict: bool = False) -> Any:
    """Fill parameters and resolve ``if``/``for``: returns a string, AllOf/AnyOf dicts, or ``None``.

    ``None`` means nothing is required (an ``if`` without ``else`` whose condition is false). An absent
    ``if`` parameter counts as false, unless ``strict``, where it raises `MissingParameter`.
    """
    if expr is None:
        return None
    if isinstance(expr, str):
        return _fill(expr, params)
    if isinstance(expr, dict):
        if "AllOf" in expr:
            return {"AllOf": _expand_list(expr["AllOf"], params, strict)}
        if "AnyOf" in expr:
            return {"AnyOf": _expand_list(expr["AnyOf"], params, strict)}
        if "if" in expr:
            if strict and expr["if"] not in params:
                raise MissingParameter("scope expression condition %r is not a parameter" % expr["if"])
            if params.get(expr["if"]):
                return instantiate(expr["then"], params, strict)
            return instantiate(expr.get("else"), params, strict)
        if "for" in expr:
            return {"AllOf": _expand_list([expr], params, strict)}
    raise ValueError("not a scope expression: %r" % (expr,))


def unsatisfied(expr: Any, held: ScopeSet) -> Any:
    """What of the instantiated ``expr`` the ``held`` scopes lack; ``None`` when satisfied."""
    if expr is None:
        return None
    if isinstance(expr, str):
        return None if held.satisfies(expr) else expr
    if "AllOf" in expr:
        missing = [m for m in (unsatisfied(e, held) for e in expr["AllOf"]) if m is not None]
        if not missing:
            return None
        return missing[0] if len(missing) == 1 else {"AllOf": missing}
    if "AnyOf" in expr:
        missing = []
        for e in expr["AnyOf"]:
            m = unsatisfied(e, held)
            if m is None:
                return None
            missing.append(m)
        return missing[0] if len(missing) == 1 else {"AnyOf": missing}
    raise ValueError("not an instantiated scope expression: %r" % (expr,))


def describe(expr: Any) -> str:
    """A short human-readable rendering of an instantiated expression."""
    if isinstance(expr, str):
        return expr
    if "AllOf" in expr:
        return "(" + " and ".join(describe(e) for e in expr["AllOf"]) + ")" if expr["AllOf"] else "(nothing)"
    return "(" + " or ".join(describe(e) for e in expr["AnyOf"]) + ")" if expr["AnyOf"] else "(impossible)"
