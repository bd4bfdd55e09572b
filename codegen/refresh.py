"""Refresh apis.json from the references a deployment serves.

The source is a directory holding ``references/<service>/<version>/api.json`` and
``.../exchanges.json`` (and, optionally, ``schemas/<service>/...``) as a deployment serves
them, the root URL of a deployment, or one JSON file bundling such a tree (a list of
``{"filename": "references/...", "content": {...}}``). For every reference:

- the matching class (same ``serviceName``; an exchanges reference maps to the class with
  an ``exchangePrefix``, an API reference to the one without) gets the reference's facts:
  titles, methods, routes, args, query, input/output schema ids, scopes, stability,
  exchange names and routing-key entries;
- our titles, descriptions and ``pageItems`` are kept (a differing upstream title is reported); new entries get
  upstream's title and the description
  ``TODO: describe``; entries the deployment no longer serves are marked ``deprecated``;
- a reference no class maps to becomes a new class (named after the service);
- the class's ``schemas`` get every JSON schema its entries name, and every schema those
  reference, without prose (``description``, ``examples``, ...) and with each ``$ref``
  rewritten to the service-relative id form (see `codegen.schemas`); an entry whose schema
  the source does not publish (or that references one it does not) stays untyped. Our
  ``typeNames`` are kept.

Classes whose service the source does not serve are reported and left unchanged. The
manifest is written with the formatting it already has (indent 2, UTF-8, trailing
newline) and only if something changed, so a refresh from the same facts changes nothing.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, TextIO, Tuple

from . import schemas as jsonschemas
from .manifest import PAGINATION_TOKEN, ManifestInvalid, load_json, service_kind, validate

__all__ = ["NEW_DESCRIPTION", "Source", "dump", "main", "refresh_manifest"]

NEW_DESCRIPTION = "TODO: describe"

REFERENCE_ORDER = ("$schema", "apiVersion", "serviceName", "title", "description", "exchangePrefix", "entries")
FUNCTION_ORDER = (
    "type",
    "name",
    "title",
    "description",
    "stability",
    "method",
    "route",
    "args",
    "query",
    "input",
    "output",
    "scopes",
    "pageItems",
    "legacyArgs",
)
EXCHANGE_ORDER = ("type", "name", "title", "description", "exchange", "stability", "schema", "routingKey")
ROUTING_KEY_ORDER = ("name", "constant", "multipleWords", "required", "maxSize")

CLASS_ORDER = ("reference", "deprecated", "schemas", "typeNames")
CLASS_FACTS = ("$schema", "apiVersion", "title", "exchangePrefix")
FUNCTION_FACTS = ("title", "stability", "method", "route", "args", "query", "input", "output", "scopes")
OPTIONAL_FUNCTION_FACTS = ("input", "output", "scopes")
EXCHANGE_FACTS = ("title", "exchange", "stability", "schema", "routingKey")
OPTIONAL_EXCHANGE_FACTS = ("stability", "schema")


def dump(data: Any) -> str:
    """The manifest's on-disk formatting."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- sources ---------------------------------------------------------------------------------


class Source:
    """Where references come from: a directory, a deployment's root URL, or a bundle file."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.is_url = location.startswith(("http://", "https://"))
        self.bundle: Optional[Dict[str, Any]] = None
        if not self.is_url and Path(location).is_file():
            self.bundle = _read_bundle(Path(location))

    def _read(self, rel: str) -> Optional[Any]:
        if self.bundle is not None:
            return self.bundle.get(rel)
        if self.is_url:
            url = self.location.rstrip("/") + "/" + urllib.parse.quote(rel)
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    return json.loads(response.read().decode("utf-8"))
            except OSError:
                return None
        path = Path(self.location, rel)
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def references(self) -> List[Tuple[str, Dict[str, Any]]]:
        """``(path, content)`` of every api.json and exchanges.json, sorted by path."""
        if self.is_url:
            index = self._read("references/manifest.json")
            if not isinstance(index, dict):
                raise FileNotFoundError(f"{self.location}: no references/manifest.json")
            paths = [p.lstrip("/") for p in index.get("references", [])]
        elif self.bundle is not None:
            paths = [p for p in self.bundle if re.fullmatch(r"references/[^/]+/[^/]+/[^/]+\.json", p)]
        else:
            root = Path(self.location)
            if not (root / "references").is_dir():
                raise FileNotFoundError(f"{self.location}: no references/ directory")
            paths = [p.relative_to(root).as_posix() for p in root.glob("references/*/*/*.json")]
        out = []
        for rel in sorted(paths):
            if rel.rsplit("/", 1)[-1] in ("api.json", "exchanges.json"):
                content = self._read(rel)
                if isinstance(content, dict) and "entries" in content:
                    out.append((rel, content))
        return out

    def has_schemas(self, service: str) -> bool:
        """Whether the source publishes any schema of ``service`` (a deployment always does; a
        directory or bundle may hold references only)."""
        if self.bundle is not None:
            return any(name.startswith(f"schemas/{service}/") for name in self.bundle)
        if self.is_url:
            return True
        return Path(self.location, "schemas", service).is_dir()

    def schema(self, service: str, schema_id: str) -> Optional[Any]:
        """A service's JSON schema by id (``v1/x.json#``), if the source has it."""
        try:
            return self._read(f"schemas/{service}/{schema_id.split('#', 1)[0]}")
        except ValueError:
            return None


