"""The task_tracker example's README runs as written: its ```python blocks, in order, print what their
`# expected` comments say; and its `work` loop, taken from the README, behaves against the double."""

import contextlib
import io
import re
import subprocess
import sys
from typing import Any, Callable, Dict, List

import pytest
from task_tracker import TaskTracker
from tt_support import EXAMPLE, TaskTrackerDouble

README = (EXAMPLE / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def expected_prints(block: str) -> List[str]:
    return [m.group(1) for m in re.finditer(r"^\s*print\(.*\)  # (.*)$", block, re.M)]


def readme_namespace() -> Dict[str, Any]:
    namespace: Dict[str, Any] = {"__name__": "readme"}
    exec(compile(BLOCKS[0], "README.md (worker loop)", "exec"), namespace)
    return namespace


def test_the_blocks_run_and_print_what_they_say() -> None:
    assert len(BLOCKS) == 2 and "def work(client" in BLOCKS[0]
    namespace = readme_namespace()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(BLOCKS[1], "README.md (trying it locally)", "exec"), namespace)
    assert out.getvalue().splitlines() == expected_prints(BLOCKS[1])


def test_the_regenerate_command_is_the_one_we_run() -> None:
    assert "python -m codegen rest examples/task_tracker/task_tracker.json --out examples/task_tracker" in README


@pytest.fixture
def work() -> Callable[..., int]:
    function: Callable[..., int] = readme_namespace()["work"]
    return function


def _setup(double: TaskTrackerDouble, recipes: List[str]) -> Any:
    pid = double.add_project("p")
    with TaskTracker({"rootUrl": double.url}) as anonymous:
        worker = anonymous.worker.create(body={})["worker"]
    double.grant(worker["id"], pid)
    for recipe in recipes:
        double.add_task(pid, recipe, max_retries=2)
    client = TaskTracker({"rootUrl": double.url, "credentials": {"workerId": worker["id"], "secret": worker["secret"]}})
    return pid, worker, client


def test_work_stops_at_max_tasks(double: TaskTrackerDouble, work: Callable[..., int]) -> None:
    pid, _, client = _setup(double, ["a", "b", "c"])
    seen: List[str] = []
    with client:
        assert work(client, pid, seen.append, max_tasks=2, poll_every=0.01) == 2
    assert len(seen) == 2 and len(double.tasks) == 1 and double.tasks[min(double.tasks)].assignee == 0


def test_work_releases_failures_and_logs_them(double: TaskTrackerDouble, work: Callable[..., int]) -> None:
    pid, worker, client = _setup(double, ["boom"])

    def handle(recipe: str) -> None:
        raise RuntimeError("exploded")

    with client:
        # max_retries=2: two failures mark the task failed, then the queue is empty
        assert work(client, pid, handle, max_tasks=10, poll_every=0.01, give_up_after=2) == 0
    (task,) = double.tasks.values()
    assert (task.status, task.retries, task.assignee) == (2, 2, 0)
    assert [entry["message"] for entry in double.logs] == [f"task {task.id}: exploded"] * 2
    assert {entry["level"] for entry in double.logs} == {3} and double.logs[0]["worker"] == worker["id"]


def test_work_polls_an_empty_queue_then_gives_up(double: TaskTrackerDouble, work: Callable[..., int]) -> None:
    pid, _, client = _setup(double, [])
    with client:
        assert work(client, pid, print, max_tasks=5, poll_every=0.01, give_up_after=3) == 0
    assert double.count("GET", f"/task/get/{pid}") == 3


def test_the_generated_package_matches_the_manifest() -> None:
    root = EXAMPLE.parents[1]
    command = [sys.executable, "-m", "codegen", "rest", "examples/task_tracker/task_tracker.json"]
    done = subprocess.run(command + ["--out", "examples/task_tracker", "--check"], cwd=root, capture_output=True)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
