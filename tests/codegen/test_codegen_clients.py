"""Golden files of the generated client modules: the small test manifest (tests/codegen/conftest.py), plus one entry
with what it lacks (older arguments, a run id, an untyped payload), rendered to sync and async client modules and
compared byte for byte with ``golden/widgets*.py`` (after a deliberate change: ``python
tests/codegen/test_codegen_clients.py --regenerate``, then review the diff).

The golden modules are what every generated client looks like: overloads per calling convention over the historical
implementation, paginated methods with one signature and their decorator, typed routing-key builders.
"""

import ast
import copy
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script (--regenerate)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import SMALL_MANIFEST  # noqa: E402

from codegen import manifest, render  # noqa: E402

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
# generated file -> golden file
GOLDEN = {
    "taskcluster/generated/widgets.py": "widgets.py",
    "taskcluster/generated/aio/widgets.py": "widgets_aio.py",
    "taskcluster/generated/widgetsevents.py": "widgetsevents.py",
    "taskcluster/generated/aio/widgetsevents.py": "widgetsevents_aio.py",
}

# What the small manifest lacks: route arguments joined from older ones, a run id, a payload whose schema is gone.
CLAIM_PART: Dict[str, Any] = {
    "type": "function",
    "name": "claimPart",
    "title": "Claim Part",
    "description": "Claims a part of a run for a worker.",
    "stability": "stable",
    "method": "post",
    "route": "/claim/<partQueueId>/runs/<runId>",
    "args": ["partQueueId", "runId"],
    "query": [],
    "input": "v1/retired-claim-request.json#",
    "scopes": "widgets:claim:<partQueueId>",
    "legacyArgs": {"args": ["provisionerId", "workerType"], "into": "partQueueId", "separator": "/"},
}


def golden_manifest() -> Dict[str, Any]:
    data = copy.deepcopy(SMALL_MANIFEST)
    data["Widgets"]["reference"]["entries"].append(copy.deepcopy(CLAIM_PART))
    return data


def render_golden() -> Dict[str, str]:
    data = golden_manifest()
    assert manifest.validate(data) == []
    files = render.render(manifest.build_model(data))
    return {golden: files[generated] for generated, golden in GOLDEN.items()}


def test_golden_client_modules_are_what_the_generator_writes():
    for name, text in render_golden().items():
        expected = (GOLDEN_DIR / name).read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs; if intended: python tests/codegen/test_codegen_clients.py --regenerate"
        )


def test_golden_modules_cover_every_shape():
    """The golden files hold every kind of method the templates emit (so a template change shows in them)."""
    sync = (GOLDEN_DIR / "widgets.py").read_text(encoding="utf-8")
    asynchronous = (GOLDEN_DIR / "widgets_aio.py").read_text(encoding="utf-8")
    events = (GOLDEN_DIR / "widgetsevents.py").read_text(encoding="utf-8")
    for text in (sync, asynchronous):
        ast.parse(text)
        assert "if TYPE_CHECKING:\n    from " in text and "types import widgets as _types\n" in text
        assert "paginated['_types.Widget']()" in text.replace('"', "'")
        assert "provisionerId: str,\n        workerType: str,\n        runId: Union[str, int]," in text  # older args
        assert "payload: Dict[str, Any]," in text  # untyped payload
        assert "def ping(self, *, query: Optional[Mapping[str, Any]] = None) -> Any: ..." in text
    assert "async def createWidget(" in asynchronous and "serviceName: str = _sync.Widgets.serviceName" in asynchronous
    assert "routingKey: Union[str, Mapping[str, Optional[Union[str, int]]]]," in events
    assert "-> TopicExchangeBinding:" in events


def test_generated_client_modules_are_ruff_formatted():
    """The templates emit what ``ruff format`` writes (the golden files and every generated client module)."""
    paths = [str(GOLDEN_DIR / name) for name in GOLDEN.values()]
    paths += ["taskcluster/generated", "taskcluster/aio", "taskcluster/queue.py", "docs/reference"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/codegen/test_codegen_clients.py --regenerate")
    for name, text in render_golden().items():
        (GOLDEN_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN_DIR / name}")
