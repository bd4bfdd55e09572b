"""The package generated from ``data/tiny.discovery.json`` (a small hand-written Discovery document: a resource with a
nested resource, a paginated list, ``{+name}`` and ``{name}`` paths, a request body, the parameters ``continue`` and
``max-results``, an enum, a repeated parameter, a method without a response) compared byte for byte with
``golden/tiny/``, and its manifest with ``golden/tiny.manifest.json`` (after a deliberate change: ``python
tests/discovery/test_discovery_golden.py --regenerate``, then review the diff).

The generated client is also called end to end against the loopback recorder and compared with googleapiclient.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # run as a script (--regenerate)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))

import oracle  # noqa: E402
from discovery_support import (  # noqa: E402
    call_async,
    call_sync,
    check,
    client_classes,
    generated,
    options,
)
from recorder import Answer, Recorder  # noqa: E402

from codegen.discovery import to_manifest  # noqa: E402
from codegen.rest import generate_package  # noqa: E402
from taskcluster.exceptions import TaskclusterFailure  # noqa: E402

SOURCE = "tiny.discovery.json"
DOCUMENT_PATH = HERE / "data" / SOURCE
GOLDEN_DIR = HERE / "golden"
GOLDEN_PACKAGE = GOLDEN_DIR / "tiny"
GOLDEN_MANIFEST = GOLDEN_DIR / "tiny.manifest.json"
PACKAGE = "tinygarden"
REGENERATE = "python tests/discovery/test_discovery_golden.py --regenerate"


def tiny_document() -> Dict[str, Any]:
    loaded: Dict[str, Any] = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    return loaded


def manifest_text() -> str:
    return json.dumps(to_manifest(tiny_document(), SOURCE), indent=2, ensure_ascii=False) + "\n"


def generate_into(out_dir: Path) -> Dict[str, bytes]:
    """Generate the tiny package into ``out_dir``: every file written, by its path inside the package."""
    paths = generate_package(to_manifest(tiny_document(), SOURCE), PACKAGE, out_dir, SOURCE)
    package_dir = out_dir / PACKAGE
    return {p.relative_to(package_dir).as_posix(): p.read_bytes() for p in paths}


def golden_files() -> Dict[str, bytes]:
    return {p.relative_to(GOLDEN_PACKAGE).as_posix(): p.read_bytes() for p in GOLDEN_PACKAGE.rglob("*") if p.is_file()}


# --- golden -------------------------------------------------------------------------------------------------------


def test_golden_manifest_is_what_the_front_end_writes():
    assert manifest_text() == GOLDEN_MANIFEST.read_text(encoding="utf-8"), f"differs; if intended: {REGENERATE}"


def test_golden_package_is_what_the_generator_writes(tmp_path):
    written = generate_into(tmp_path)
    golden = golden_files()
    assert sorted(written) == sorted(golden), f"other files; if intended: {REGENERATE}"
    for name, data in written.items():
        assert data == golden[name], f"{name} differs; if intended: {REGENERATE}"
    assert sorted(p.relative_to(tmp_path / PACKAGE).as_posix() for p in (tmp_path / PACKAGE).rglob("*")) == sorted(
        written
    )  # nothing else in the package directory


def test_golden_package_has_the_documented_files():
    assert {"__init__.py", "_tables.py", "client.py", "aio.py", "types.py"} <= set(golden_files())


def test_golden_package_is_ruff_clean():
    """What the generator writes passes the project's format check and lint unchanged."""
    for command in (["format", "--check"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", str(GOLDEN_PACKAGE)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


USE_TINY = """\
from typing import List

from tiny import AsyncTinyGarden, TinyGarden
from tiny.types import Bed, ListBedsResponse, Plant


def sync_use(client: TinyGarden) -> List[Bed]:
    page: ListBedsResponse = client.beds.list(parent="sites/s", max_results=3, labels=["a"])
    plant: Plant = client.beds.plants.water(parent="sites/s/beds/b", plantId="p", body={"millilitres": 1})
    pages: List[ListBedsResponse] = list(client.beds.list.pages(parent="sites/s"))
    print(plant, pages)
    return page.get("beds", []) + list(client.beds.list.items(parent="sites/s")) + [client.beds.get(name="b")]


async def async_use(client: AsyncTinyGarden) -> List[Bed]:
    page: ListBedsResponse = await client.beds.list(parent="sites/s")
    return page.get("beds", []) + [bed async for bed in client.beds.list.items(parent="sites/s")]
"""


def test_mypy_strict_accepts_the_golden_package(tmp_path):
    """The generated package and a use of its clients type-check under ``mypy --strict``."""
    use = tmp_path / "use_tiny.py"
    use.write_text(USE_TINY, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache")]
        + [str(GOLDEN_PACKAGE), str(use)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, MYPYPATH=str(GOLDEN_DIR)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in" in result.stdout


# --- end to end ---------------------------------------------------------------------------------------------------

CASES = oracle.cases(tiny_document())
INVALID = oracle.invalid_cases(tiny_document())
PARENT = "sites/front yard"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[type, type]]:
    """The sync and async client classes of the tiny package, generated into a temporary directory."""
    with generated(tiny_document(), "gen_tiny", tmp_path_factory.mktemp("tiny"), SOURCE) as module:
        yield client_classes(module)


def test_class_names(tiny):
    assert [cls.__name__ for cls in tiny] == ["TinyGarden", "AsyncTinyGarden"]


@pytest.fixture(scope="module")
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.fixture
def recorder(server: Recorder) -> Recorder:
    server.reset()
    return server


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
async def test_oracle_cases(tiny, recorder, case):
    sync, asynchronous = tiny
    call_sync(sync, options(recorder.url), case.resource_path, case.method_name, **case.kwargs)
    check(recorder, case.expected)
    recorder.reset()
    await call_async(asynchronous, options(recorder.url), case.resource_path, case.method_name, **case.kwargs)
    check(recorder, case.expected)


def test_the_cases_use_continue_and_max_results():
    everything = next(c for c in CASES if c.label == "beds.list-all")
    assert "continue" in everything.kwargs and "max_results" in everything.kwargs
    assert {"continue", "max-results", "labels", "view"} <= {k for k, _ in everything.expected.query}


async def test_keyword_and_dashed_parameters_on_the_wire(tiny, recorder):
    sync, asynchronous = tiny
    kwargs = {"parent": PARENT, "max_results": 5, "labels": ["a b", "c&d"], "view": "FULL", "continue": "from here"}
    expected = oracle.expected_for(tiny_document(), "tinygarden.beds.list", kwargs)
    wanted = (
        ("alt", "json"),
        ("continue", "from here"),
        ("labels", "a b"),
        ("labels", "c&d"),
        ("max-results", "5"),
        ("view", "FULL"),
    )
    assert expected.query == wanted
    assert expected.path == "/garden/v1/sites/front%20yard/beds"
    with sync(options(recorder.url)) as client:
        client.beds.list(parent=PARENT, max_results=5, labels=["a b", "c&d"], view="FULL", **{"continue": "from here"})
    check(recorder, expected)
    recorder.reset()
    async with asynchronous(options(recorder.url)) as client:
        await client.beds.list(
            parent=PARENT, max_results=5, labels=["a b", "c&d"], view="FULL", **{"continue": "from here"}
        )
    check(recorder, expected)


def test_a_simple_expansion_escapes_slashes(tiny, recorder):
    sync, _ = tiny
    with sync(options(recorder.url)) as client:
        client.beds.plants.water(parent="sites/s/beds/b", plantId="rose/red", body={"millilitres": 250})
    request = recorder.only()
    assert (request.method, request.path) == ("POST", "/garden/v1/sites/s/beds/b/plants/rose%2Fred:water")
    assert request.json() == {"millilitres": 250}


def test_a_method_without_response_sends_no_alt(tiny, recorder):
    sync, _ = tiny
    with sync(options(recorder.url)) as client:
        client.beds.plants.delete(name="sites/s/beds/b/plants/p")
    request = recorder.only()
    assert (request.method, request.path, request.query) == ("DELETE", "/garden/v1/sites/s/beds/b/plants/p", "")


PAGES = [
    {"beds": [{"name": "sites/s/beds/1"}], "nextPageToken": "next 1"},
    {"beds": [], "nextPageToken": "next 2"},
    {"beds": [{"name": "sites/s/beds/2"}, {"name": "sites/s/beds/3"}]},
]


async def test_items_over_pages(tiny, recorder):
    sync, asynchronous = tiny
    recorder.script(*(Answer(200, page) for page in PAGES))
    with sync(options(recorder.url)) as client:
        names = [bed["name"] for bed in client.beds.list.items(parent=PARENT, **{"continue": "c"})]
    assert names == ["sites/s/beds/1", "sites/s/beds/2", "sites/s/beds/3"]
    assert [dict(r.pairs()).get("pageToken") for r in recorder.requests] == [None, "next 1", "next 2"]
    assert all(dict(r.pairs())["continue"] == "c" for r in recorder.requests)
    recorder.reset()
    recorder.script(*(Answer(200, page) for page in PAGES))
    async with asynchronous(options(recorder.url)) as client:
        pages = [page async for page in client.beds.list.pages(parent=PARENT)]
    assert pages == PAGES
    assert [dict(r.pairs()).get("pageToken") for r in recorder.requests] == [None, "next 1", "next 2"]


@pytest.mark.parametrize("case", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_calls_are_refused(tiny, recorder, case):
    label, resource_path, method_name, kwargs, reason = case
    sync, _ = tiny
    param = "no_such_parameter" if label.endswith("-unknown-keyword") else label.rsplit("-", 1)[1]
    signature_check = reason == "unexpected keyword argument" or (
        reason == "missing required parameter" and param not in kwargs
    )
    with pytest.raises((TaskclusterFailure, TypeError)) as info:
        call_sync(sync, options(recorder.url), resource_path, method_name, **kwargs)
    assert isinstance(info.value, TaskclusterFailure) or signature_check, f"{reason}: {info.value!r}"
    assert param in str(info.value) or (param == "x__xgafv" and "$.xgafv" in str(info.value)), str(info.value)
    assert recorder.requests == []


def test_an_unknown_keyword_next_to_continue_is_refused(tiny, recorder):
    """``beds.list`` takes ``**kwargs`` (for ``continue``), so an unknown keyword reaches the runtime: still refused."""
    sync, _ = tiny
    with sync(options(recorder.url)) as client:
        with pytest.raises((TaskclusterFailure, TypeError)) as info:
            client.beds.list(parent=PARENT, no_such_parameter=1)
    assert "no_such_parameter" in str(info.value)
    assert recorder.requests == []


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {REGENERATE}")
    import shutil
    import tempfile

    GOLDEN_DIR.mkdir(exist_ok=True)
    GOLDEN_MANIFEST.write_text(manifest_text(), encoding="utf-8")
    print(f"wrote {GOLDEN_MANIFEST}")
    with tempfile.TemporaryDirectory() as scratch:
        files = generate_into(Path(scratch))
    shutil.rmtree(GOLDEN_PACKAGE, ignore_errors=True)
    for name, data in sorted(files.items()):
        target = GOLDEN_PACKAGE / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {target}")
