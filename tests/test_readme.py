"""The README's code runs as written: every ```python block, in order, against a local deployment whose root
client has the README's placeholder credentials, with only the root URL adapted; each `print(...)  # expected`
line prints what its comment says (the conventions of tests/test_docs.py)."""

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest
from test_docs import expected_outputs

import taskcluster
from taskcluster.testing import LocalDeployment

README = (Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
FRAGMENTS = re.findall(r"```py\n(.*?)```", README, re.S)
CLIENT_ID, ACCESS_TOKEN = "my/client", "my-access-token"


def block_containing(text):
    (block,) = [b for b in BLOCKS if text in b]
    return block


def test_every_block_parses_and_the_readme_starts_with_the_install_line():
    assert len(BLOCKS) >= 10
    for block in BLOCKS + FRAGMENTS:
        ast.parse(block)
    first = re.search(r"```(\w+)\n(.*?)```", README, re.S)
    assert first.group(1) == "sh" and first.group(2).strip() == "pip install taskcluster"


def test_routing_key_example_needs_no_deployment():
    block = block_containing("client.QueueEvents")
    namespace = {}
    exec(block.replace("https://tc.example.com", "http://127.0.0.1:1"), namespace)
    assert namespace["binding"] == {
        "exchange": "exchange/taskcluster-queue/v1/task-completed",
        "routingKeyPattern": "primary.*.*.*.*.*.*.*.G.#",
    }


@pytest.fixture
def placeholder_deployment(monkeypatch, tmp_path):
    """A deployment whose root client is the README's placeholder one, named by the TASKCLUSTER_* variables."""
    with LocalDeployment(root_client_id=CLIENT_ID, root_access_token=ACCESS_TOKEN) as tc:
        monkeypatch.setenv("TASKCLUSTER_ROOT_URL", tc.rootUrl)
        monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN)
        for name in ("TASKCLUSTER_CERTIFICATE", "TASK_ID", "TASKCLUSTER_PROXY_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)
        yield tc


def test_every_example_runs_as_written(placeholder_deployment):
    tc = placeholder_deployment
    # the state the configuration-helper example reads
    taskcluster.Secrets(tc.options()).set(
        "project/my-app", {"secret": {"app": {"token": "t0k"}}, "expires": taskcluster.fromNowJSON("1 hour")}
    )
    namespace = {"__name__": "readme_example"}
    for number, code in enumerate(BLOCKS, 1):
        code = code.replace("https://tc.example.com", tc.rootUrl)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md (block %d)" % number, "exec"), namespace)
        printed = out.getvalue().splitlines()
        expected = expected_outputs(code)
        assert len(printed) == len(expected), (number, printed)
        for line, pattern in zip(printed, expected):
            assert pattern is None or pattern.match(line), (number, line, pattern.pattern)
    assert namespace["secrets"] == {"token": "t0k"}
    assert bytes(namespace["data"]) == b"hello" and namespace["limited"]["clientId"] == "my/client"
    assert type(namespace["pools"]).__name__ == "WorkerManager"
