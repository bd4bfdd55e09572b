"""A tour of the SDK against a local deployment: `./dev demo` (or `python -m taskcluster.testing.demo`).

Every step prints what it does and what came back, so the output reads as a walkthrough.
"""

import argparse
import asyncio
import datetime
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

import taskcluster
import taskcluster.aio
import taskcluster.aio.download
import taskcluster.download
import taskcluster.upload
from taskcluster.testing import LocalDeployment

if TYPE_CHECKING:
    from taskcluster.types.queue import TaskDefinitionRequest

PROVISIONER, WORKER_TYPE = "demo-provisioner", "demo-worker"
TASK_QUEUE = "%s/%s" % (PROVISIONER, WORKER_TYPE)


class Tour:
    """Numbered steps with timing; `say` prints an indented result line."""

    def __init__(self) -> None:
        self.number: int = 0
        self.started: float = time.monotonic()
        self.interactive: bool = sys.stdout.isatty()
        self._last_drawn = -1

    def step(self, title: str) -> None:
        self.number += 1
        print("\n%2d. %s" % (self.number, title))

    def say(self, text: str) -> None:
        print("    " + text)

    def progress(self, label: str, done: int, total: int) -> None:
        """A progress bar redrawn in place on a terminal; in a log, a line at each quarter."""
        width = 30
        filled = int(width * done / total) if total else width
        bar = "%s [%s%s] %d/%d" % (label, "#" * filled, "." * (width - filled), done, total)
        quarter = 4 * done // total if total else 4
        if self.interactive:
            if filled == self._last_drawn and done < total:
                return
            end = "\n" if done >= total else ""
            sys.stdout.write(
                "\r    %s [%s%s] %d/%d%s" % (label, "#" * filled, "." * (width - filled), done, total, end)
            )
        elif quarter != self._last_drawn:
            sys.stdout.write("    " + bar + "\n")
        else:
            return
        self._last_drawn = filled if self.interactive else quarter
        if done >= total:
            self._last_drawn = -1
        sys.stdout.flush()


def task_definition(group_id: str, number: int) -> "TaskDefinitionRequest":
    return {
        "taskQueueId": TASK_QUEUE,
        "schedulerId": "demo-scheduler",
        "projectId": "demo",
        "taskGroupId": group_id,
        "created": taskcluster.fromNowJSON("0 seconds"),
        "deadline": taskcluster.fromNowJSON("1 hour"),
        "payload": {"command": ["echo", "task %d" % number]},
        "metadata": {
            "name": "demo task %d" % number,
            "description": "part of the SDK tour",
            "owner": "demo@example.com",
            "source": "https://example.com/demo",
        },
    }


async def create_group(options: Dict[str, Any], group_id: str, count: int, report: Callable[[int], None]) -> List[str]:
    """Create `count` tasks at once with the async client, 50 in flight, reporting progress."""
    task_ids = [taskcluster.slugId() for _ in range(count)]
    limit = asyncio.Semaphore(50)
    done = 0

    async with taskcluster.aio.createSession() as session:
        queue = taskcluster.aio.Queue(options, session=session)

        async def create(number: int, task_id: str) -> None:
            nonlocal done
            async with limit:
                await queue.createTask(task_id, task_definition(group_id, number))
            done += 1
            report(done)

        await asyncio.gather(*(create(n, task_id) for n, task_id in enumerate(task_ids)))
    return task_ids


def upload_object_artifact(queue: Any, task_id: str, run_id: int, root_url: str) -> None:
    """What a worker does for an artifact of storage type object: create it, upload the data to the object service
    with the credentials the queue hands out (taskcluster.upload), then finish it."""
    name = "public/demo/object.bin"
    expires = taskcluster.fromNowJSON("1 day")
    created = queue.createArtifact(
        task_id, run_id, name, {"storageType": "object", "contentType": "application/octet-stream", "expires": expires}
    )
    with taskcluster.Object({"rootUrl": root_url, "credentials": created["credentials"]}) as objects:
        taskcluster.upload.uploadFromBuf(
            projectId=created["projectId"],
            name=created["name"],
            contentType="application/octet-stream",
            expires=expires,
            uploadId=created["uploadId"],
            data=bytes(range(256)) * 64,
            objectService=objects,
        )
    queue.finishArtifact(task_id, run_id, name, {"uploadId": created["uploadId"]})


