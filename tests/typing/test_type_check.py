"""Type checkers on programs written against the SDK: `mypy --strict` and pyright, each run once over
tests/typing/programs/ (in parallel, a few seconds).

- user_program.py (a realistic program, pyright strict) and type_expectations.py (`assert_type` checks, pyright
  strict) must get no error at all;
- mistakes.py (pyright standard, what most projects run) must get an error on every line marked
  ``# expect-error`` and on no unmarked line.

The checkers find this repository's `taskcluster` through their search path (mypy_path / extraPaths): an editable
install is an import hook they cannot follow.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
CLEAN = ("user_program.py", "type_expectations.py")
MISTAKES = "mistakes.py"

MARKERS = ("expect-error",)
# a marker ends the line, or precedes another comment (a linter's pragma, say)
_MARKER = re.compile(r"#\s*(%s)\s*(?:#.*)?$" % "|".join(re.escape(m) for m in MARKERS))

Errors = Dict[Tuple[str, int], List[str]]  # (file name, line) -> messages


def _available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not (_available("mypy") and _available("pyright")), reason="mypy and pyright are dev dependencies"
)


def markers(name: str) -> Dict[int, str]:
    """Line number -> marker of a program file."""
    found = {}
    for number, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1):
        match = _MARKER.search(line)
        if match:
            found[number] = match.group(1)
    return found


def _mypy(workdir: Path, files: List[Path]) -> "subprocess.Popen[str]":
    config = workdir / "mypy.ini"
    config.write_text(
        "[mypy]\n"
        "python_version = 3.10\n"  # the oldest mypy 2 checks; pyright below checks 3.9
        "strict = True\n"
        "follow_imports = silent\n"  # report the programs' errors, not those of the modules they import
        "mypy_path = %s\n"
        "cache_dir = %s\n"
        "[mypy-mohawk.*,slugid.*]\n"
        "ignore_missing_imports = True\n" % (REPO, workdir / "mypy-cache")
    )
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--show-absolute-path", "--no-pretty"]
    return subprocess.Popen(
        command + [str(f) for f in files], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _pyright(workdir: Path, files: List[Path]) -> "subprocess.Popen[str]":
    (workdir / "pyrightconfig.json").write_text(
        json.dumps({"extraPaths": [str(REPO), str(PROGRAMS)], "pythonVersion": "3.9", "typeCheckingMode": "standard"})
    )
    command = [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, "-p", str(workdir)]
    return subprocess.Popen(
        command + [str(f) for f in files], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _mypy_errors(output: str) -> Errors:
    errors: Errors = {}
    for line in output.splitlines():
        match = re.match(r"(.+?):(\d+): error: (.*)$", line)
        if match:
            errors.setdefault((Path(match.group(1)).name, int(match.group(2))), []).append(match.group(3))
    return errors


def _pyright_errors(output: str) -> Errors:
    errors: Errors = {}
    for diagnostic in json.loads(output)["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            key = (Path(diagnostic["file"]).name, diagnostic["range"]["start"]["line"] + 1)
            errors.setdefault(key, []).append(diagnostic["message"].splitlines()[0])
    return errors


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Errors]]:
    """The errors each checker reports on the programs; both run at once."""
    files = [PROGRAMS / name for name in CLEAN + (MISTAKES,)]
    mypy = _mypy(tmp_path_factory.mktemp("mypy"), files)
    pyright = _pyright(tmp_path_factory.mktemp("pyright"), files)
    try:
        mypy_out, mypy_err = mypy.communicate(timeout=300)
        pyright_out, pyright_err = pyright.communicate(timeout=300)
    finally:
        for process in (mypy, pyright):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert mypy.returncode in (0, 1) and not mypy_err.strip(), (mypy.returncode, mypy_err, mypy_out[-2000:])
    assert pyright.returncode in (0, 1), (pyright.returncode, pyright_err, pyright_out[-2000:])
    yield {"mypy": _mypy_errors(mypy_out), "pyright": _pyright_errors(pyright_out)}


CHECKERS = ("mypy", "pyright")


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("name", CLEAN)
def test_programs_written_as_documented_get_no_error(reports: Dict[str, Errors], checker: str, name: str) -> None:
    assert not markers(name), "%s is a clean program: no line of it is marked" % name
    errors = {line: messages for (file, line), messages in reports[checker].items() if file == name}
    assert not errors, "%s reports errors in %s: %s" % (checker, name, json.dumps(errors, indent=1))


@pytest.mark.parametrize("checker", CHECKERS)
def test_every_marked_mistake_is_reported_and_nothing_else(reports: Dict[str, Errors], checker: str) -> None:
    expected = set(markers(MISTAKES))
    assert len(expected) >= 60
    reported = {line for (file, line) in reports[checker] if file == MISTAKES}
    missed = sorted(expected - reported)
    spurious = {line: reports[checker][(MISTAKES, line)] for line in sorted(reported - expected)}
    assert not missed, "%s reports nothing on the mistakes of lines %s of %s" % (checker, missed, MISTAKES)
    assert not spurious, "%s reports errors on unmarked lines of %s: %s" % (checker, MISTAKES, spurious)


def test_the_user_program_runs_against_a_local_deployment() -> None:
    """The program the checkers accept also does what it says, so it is a real program and not just one that
    type-checks."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in ("TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CLIENT_ID", "TASKCLUSTER_ACCESS_TOKEN", "TASK_ID"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, str(PROGRAMS / "user_program.py")],
        cwd=PROGRAMS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "state: pending" and lines[-1] == "done"
    assert "404 ResourceNotFound True" in lines and "refused with HTTP 403" in lines
    assert "b'hello' text/plain" in lines and "b'hello from asyncio' text/plain" in lines
