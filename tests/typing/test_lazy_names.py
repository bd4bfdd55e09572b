"""The names type checkers see agree with the names loaded lazily at run time.

`taskcluster`, `taskcluster.aio`, `taskcluster.client` and `taskcluster.testing` resolve their public names on first
access (a module `__getattr__`), and show type checkers the same names through `if TYPE_CHECKING:` imports; the
service classes come from the generated `taskcluster._services` / `taskcluster.aio._services`, which must follow
the generated registry. These tests fail when the two views drift apart.
"""

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import taskcluster
import taskcluster.aio
import taskcluster.testing
from taskcluster.generated._registry import SERVICES

PACKAGE = Path(taskcluster.__file__).parent


def type_checking_imports(path: Path, package: str) -> Tuple[Dict[str, str], List[str]]:
    """The names imported under the first `if TYPE_CHECKING:` of a module of `package` (name -> absolute module it
    comes from; a submodule maps to itself), and the modules star-imported there."""
    tree = ast.parse(path.read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    names: Dict[str, str] = {}
    stars: List[str] = []
    for node in block.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        module = base + ("." + node.module if node.module else "") if node.level else node.module
        for alias in node.names:
            if alias.name == "*":
                stars.append(module)
                continue
            assert alias.asname == alias.name, "re-export with `import X as X`: %s" % ast.unparse(node)
            names[alias.name] = module if node.module else module + "." + alias.name
    return names, stars


@pytest.mark.parametrize(
    "services_module, generated_package",
    [("taskcluster._services", "taskcluster.generated"), ("taskcluster.aio._services", "taskcluster.generated.aio")],
)
def test_the_service_lists_follow_the_registry(services_module: str, generated_package: str) -> None:
    module = importlib.import_module(services_module)
    assert module.__all__ == sorted(SERVICES)
    for name, generated_module in SERVICES.items():
        generated = importlib.import_module(generated_package + "." + generated_module)
        assert getattr(module, name) is getattr(generated, name)
    # nothing but the imports of the listed classes
    tree = ast.parse(Path(module.__file__).read_text())
    imported = [alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names]
    assert sorted(imported) == sorted(SERVICES)


@pytest.mark.parametrize("package", [taskcluster, taskcluster.aio], ids=["taskcluster", "taskcluster.aio"])
def test_the_type_checking_block_shows_every_lazy_name(package: object) -> None:
    path = Path(package.__file__)
    name = package.__name__
    names, stars = type_checking_imports(path, name)
    assert stars == [name + "._services"]
    sources: Dict[str, str] = package._SOURCES
    services = {n for n in sources if n in SERVICES}
    assert services == set(SERVICES)
    expected = {n: m for n, m in sources.items() if n not in SERVICES}
    expected.update((sub, name + "." + sub) for sub in package._SUBMODULES)
    assert names == expected
    assert sorted(sources) == package.__all__


def test_client_and_testing_show_their_lazy_names() -> None:
    names, stars = type_checking_imports(PACKAGE / "client.py", "taskcluster")
    assert stars == ["taskcluster._services"]
    names, stars = type_checking_imports(PACKAGE / "testing" / "__init__.py", "taskcluster.testing")
    assert not stars and set(names) == set(taskcluster.testing.__all__)
    assert set(names.values()) == {"taskcluster.testing.server"}


def test_nothing_imports_the_service_lists_at_run_time() -> None:
    code = (
        "import sys, taskcluster, taskcluster.aio, taskcluster.client, taskcluster.testing\n"
        "from taskcluster import client\n"
        "client.QueueEvents, taskcluster.Queue, taskcluster.aio.Queue, taskcluster.testing.LocalDeployment\n"
        "print(sorted(m for m in sys.modules if m.endswith('._services') or m.startswith('taskcluster.generated.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == [
        "taskcluster.generated._registry",
        "taskcluster.generated.aio",
        "taskcluster.generated.aio.queue",
        "taskcluster.generated.queue",
        "taskcluster.generated.queueevents",
    ]