Report = Callable[[str, str], None]


def _read_bundle(path: Path) -> Dict[str, Any]:
    """A bundle file: a JSON list of ``{"filename": ..., "content": ...}`` -> {filename: content}."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("filename"), str) and "content" in item for item in data
    ):
        raise ValueError(f"{path}: not a bundle (a JSON list of {{filename, content}} objects)")
    return {item["filename"].lstrip("/"): item["content"] for item in data}


# --- schemas ---------------------------------------------------------------------------------


def _schema_path(service: str, schema_id: str) -> Optional[str]:
    """The absolute path (``/schemas/<service>/v1/x.json``) of a schema id of ``service``, or None
    for an id that is not a path (a URL)."""
    path = schema_id.split("#", 1)[0]
    if urllib.parse.urlsplit(path).scheme or not path:
        return None
    return path if path.startswith("/schemas/") else f"/schemas/{service}/{path}"


def _schema_key(service: str, path: str, fragment: str) -> str:
    """The id form of an absolute schema path: service-relative for our own service."""
    own = f"/schemas/{service}/"
    return (path[len(own) :] if path.startswith(own) else path) + "#" + fragment


def _collect(service: str, schema_id: str, schema: Callable[[str, str], Any], out: Dict[str, Any]) -> Optional[str]:
    """Add the schema ``schema_id`` (of ``service``'s manifest class) and everything it references
    to ``out``, stripped and with refs in id form; return a problem, or None."""
    todo: List[Tuple[str, Optional[str]]] = [(schema_id.split("#", 1)[0] + "#", None)]  # (id, referenced by)
    while todo:
        key, referrer = todo.pop()
        if key in out:
            continue
        via = f" (referenced by {referrer!r})" if referrer is not None else ""
        path = _schema_path(service, key)
        if path is None:
            return f"{key!r} is not a path of the deployment's schemas{via}"
        owner, _, rel = path[len("/schemas/") :].partition("/")
        raw = schema(owner, rel + "#")
        if not isinstance(raw, (dict, bool)):
            return f"{key!r} is not published{via}"
        problems: List[str] = []
        out[key] = jsonschemas.rebase_refs(jsonschemas.strip(raw), _rewriter(service, key, path, todo, problems))
        if problems:
            return problems[0]
    return None


def _rewriter(
    service: str, key: str, path: str, todo: List[Tuple[str, Optional[str]]], problems: List[str]
) -> Callable[[str], str]:
    """Rewrites the refs of schema ``key`` (at ``path``) to the id form; queues their targets."""

    def rewrite(ref: str) -> str:
        target = jsonschemas.relative_ref(path, ref)
        if not target.startswith("/schemas/"):
            problems.append(f"{key!r} references {ref!r}, outside the deployment's schemas")
            return ref
        target_path, _, fragment = target.partition("#")
        new = _schema_key(service, target_path, fragment)
        todo.append((jsonschemas.split(new)[0], key))
        return new

    return rewrite


def _entry_schema_ids(entry: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [(field, entry[field]) for field in ("input", "output", "schema") if isinstance(entry.get(field), str)]


def _schemas(
    class_name: str, service: str, entries: Sequence[Dict[str, Any]], schema: Callable[[str, str], Any], report: Report
) -> Dict[str, Any]:
    """The ``schemas`` of a class: what its entries name, transitively, in sorted id order."""
    found: Dict[str, Any] = {}
    for entry in entries:
        for field, schema_id in _entry_schema_ids(entry):
            collected = dict(found)
            problem = _collect(service, schema_id, schema, collected)
            if problem is None:
                for ref_holder, target in _dangling(collected):
                    problem = f"{ref_holder} references {target!r}, which does not exist"
                    break
            if problem is not None:
                report(f"{class_name}.{entry['name']}", f"{field} stays untyped: {problem}")
                continue
            found = collected
    return dict(sorted(found.items()))


def _dangling(schemas: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(schema id + pointer of the ref, target) of every ``$ref`` that names no node."""
    out = []
    for key, schema in schemas.items():
        for pointer, ref in jsonschemas.refs(schema):
            target = jsonschemas.ref_target(key, ref)
            try:
                jsonschemas.resolve(schemas, target)
            except jsonschemas.Unresolved:
                out.append((key + pointer, target))
    return out


def _with_schemas(class_name: str, cls: Dict[str, Any], new: Dict[str, Any], report: Report) -> Dict[str, Any]:
    old = cls.get("schemas", {})
    if new == old:
        return cls
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(k for k in set(new) & set(old) if new[k] != old[k])
    parts = [f"{len(v)} {what}" for v, what in ((added, "added"), (changed, "changed"), (removed, "removed")) if v]
    report(class_name, "schemas: " + ", ".join(parts))
    if not new:
        return {k: v for k, v in cls.items() if k != "schemas"}
    if "schemas" in cls:
        return {k: (new if k == "schemas" else v) for k, v in cls.items()}
    return _insert(cls, "schemas", new, CLASS_ORDER)


# --- merging ---------------------------------------------------------------------------------


def _insert(d: Dict[str, Any], key: str, value: Any, order: Sequence[str]) -> Dict[str, Any]:
    """``d`` with ``key`` added at its place in ``order`` (unknown keys count as last)."""
    rank = {k: i for i, k in enumerate(order)}
    items = list(d.items())
    position = len(items)
    for i, (k, _) in enumerate(items):
        if rank.get(k, len(order)) > rank.get(key, len(order)):
            position = i
            break
    items.insert(position, (key, value))
    return dict(items)


def _merge(
    existing: Dict[str, Any], updates: Dict[str, Any], removals: Iterable[str], order: Sequence[str]
) -> Tuple[Dict[str, Any], List[str]]:
    """Apply updates and removals keeping the existing key order; return the dict and changed keys."""
    removals = set(removals)
    result: Dict[str, Any] = {}
    changed: List[str] = []
    for key, value in existing.items():
        if key in removals:
            changed.append(key)
            continue
        if key in updates and updates[key] != value:
            changed.append(key)
            value = updates[key]
        result[key] = value
    for key in order:
        if key in updates and key not in existing:
            result = _insert(result, key, updates[key], order)
            changed.append(key)
    for key in updates:
        if key not in result:
            result[key] = updates[key]
            changed.append(key)
    return result, changed


def _routing_key(keys: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{k: key[k] for k in ROUTING_KEY_ORDER if k in key} for key in keys]


def _facts(entry: Dict[str, Any]) -> Dict[str, Any]:
    if entry["type"] == "topic-exchange":
        facts = {k: entry[k] for k in EXCHANGE_FACTS if k in entry}
        facts["routingKey"] = _routing_key(entry["routingKey"])
        return facts
    return {k: entry[k] for k in FUNCTION_FACTS if k in entry}


def _page_items(schema: Any) -> Optional[str]:
    """The list property of a paginated response schema, if there is exactly one."""
    if not isinstance(schema, dict):
        return None
    props = schema.get("properties", {})
    arrays = [name for name, prop in props.items() if isinstance(prop, dict) and prop.get("type") == "array"]
    return arrays[0] if len(arrays) == 1 else None


def _class_name(service: str, kind: str) -> str:
    name = "".join(part[:1].upper() + part[1:] for part in service.split("-"))
    return name + "Events" if kind == "exchanges" else name


def _update_entry(
    ours: Dict[str, Any], theirs: Dict[str, Any], schema: Callable[[str], Any], report: Report, where: str
) -> Dict[str, Any]:
    facts = _facts(theirs)
    upstream_title = facts.pop("title", None)
    if "title" not in ours and upstream_title is not None:
        facts["title"] = upstream_title
    elif upstream_title is not None and upstream_title != ours["title"]:
        report(where, "keeps our title %r (upstream: %r)" % (ours["title"], upstream_title))
    order: Sequence[str]
    if theirs["type"] == "topic-exchange":
        removals = [k for k in OPTIONAL_EXCHANGE_FACTS if k not in facts and k in ours]
        order = EXCHANGE_ORDER
    else:
        removals = [k for k in OPTIONAL_FUNCTION_FACTS if k not in facts and k in ours]
        order = FUNCTION_ORDER
    entry, changed = _merge(ours, facts, removals, order)
    if entry.get("type") == "function":
        entry, page_changes = _pagination(entry, schema, report, where)
        changed += page_changes
    if changed:
        report(where, "updated " + ", ".join(sorted(set(changed))))
    return entry


def _pagination(
    entry: Dict[str, Any], schema: Callable[[str], Any], report: Report, where: str
) -> Tuple[Dict[str, Any], List[str]]:
    paginated = PAGINATION_TOKEN in entry.get("query", [])
    if paginated and "pageItems" not in entry:
        items = _page_items(schema(entry["output"])) if "output" in entry else None
        if items is None:
            report(where, f"paginated (query has {PAGINATION_TOKEN}): add pageItems by hand")
            return entry, []
        report(where, f"pageItems {items!r} inferred from the output schema; check it")
        return _insert(entry, "pageItems", items, FUNCTION_ORDER), ["pageItems"]
    if not paginated and "pageItems" in entry:
        return {k: v for k, v in entry.items() if k != "pageItems"}, ["pageItems"]
    return entry, []


def _new_entry(theirs: Dict[str, Any], schema: Callable[[str], Any], report: Report, where: str) -> Dict[str, Any]:
    merged = {"type": theirs["type"], "name": theirs["name"], "description": NEW_DESCRIPTION, **_facts(theirs)}
    entry = {k: merged[k] for k in _order(theirs) if k in merged}
    report(where, f'added (description "{NEW_DESCRIPTION}")')
    if entry["type"] == "function":
        entry, _ = _pagination(entry, schema, report, where)
    return entry


def _update_class(
    class_name: str,
    cls: Dict[str, Any],
    ref: Dict[str, Any],
    schema_of: Callable[[str], Any],
    schema: Callable[[str, str], Any],
    has_schemas: bool,
    report: Report,
) -> Dict[str, Any]:
    reference = cls["reference"]
    updates = {k: ref[k] for k in CLASS_FACTS if k in ref}
    removals = [k for k in ("$schema", "exchangePrefix") if k in reference and k not in ref]
    new_reference, changed = _merge(reference, updates, removals, REFERENCE_ORDER)
    if changed:
        report(class_name, "updated " + ", ".join(sorted(set(changed))))

    theirs = {e["name"]: e for e in ref["entries"]}
    entries = []
    for ours in reference["entries"]:
        where = f"{class_name}.{ours['name']}"
        if ours["name"] in theirs:
            entries.append(_update_entry(ours, theirs[ours["name"]], schema_of, report, where))
        elif ours.get("stability") != "deprecated":
            entries.append(_merge(ours, {"stability": "deprecated"}, (), _order(ours))[0])
            report(where, "not served by the deployment: marked deprecated")
        else:
            entries.append(ours)
    known = {e["name"] for e in reference["entries"]}
    for entry in ref["entries"]:
        if entry["name"] not in known:
            entries.append(_new_entry(entry, schema_of, report, f"{class_name}.{entry['name']}"))
    new_reference["entries"] = entries
    updated = {**cls, "reference": new_reference}
    if not has_schemas:
        report(class_name, f"the source publishes no schemas of {ref['serviceName']!r}: schemas left unchanged")
        return updated
    found = _schemas(class_name, ref["serviceName"], entries, schema, report)
    return _with_schemas(class_name, updated, found, report)


def _order(entry: Dict[str, Any]) -> Sequence[str]:
    return EXCHANGE_ORDER if entry.get("type") == "topic-exchange" else FUNCTION_ORDER


def _new_class(
    ref: Dict[str, Any], schema: Callable[[str, str], Any], report: Report, class_name: str
) -> Dict[str, Any]:
    def schema_of(schema_id: str) -> Any:
        return schema(ref["serviceName"], schema_id)

    reference: Dict[str, Any] = {k: ref[k] for k in REFERENCE_ORDER if k in ref and k != "entries"}
    reference["description"] = NEW_DESCRIPTION
    reference = {k: reference[k] for k in REFERENCE_ORDER if k in reference}
    reference["entries"] = [_new_entry(e, schema_of, report, f"{class_name}.{e['name']}") for e in ref["entries"]]
    found = _schemas(class_name, ref["serviceName"], reference["entries"], schema, report)
    return {"reference": reference, "schemas": found} if found else {"reference": reference}


def refresh_manifest(
    data: Dict[str, Any],
    references: Sequence[Dict[str, Any]],
    schema: Callable[[str, str], Any],
    has_schemas: Callable[[str], bool] = lambda service: True,
) -> Tuple[Dict[str, Any], List[Tuple[str, str]]]:
    """Merge deployment references into a manifest; return the new manifest and report lines.
    ``schema(service, id)`` reads a published schema (None if there is none); a service for
    which ``has_schemas`` is false keeps the schemas it has."""
    new = copy.deepcopy(data)
    lines: List[Tuple[str, str]] = []

    def report(where: str, message: str) -> None:
        lines.append((where, message))

    classes = {(cls["reference"]["serviceName"], service_kind(cls["reference"])): name for name, cls in new.items()}
    chosen: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for ref in references:
        key = (ref["serviceName"], service_kind(ref))
        if key not in chosen:
            chosen[key] = ref
            continue
        # several versions of one service: keep the one the class already has
        current = new[classes[key]]["reference"]["apiVersion"] if key in classes else None
        keep, drop = (ref, chosen[key]) if ref["apiVersion"] == current else (chosen[key], ref)
        chosen[key] = keep
        report(f"{key[0]} ({key[1]})", f"version {drop['apiVersion']} ignored; using {keep['apiVersion']}")
    seen = set(chosen)
    for key, ref in sorted(chosen.items()):

        def schema_of(schema_id: str, _service: str = ref["serviceName"]) -> Any:
            return schema(_service, schema_id)

        class_name = classes.get(key)
        if class_name is not None:
            served = has_schemas(ref["serviceName"])
            new[class_name] = _update_class(class_name, new[class_name], ref, schema_of, schema, served, report)
            continue
        class_name = _class_name(*key)
        if class_name in new:
            report(class_name, f"cannot add service {key[0]!r} ({key[1]}): the class name is taken")
            continue
        report(class_name, f'new class for service {key[0]!r} ({key[1]}, description "{NEW_DESCRIPTION}")')
        was_sorted = list(new) == sorted(new)
        new[class_name] = _new_class(ref, schema, report, class_name)
        if was_sorted:
            new = dict(sorted(new.items()))
    for key, class_name in sorted(classes.items(), key=lambda item: item[1]):
        if key not in seen:
            report(class_name, f"the source serves no {key[1]} reference for {key[0]!r}: left unchanged")
    return new, lines


# --- command -----------------------------------------------------------------------------------


def main(
    manifest_path: Path,
    location: str,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    source_name: Optional[str] = None,
) -> int:
    """``python -m codegen refresh``: returns the exit status."""
    source_name = source_name or manifest_path.name
    try:
        data = load_json(manifest_path, source_name)
    except ManifestInvalid as exc:
        for error in exc.errors:
            print(error, file=err)
        return 1
    problems = validate(data, source_name)
    if problems:
        for error in problems:
            print(error, file=err)
        print(f"{source_name} is invalid; fix it before refreshing (nothing written)", file=err)
        return 1
    try:
        source = Source(location)
        references = [content for _, content in source.references()]
    except (OSError, ValueError) as exc:
        print(f"cannot read references: {exc}", file=err)
        return 1
    new, lines = refresh_manifest(data, references, source.schema, source.has_schemas)
    for where, message in lines:
        print(f"{source_name}: {where}: {message}", file=out)
    text = dump(new)
    if text == dump(data):
        print(f"{source_name} is up to date with {location}", file=out)
    else:
        manifest_path.write_bytes(text.encode("utf-8"))
        print(f"wrote {source_name}", file=out)
    problems = validate(new, source_name)
    for error in problems:
        print(error, file=err)
    if problems:
        print(f"{source_name} needs the fixes above before `python -m codegen` accepts it", file=err)
        return 1
    return 0
