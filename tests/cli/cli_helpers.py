"""Helpers for the command-line tests: run `python -m taskcluster` as a subprocess or `main()` in process,
and build tasks (with a log artifact) the way a worker would."""

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import requests

import taskcluster
from taskcluster.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TC_VARIABLES = ("TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CLIENT_ID", "TASKCLUSTER_ACCESS_TOKEN", "TASKCLUSTER_CERTIFICATE")
TASK_QUEUE = "cli-prov/cli-worker"


@dataclass
class Result:
    """What one run of the command line did."""

    status: int
    out: str
    err: str


def cli_env(root_url: Optional[str], credentials: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The process environment with only the given TASKCLUSTER_* variables set."""
    env = {key: value for key, value in os.environ.items() if key not in TC_VARIABLES}
    if root_url:
        env["TASKCLUSTER_ROOT_URL"] = root_url
    for key, variable in (
        ("clientId", "TASKCLUSTER_CLIENT_ID"),
        ("accessToken", "TASKCLUSTER_ACCESS_TOKEN"),
        ("certificate", "TASKCLUSTER_CERTIFICATE"),
    ):
        if credentials and credentials.get(key):
            env[variable] = credentials[key]
    return env


def run_cli(*args: str, env: Mapping[str, str], stdin: Optional[bytes] = None) -> Result:
    """`python -m taskcluster <args>` in a subprocess (stdin empty unless given)."""
    proc = subprocess.run(
        [sys.executable, "-m", "taskcluster", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=dict(env),
        cwd=REPO,
        timeout=60,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


class FakeStream(io.StringIO):
    """A text stream that says whether it is a terminal, with a binary `buffer` like sys.stdout's."""

    def __init__(self, tty: bool = False, data: bytes = b"") -> None:
        super().__init__(data.decode())
        self.tty = tty
        self.raw = io.BytesIO(data)

    @property
    def buffer(self) -> io.BytesIO:  # type: ignore[override]
        return self.raw

    def isatty(self) -> bool:
        return self.tty


def run_main(monkeypatch: Any, *args: str, env: Mapping[str, str], stdin: Optional[FakeStream] = None) -> Result:
    """`taskcluster.cli.main([...])` in this process, with the TASKCLUSTER_* variables of `env` and fake streams."""
    for variable in TC_VARIABLES:
        if variable in env:
            monkeypatch.setenv(variable, env[variable])
        else:
            monkeypatch.delenv(variable, raising=False)
    out, err = FakeStream(), FakeStream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", stdin if stdin is not None else FakeStream(tty=False))
    status = main(list(args))
    return Result(status, out.getvalue() + out.raw.getvalue().decode(), err.getvalue())


def task_definition(group_id: str, name: str, queue: str = TASK_QUEUE) -> Dict[str, Any]:
    """A small task definition the root client may create."""
    return {
        "taskQueueId": queue,
        "schedulerId": "cli-tests",
        "projectId": "cli",
        "taskGroupId": group_id,
        "created": taskcluster.fromNowJSON("0 seconds"),
        "deadline": taskcluster.fromNowJSON("1 hour"),
        "payload": {},
        "metadata": {
            "name": name,
            "description": "a task of the command-line tests",
            "owner": "cli@example.com",
            "source": "https://example.com/cli",
        },
    }


def finish_with_artifacts(options: Dict[str, Any], task_id: str, artifacts: Dict[str, bytes]) -> None:
    """Claim run 0 of a task, upload s3 artifacts with the run's own credentials, and report it completed."""
    root_url = options["rootUrl"]
    with taskcluster.Queue(options) as queue:
        claim = queue.claimTask(task_id, 0, {"workerGroup": "cli", "workerId": "w1"})
    with taskcluster.Queue({"rootUrl": root_url, "credentials": claim["credentials"]}) as worker:
        for name, data in artifacts.items():
            upload = worker.createArtifact(
                task_id,
                0,
                name,
                {"storageType": "s3", "contentType": "text/plain", "expires": taskcluster.fromNowJSON("1 day")},
            )
            answer = requests.put(upload["putUrl"], data=data, headers={"Content-Type": "text/plain"}, timeout=10)
            answer.raise_for_status()
        worker.reportCompleted(task_id, 0)


def lines(text: str) -> List[str]:
    """The non-empty lines of `text`."""
    return [line for line in text.splitlines() if line.strip()]
