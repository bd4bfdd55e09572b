"""The wheel users install: built from this tree (offline, with the dev environment's setuptools), it carries the
license, the type marker, the generated types and schemas, the console script and the version."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import taskcluster

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "taskcluster", source / "taskcluster", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out),
         str(source)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("taskcluster-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_is_named_after_the_version(wheel):
    assert Path(wheel.filename).name.startswith("taskcluster-%s-" % taskcluster.__version__)


def test_the_wheel_carries_license_types_schemas_and_data(wheel):
    names = set(wheel.namelist())
    dist_info = "taskcluster-%s.dist-info/" % taskcluster.__version__
    assert dist_info + "licenses/LICENSE" in names
    assert wheel.read(dist_info + "licenses/LICENSE").startswith(b"Mozilla Public License Version 2.0")
    for expected in (
        "taskcluster/py.typed",
        "taskcluster/types/queue.py",
        "taskcluster/generated/schemas/queue.json",
        "taskcluster/cli/__init__.py",
        "taskcluster/testing/server.py",
    ):
        assert expected in names, expected
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_the_wheel_declares_the_console_script_the_plugin_and_project_urls(wheel):
    dist_info = "taskcluster-%s.dist-info/" % taskcluster.__version__
    entry_points = wheel.read(dist_info + "entry_points.txt").decode()
    assert "taskcluster = taskcluster.cli:main" in entry_points.split("[console_scripts]")[1]
    assert "taskcluster = taskcluster.testing.pytest_plugin" in entry_points
    metadata = wheel.read(dist_info + "METADATA").decode()
    assert "License-Expression: MPL-2.0" in metadata and "Project-URL: " in metadata
