"""Helpers of the Discovery tests: generate a package from a Discovery document into a directory and import it, and
call one oracle case on a sync or an async client."""

import functools
import importlib
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, Mapping, Sequence, Tuple

import oracle
from recorder import Recorded, Recorder

from codegen.discovery import to_manifest
from codegen.rest import generate_package

TOKEN = "test-token"


@contextmanager
def generated(document: Mapping[str, Any], package: str, out_dir: Path, source: str) -> Iterator[ModuleType]:
    """Generate ``package`` from a Discovery document into ``out_dir``, import it, and unload it afterwards."""
    generate_package(to_manifest(document, source), package, out_dir, source)
    sys.path.insert(0, str(out_dir))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(out_dir))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def client_classes(module: ModuleType) -> Tuple[type, type]:
    """The sync and the async client class a generated package exports."""
    names = list(module.__all__)
    sync = [n for n in names if not n.startswith("Async")]
    assert len(sync) == 1 and f"Async{sync[0]}" in names, names
    return getattr(module, sync[0]), getattr(module, f"Async{sync[0]}")


def options(root_url: str, **more: Any) -> Dict[str, Any]:
    """Client options pointing at the recorder, with the bearer token the tests expect on the wire."""
    return {"rootUrl": root_url, "token": TOKEN, **more}


def bound(client: Any, resource_path: Sequence[str], method_name: str) -> Any:
    """The method ``client.<resource path>.<method name>``."""
    return getattr(functools.reduce(getattr, resource_path, client), method_name)


def call_sync(cls: type, opts: Dict[str, Any], resource_path: Sequence[str], method_name: str, **kwargs: Any) -> Any:
    """One call on a fresh sync client, closed afterwards."""
    with cls(opts) as client:
        return bound(client, resource_path, method_name)(**kwargs)


async def call_async(
    cls: type, opts: Dict[str, Any], resource_path: Sequence[str], method_name: str, **kwargs: Any
) -> Any:
    """One call on a fresh async client, closed afterwards."""
    async with cls(opts) as client:
        return await bound(client, resource_path, method_name)(**kwargs)


def described(request: Recorded) -> Tuple[str, str, Tuple[Tuple[str, str], ...], Any]:
    """A recorded request in the oracle's terms: method, raw path, sorted decoded query, parsed JSON body."""
    return request.method, request.path, request.pairs(), request.json()


def check(recorder: Recorder, expected: oracle.Expected) -> None:
    """The one request the recorder saw is what googleapiclient would have sent, with our bearer token."""
    request = recorder.only()
    assert described(request) == (expected.method, expected.path, expected.query, expected.body)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
