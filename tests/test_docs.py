"""The guides' code: every ```python block of docs/*.md runs, in order, against a local deployment named by the
TASKCLUSTER_* variables, and each `print(...)  # expected` line prints what its comment says.

In a comment, `<...>` stands for any text, a trailing `...` for any continuation, and a trailing `(...)` is an
explanation rather than output. Blocks marked ```py are fragments and are only parsed.
"""

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
RUNNABLE = [path for path in GUIDES if "```python\n" in path.read_text()]
PRINT_COMMENT = re.compile(r"^\s*print\(.*\)\s+# (?P<expected>.*)$")


def blocks(path, language="python"):
    return re.findall(r"```%s\n(.*?)```" % language, path.read_text(), re.S)


def expectation(comment):
    """A regex for the printed line a comment describes."""
    comment = re.sub(r" \([^()]*\)$", "", comment.strip())
    tail = ".*" if comment.endswith("...") else ""
    comment = comment[:-3] if tail else comment
    parts = re.split(r"<[^<>]+>", comment)
    return re.compile(".+".join(re.escape(part) for part in parts) + tail + r"\Z")


def expected_outputs(code):
    """For each print statement of the block in order, the regex its output must match (None: anything)."""
    found = []
    for line in code.splitlines():
        if "print(" not in line:
            continue
        match = PRINT_COMMENT.match(line)
        found.append(expectation(match.group("expected")) if match else None)
    return found


def test_there_are_guides_with_examples():
    names = {path.name for path in GUIDES}
    assert {"calls-and-errors.md", "pagination.md", "async.md", "upload-download.md", "pulse.md"} <= names
    assert sum(len(blocks(path)) for path in GUIDES) >= 15


def test_fragments_parse():
    fragments = [fragment for path in GUIDES for fragment in blocks(path, "py")]
    assert fragments
    for fragment in fragments:
        ast.parse(fragment)


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda path: path.name)
def test_guide_examples_run_and_print_what_they_say(path, taskcluster_deployment, monkeypatch, tmp_path):
    code_blocks = blocks(path)
    credentials = taskcluster_deployment.credentials
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", taskcluster_deployment.rootUrl)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", credentials["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", credentials["accessToken"])
    monkeypatch.delenv("TASKCLUSTER_CERTIFICATE", raising=False)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_example"}
    for number, code in enumerate(code_blocks, 1):
        code = code.replace("https://tc.example.com", taskcluster_deployment.rootUrl)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "%s (block %d)" % (path.name, number), "exec"), namespace)
        printed = out.getvalue().splitlines()
        expected = expected_outputs(code)
        where = "%s block %d" % (path.name, number)
        assert len(printed) == len(expected), (where, printed)
        for line, pattern in zip(printed, expected):
            assert pattern is None or pattern.match(line), (where, line, pattern.pattern)
