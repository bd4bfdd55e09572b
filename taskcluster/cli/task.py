"""`taskcluster task <action> <taskId>`: status, def, log, artifacts, cancel and rerun of one task."""

import sys
from typing import Any, BinaryIO, Dict, List, Optional

from .config import CliParser, Config, add_global_options, merge_flags
from .output import Progress, write_json, write_line

__all__ = ["build_parser", "run", "LOG_ARTIFACTS", "ResumingWriter"]

#: The artifacts `task log` prints, the first one that exists.
LOG_ARTIFACTS = ("public/logs/live.log", "public/logs/live_backing.log")

_ACTIONS = {
    "status": "print the task's state (--json: its status structure)",
    "def": "print the task definition (JSON)",
    "log": "print the task's log (%s, else %s)" % LOG_ARTIFACTS,
    "artifacts": "list the artifact names of the latest run, one per line (--json: the artifacts)",
    "cancel": "cancel the task and print its new state (--json: its status structure)",
    "rerun": "rerun the task and print its new state (--json: its status structure)",
}


def build_parser() -> CliParser:
    """The parser of `taskcluster task` and its actions."""
    parser = CliParser(prog="taskcluster task", description="Inspect or act on one task (with the queue service).")
    add_global_options(parser)
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    for name, text in _ACTIONS.items():
        sub = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        sub.add_argument("taskId")
        if name in ("status", "artifacts", "cancel", "rerun"):
            sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        if name in ("log", "artifacts"):
            sub.add_argument("--run", type=int, metavar="N", help="this run instead of the latest")
        add_global_options(sub)
    return parser


def run(command: str, argv: List[str], flags: Dict[str, Optional[str]]) -> int:
    """Run `taskcluster task` with the words after `task`; returns the exit status."""
    ns = build_parser().parse_args(argv)
    options = Config(merge_flags(flags, ns)).options(what="taskcluster task %s" % ns.action)
    from ..generated.queue import Queue

    queue: Any = Queue(options)
    with queue:
        task_id: str = ns.taskId
        if ns.action == "status":
            _print_status(queue.status(task_id), ns.json)
        elif ns.action == "def":
            write_json(queue.task(task_id))
        elif ns.action == "log":
            print_log(queue, task_id, ns.run)
        elif ns.action == "artifacts":
            _print_artifacts(queue, task_id, ns.run, ns.json)
        elif ns.action == "cancel":
            _print_status(queue.cancelTask(task_id), ns.json)
        else:
            _print_status(queue.rerunTask(task_id), ns.json)
    return 0


def _print_status(answer: Any, as_json: bool) -> None:
    """The state of a `{"status": ...}` answer, or the whole answer as JSON."""
    if as_json:
        write_json(answer)
    else:
        write_line(str(answer["status"]["state"]))


def _print_artifacts(queue: Any, task_id: str, run_id: Optional[int], as_json: bool) -> None:
    """Every artifact of the run, following continuation tokens (names one per line, or one JSON list)."""
    if run_id is None:
        pages = queue.listLatestArtifacts.pages(task_id)
    else:
        pages = queue.listArtifacts.pages(task_id, str(run_id))
    progress = Progress()
    artifacts: List[Any] = []
    try:
        for page in pages:
            for artifact in page.get("artifacts") or []:
                if as_json:
                    artifacts.append(artifact)
                else:
                    write_line(str(artifact["name"]))
            progress.update("loaded %d artifacts..." % len(artifacts))
    finally:
        progress.clear()
    if as_json:
        write_json(artifacts)


class ResumingWriter:
    """A download writer onto a binary stream: when a retry starts the download over, the bytes already
    written are skipped, so the output holds each byte once."""

    def __init__(self, stream: BinaryIO) -> None:
        """Write onto `stream`, which has received nothing yet."""
        self.stream = stream
        self.emitted: int = 0
        self.position: int = 0

    def restart(self) -> "ResumingWriter":
        """The writer factory of `downloadArtifact`: a (re)started download begins at byte 0."""
        self.position = 0
        return self

    def write(self, chunk: bytes) -> int:
        """Write the part of `chunk` that is not on the stream yet; flushed, so live logs appear as they come."""
        start, self.position = self.position, self.position + len(chunk)
        if self.position > self.emitted:
            self.stream.write(chunk[max(0, self.emitted - start) :])
            self.stream.flush()
            self.emitted = self.position
        return len(chunk)


def print_log(queue: Any, task_id: str, run_id: Optional[int]) -> None:
    """Stream the task's log artifact to stdout: live.log, or live_backing.log when there is no live.log."""
    from ..download import downloadArtifact
    from ..exceptions import TaskclusterRestFailure

    sys.stdout.flush()
    writer = ResumingWriter(sys.stdout.buffer)
    missing: Optional[TaskclusterRestFailure] = None
    for name in LOG_ARTIFACTS:
        try:
            downloadArtifact(taskId=task_id, name=name, runId=run_id, queueService=queue, writerFactory=writer.restart)
            return
        except TaskclusterRestFailure as exc:
            if exc.status_code != 404 or writer.emitted:
                raise
            missing = exc
    run = "" if run_id is None else " run %d" % run_id
    assert missing is not None
    raise TaskclusterRestFailure(
        "task %s%s has no log artifact: neither %s nor %s exists (%s)" % ((task_id, run) + LOG_ARTIFACTS + (missing,)),
        None,
        missing.status_code,
        missing.body,
    )