def run(count: int) -> None:
    tour = Tour()
    print("A tour of the taskcluster SDK against a local deployment (real HTTP on 127.0.0.1, SQLite state).")

    with LocalDeployment() as tc:
        tour.step("Start a local deployment")
        tour.say(
            "rootUrl %s, root clientId %s, started in %.2f s"
            % (tc.rootUrl, tc.credentials["clientId"], time.monotonic() - tour.started)
        )
        root = tc.options()

        tour.step("Ping the services (no credentials needed)")
        for service in (taskcluster.Auth, taskcluster.Queue, taskcluster.Index, taskcluster.Secrets):
            service({"rootUrl": tc.rootUrl}).ping()
            tour.say("%s.ping() -> ok" % service.__name__)

        tour.step("Create a client with limited scopes (auth.createClient, signed with the root credentials)")
        auth = taskcluster.Auth(root)
        scopes = [
            "auth:current-scopes",
            "queue:create-task:lowest:%s" % TASK_QUEUE,
            "queue:scheduler-id:demo-scheduler",
            "queue:create-task:project:demo",
            "queue:claim-work:%s" % TASK_QUEUE,
            "queue:worker-id:demo-group/*",
            "queue:get-artifact:private/demo/*",
            "queue:list-task-group:*",
            "index:insert-task:demo.*",
            "index:find-task:demo.*",
        ]
        created = auth.createClient(
            "demo/submitter",
            {
                "description": "the tour's own client",
                "expires": taskcluster.fromNowJSON("1 day"),
                "scopes": scopes,
            },
        )
        worker_creds = {"clientId": created["clientId"], "accessToken": created["accessToken"]}
        tour.say("clientId %s with %d scopes, e.g. %s" % (created["clientId"], len(scopes), scopes[1]))

        tour.step("Make temporary credentials with fewer scopes (no server round trip: signed locally)")
        now = datetime.datetime.now(datetime.timezone.utc)
        temporary = taskcluster.createTemporaryCredentials(
            worker_creds["clientId"],
            worker_creds["accessToken"],
            now - datetime.timedelta(minutes=1),
            now + datetime.timedelta(hours=1),
            scopes[:4],
        )
        temp_options = {"rootUrl": tc.rootUrl, "credentials": temporary}
        current = taskcluster.Auth(temp_options).currentScopes()
        tour.say("the deployment sees these scopes for them: %s" % ", ".join(current["scopes"]))

        tour.step("Create a task group of %d tasks concurrently with the async client" % count)
        group_id = taskcluster.slugId()
        began = time.monotonic()
        task_ids = asyncio.run(
            create_group(temp_options, group_id, count, lambda done: tour.progress("createTask", done, count))
        )
        tour.say("%d tasks in group %s in %.2f s" % (len(task_ids), group_id, time.monotonic() - began))

        tour.step("A small worker claims the tasks, uploads an artifact and reports them completed")
        queue = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": worker_creds})
        completed = 0
        artifact_task = None
        while completed < count:
            claim = queue.claimWork(TASK_QUEUE, {"workerGroup": "demo-group", "workerId": "w1", "tasks": 32})
            for work in claim["tasks"]:
                task_id, run_id = work["status"]["taskId"], work["runId"]
                as_task = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": work["credentials"]})
                if artifact_task is None:
                    artifact_task = task_id
                    upload = as_task.createArtifact(
                        task_id,
                        run_id,
                        "private/demo/report.txt",
                        {
                            "storageType": "s3",
                            "contentType": "text/plain",
                            "expires": taskcluster.fromNowJSON("1 day"),
                        },
                    )
                    import requests

                    if upload["storageType"] != "s3":
                        raise RuntimeError("an s3 artifact was asked for, not %s" % upload["storageType"])
                    requests.put(
                        upload["putUrl"],
                        data=b"hello from the demo worker\n",
                        headers={"Content-Type": "text/plain"},
                        timeout=10,
                    ).raise_for_status()
                    upload_object_artifact(as_task, task_id, run_id, tc.rootUrl)
                as_task.reportCompleted(task_id, run_id)
                completed += 1
            tour.progress("claim + complete", completed, count)
        if artifact_task is None:
            raise RuntimeError("the demo claimed no task, so it uploaded no artifact")
        tour.say("claimed with the task's own temporary credentials; artifact uploaded for %s" % artifact_task)

        tour.step("Download the artifacts with taskcluster.download (any storage type; object data hash-checked)")
        reader = taskcluster.Queue(root)
        data, content_type = taskcluster.download.downloadArtifactToBuf(
            taskId=artifact_task, name="public/demo/object.bin", queueService=reader
        )
        tour.say("object artifact: %d bytes of %s, sha256 verified" % (len(data), content_type))

        async def fetch_s3_artifact() -> Tuple[memoryview, str]:
            async with taskcluster.aio.Queue(root) as async_reader:
                return await taskcluster.aio.download.downloadArtifactToBuf(
                    taskId=artifact_task, name="private/demo/report.txt", queueService=async_reader
                )

        data, content_type = asyncio.run(fetch_s3_artifact())
        tour.say("s3 artifact through taskcluster.aio.download: %r (%s)" % (bytes(data), content_type))

        tour.step("List the group with the page iterator (one page in memory at a time)")
        states: Dict[str, int] = {}
        pages = 0
        for page in queue.listTaskGroup.pages(group_id, query={"limit": 100}):
            pages += 1
            for task in page["tasks"]:
                state = task["status"]["state"]
                states[state] = states.get(state, 0) + 1
        tour.say("%d pages; states: %s" % (pages, states))

        tour.step("Index a task under a name and find it again")
        index = taskcluster.Index({"rootUrl": tc.rootUrl, "credentials": worker_creds})
        index.insertTask(
            "demo.latest",
            {"taskId": artifact_task, "rank": 1, "data": {"tour": True}, "expires": taskcluster.fromNowJSON("1 day")},
        )
        found = index.findTask("demo.latest")
        tour.say("index.findTask('demo.latest') -> taskId %s" % found["taskId"])

        tour.step("Store a secret and read it back (root credentials)")
        secrets = taskcluster.Secrets(root)
        secrets.set(
            "demo/api-key", {"secret": {"token": "not-a-real-token"}, "expires": taskcluster.fromNowJSON("1 hour")}
        )
        tour.say("secrets.get('demo/api-key') -> %s" % secrets.get("demo/api-key")["secret"])

        tour.step("Build a signed URL for the private artifact and fetch it with plain requests")
        url = queue.buildSignedUrl("getLatestArtifact", artifact_task, "private/demo/report.txt", expiration=60)
        import requests

        response = requests.get(url, timeout=10)
        tour.say(
            "GET <signed URL> -> HTTP %d after %d redirect(s): %r"
            % (response.status_code, len(response.history), response.text)
        )

        tour.step("A routing-key pattern to listen for the group's completed tasks on pulse")
        binding = taskcluster.QueueEvents({"rootUrl": tc.rootUrl}).taskCompleted(taskGroupId=group_id)
        tour.say("exchange %s" % binding["exchange"])
        tour.say("routing key pattern %s" % binding["routingKeyPattern"])

        tour.step("A refused call: the limited client reads the secret")
        try:
            taskcluster.Secrets({"rootUrl": tc.rootUrl, "credentials": worker_creds}).get("demo/api-key")
        except taskcluster.TaskclusterRestFailure as exc:
            tour.say("%s (status_code=%d, code=%s)" % (type(exc).__name__, exc.status_code, exc.body.get("code")))
            lines = [line for line in str(exc).splitlines() if line.strip() and not line.startswith("```")]
            for line in lines[:2]:
                tour.say(line)
        else:
            raise SystemExit("the limited client was not refused: the deployment did not enforce scopes")

    print("\nDone in %.1f s." % (time.monotonic() - tour.started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=300, help="tasks in the demo's task group (default 300)")
    run(parser.parse_args().tasks)


if __name__ == "__main__":
    main()
