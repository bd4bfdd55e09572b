"""`taskcluster group <action> <taskGroupId>`: list the tasks of a group, count them by state, or cancel it."""

import sys
from typing import Any, Dict, Iterator, List, Optional

from .config import CliParser, Config, add_global_options, merge_flags
from .output import Progress, dump_json, write_json, write_line

__all__ = ["build_parser", "run", "STATES", "iter_tasks"]

#: Task states in the order of a task's life; `group status` prints them in this order.
STATES = ("unscheduled", "pending", "running", "completed", "failed", "exception")

_ACTIONS = {
    "list": "list the tasks of the group, one per line: taskId, state, name",
    "status": "count the tasks of the group by state",
    "cancel": "seal the group (no task can join it any more), then cancel all its unresolved tasks",
}


def build_parser() -> CliParser:
    """The parser of `taskcluster group` and its actions."""
    parser = CliParser(prog="taskcluster group", description="List, summarize or cancel a task group.")
    add_global_options(parser)
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    for name, text in _ACTIONS.items():
        sub = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        sub.add_argument("taskGroupId")
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        if name in ("list", "status"):
            sub.add_argument(
                "--page-size", type=int, metavar="N", help="tasks per page requested from the queue (default: its own)"
            )
        if name == "list":
            sub.add_argument(
                "--state",
                action="append",
                choices=STATES,
                metavar="STATE",
                help="only tasks in this state (repeatable)",
            )
        add_global_options(sub)
    return parser


def run(command: str, argv: List[str], flags: Dict[str, Optional[str]]) -> int:
    """Run `taskcluster group` with the words after `group`; returns the exit status."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    page_size: Optional[int] = getattr(ns, "page_size", None)
    if page_size is not None and page_size < 1:
        parser.error("--page-size must be a positive number, got %d" % page_size)
    options = Config(merge_flags(flags, ns)).options(what="taskcluster group %s" % ns.action)
    from ..generated.queue import Queue

    queue: Any = Queue(options)
    with queue:
        group_id: str = ns.taskGroupId
        if ns.action == "list":
            _list(queue, group_id, page_size, set(ns.state or STATES), ns.json)
        elif ns.action == "status":
            _status(queue, group_id, page_size, ns.json)
        else:
            _cancel(queue, group_id, ns.json)
    return 0


def iter_tasks(queue: Any, group_id: str, page_size: Optional[int], progress: Progress) -> Iterator[Dict[str, Any]]:
    """Every `{"task", "status"}` entry of the group, page after page (one page in memory at a time),
    counting the loaded tasks on the progress line."""
    query = {"limit": page_size} if page_size else {}
    loaded = 0
    for page in queue.listTaskGroup.pages(group_id, query=query):
        tasks = page.get("tasks") or []
        loaded += len(tasks)
        progress.update("loaded %d tasks..." % loaded)
        yield from tasks


def _list(queue: Any, group_id: str, page_size: Optional[int], states: Any, as_json: bool) -> None:
    """Print the tasks of the group in the given states: text lines, or a JSON list written as it comes."""
    progress = Progress()
    first = True
    try:
        for entry in iter_tasks(queue, group_id, page_size, progress):
            status = entry.get("status") or {}
            if status.get("state") not in states:
                continue
            if as_json:
                # a JSON list written as it comes, so a large group is never held in memory
                item = "  " + dump_json(entry).replace("\n", "\n  ")
                sys.stdout.write(("[\n" if first else ",\n") + item)
            else:
                name = ((entry.get("task") or {}).get("metadata") or {}).get("name", "")
                write_line("%s %-11s %s" % (status.get("taskId"), status.get("state"), name))
            first = False
    finally:
        progress.clear()
    if as_json:
        sys.stdout.write("[]\n" if first else "\n]\n")


def _status(queue: Any, group_id: str, page_size: Optional[int], as_json: bool) -> None:
    """Print how many tasks of the group are in each state, and the total."""
    counts: Dict[str, int] = {state: 0 for state in STATES}
    progress = Progress()
    try:
        for entry in iter_tasks(queue, group_id, page_size, progress):
            state = str((entry.get("status") or {}).get("state"))
            counts[state] = counts.get(state, 0) + 1
    finally:
        progress.clear()
    total = sum(counts.values())
    if as_json:
        write_json({"taskGroupId": group_id, "total": total, "states": counts})
        return
    order: List[str] = list(STATES) + sorted(set(counts) - set(STATES))
    for state in order:
        if counts[state]:
            write_line("%s: %d" % (state, counts[state]))
    write_line("total: %d" % total)


def _cancel(queue: Any, group_id: str, as_json: bool) -> None:
    """Seal the group, cancel its unresolved tasks, and print how many were cancelled."""
    queue.sealTaskGroup(group_id)
    answer = queue.cancelTaskGroup(group_id)
    if as_json:
        write_json(answer)
        return
    write_line(
        "cancelled %s of the %s task(s) of task group %s"
        % (answer.get("cancelledCount"), answer.get("taskGroupSize"), group_id)
    )
