# pyright: strict
"""A user's program, written against the README: every calling convention, pagination, signed URLs, temporary
credentials, errors, `with` / `async with`, pulse routing keys, the configuration helper, uploads and downloads,
and a local deployment to run it all against.

tests/typing/test_type_check.py checks it with `mypy --strict` and pyright (strict), which must report nothing,
and runs it (``python user_program.py``) against a `LocalDeployment`.

Payloads are annotated with their request types (`taskcluster.types.<module>`): a dict literal in an unannotated
variable is a `dict[str, object]` to type checkers, which a TypedDict parameter rightly refuses.
"""

import asyncio
import datetime
import io
import tempfile
from typing import Any, Dict, List, Mapping

import aiohttp
import requests

import taskcluster
import taskcluster.aio
import taskcluster.aio.download
import taskcluster.aio.upload
import taskcluster.download
import taskcluster.upload
from taskcluster import client
from taskcluster.exceptions import TaskclusterConnectionError
from taskcluster.helper import TaskclusterConfig
from taskcluster.testing import AsyncLocalDeployment, LocalDeployment
from taskcluster.types.queue import ListTaskGroupResponse, TaskDefinitionRequest

SECRET = "project/my-app"


def task_definition() -> TaskDefinitionRequest:
    return {
        "taskQueueId": "my-provisioner/my-worker",
        "created": taskcluster.fromNowJSON("0 seconds"),
        "deadline": taskcluster.fromNowJSON("1 day"),
        "payload": {},
        "metadata": {
            "name": "typed example",
            "description": "a task created by tests/typing/programs/user_program.py",
            "owner": "me@example.com",
            "source": "https://example.com",
        },
    }


def calls_and_pagination(options: Dict[str, Any]) -> str:
    queue = taskcluster.Queue(options)
    task_id = taskcluster.slugId()
    payload = task_definition()

    # the four calling conventions of the README
    queue.createTask(task_id, payload)
    queue.createTask(payload, taskId=task_id)
    queue.createTask(payload=payload, query={}, params={"taskId": task_id})
    queue.createTask(task_id, payload=payload, query={})
    state: str = queue.status(task_id)["status"]["state"]
    print("state:", state)

    # pagination: items, pages, and the callback form
    task_ids: List[str] = []
    for task in queue.listTaskGroup.items(task_id):
        task_ids.append(task["status"]["taskId"])
    for page in queue.listTaskGroup.pages(task_id, limit=100):
        print("page of", len(page["tasks"]))
    pages: List[ListTaskGroupResponse] = []
    queue.listTaskGroup(task_id, paginationHandler=pages.append)
    queue.listTaskGroup(task_id, paginationHandler=lambda page: print("tasks:", len(page["tasks"])))

    def show(page: Mapping[str, Any]) -> None:
        print("a page of", len(page["tasks"]))

    queue.listTaskGroup(task_id, paginationHandler=show)
    assert task_ids == [task_id] and len(pages) == 1

    # a client as a context manager is of its own class
    with taskcluster.Queue(options) as scoped:
        assert scoped.task(task_id)["metadata"]["name"] == "typed example"
    queue.close()
    return task_id


def urls_credentials_and_errors(options: Dict[str, Any]) -> None:
    secrets = taskcluster.Secrets(options)
    secrets.set(SECRET, {"secret": {"app": {"token": "t0k"}}, "expires": taskcluster.fromNowJSON("1 hour")})

    # signed and unsigned URLs
    url = secrets.buildSignedUrl("get", SECRET, expiration=600)
    assert requests.get(url, timeout=10).json()["secret"] == {"app": {"token": "t0k"}}
    assert secrets.buildUrl("get", SECRET).endswith("/secret/project%2Fmy-app")

    # temporary credentials
    credentials: Dict[str, Any] = options["credentials"]
    start = datetime.datetime.now(datetime.timezone.utc)
    temporary = taskcluster.createTemporaryCredentials(
        credentials["clientId"],
        credentials["accessToken"],
        start,
        start + datetime.timedelta(hours=1),
        ["secrets:get:project/*"],
    )
    limited = taskcluster.Secrets({"rootUrl": options["rootUrl"], "credentials": temporary})
    print(limited.get(SECRET)["secret"])

    # errors and their attributes
    try:
        secrets.get("no/such/secret")
    except taskcluster.TaskclusterRestFailure as error:
        status: int = error.status_code
        body: Dict[str, Any] = error.body
        print(status, body["code"], error.superExc is None)
    try:
        limited.set(SECRET, {"secret": {}, "expires": taskcluster.fromNowJSON("1 hour")})
    except taskcluster.TaskclusterRestFailure as error:
        print("refused with HTTP", error.status_code)
    unreachable = taskcluster.Index({"rootUrl": "http://127.0.0.1:9", "maxRetries": 0, "connectTimeout": 1.0})
    try:
        unreachable.ping()
    except TaskclusterConnectionError as error:
        print("no answer:", type(error.superExc).__name__)
    except taskcluster.TaskclusterFailure as error:
        print("failure:", error)

    # pulse routing keys
    events = client.QueueEvents({"rootUrl": options["rootUrl"]})
    binding = events.taskCompleted(taskGroupId="G")
    print(binding["exchange"], binding["routingKeyPattern"])

    # utilities
    print(taskcluster.stringDate(taskcluster.fromNow("2 days 3 hours")), taskcluster.dumpJson({"a": start}))
    name_to_slug = taskcluster.stableSlugId()
    assert name_to_slug("build") == name_to_slug("build")
    assert taskcluster.scopeMatch(["queue:*"], [["queue:create-task:x"]])
    from_env: Dict[str, Any] = taskcluster.optionsFromEnvironment({"rootUrl": options["rootUrl"]})
    print(sorted(from_env))


def helper_and_transfers(options: Dict[str, Any], task_id: str) -> None:
    credentials: Dict[str, str] = options["credentials"]
    config = TaskclusterConfig(options["rootUrl"])
    config.auth(credentials["clientId"], credentials["accessToken"])
    app_secrets = config.load_secrets(SECRET, prefixes=["app"], required=["token"])
    print(app_secrets["token"])
    pools = config.get_service("worker-manager")
    print(type(pools).__name__)

    with taskcluster.Object(options) as objects:
        taskcluster.upload.uploadFromBuf(
            projectId="my-project",
            name="my/object",
            contentType="text/plain",
            expires=taskcluster.fromNow("1 day"),
            data=b"hello",
            objectService=objects,
        )
        data, content_type = taskcluster.download.downloadToBuf(name="my/object", objectService=objects)
        print(bytes(data), content_type)
        with tempfile.TemporaryFile() as file:
            taskcluster.upload.uploadFromFile(
                projectId="my-project",
                name="my/file",
                contentType="application/octet-stream",
                expires=taskcluster.fromNowJSON("1 day"),
                file=io.BytesIO(b"\0" * 10000),
                objectService=objects,
            )
            taskcluster.download.downloadToFile(file, name="my/file", objectService=objects)
            file.seek(0)
            assert len(file.read()) == 10000

    # a worker claims the task and links an artifact; the artifact is downloaded whatever its storage type
    queue = taskcluster.Queue(options)
    claimed = queue.claimWork("my-provisioner/my-worker", {"workerGroup": "g", "workerId": "w", "tasks": 1})
    (claim,) = claimed["tasks"]
    assert claim["status"]["taskId"] == task_id
    run_id: int = claim["runId"]
    queue.createArtifact(
        task_id,
        run_id,
        "public/link",
        {
            "storageType": "reference",
            "url": url_of(options),
            "contentType": "application/json",
            "expires": taskcluster.fromNowJSON("1 hour"),
        },
    )
    chunks: List[bytes] = []

    class Collector:
        def write(self, chunk: bytes) -> None:
            chunks.append(chunk)

    taskcluster.download.downloadArtifact(
        taskId=task_id, runId=run_id, name="public/link", queueService=queue, writerFactory=Collector
    )
    print(len(b"".join(chunks)) > 0)


def url_of(options: Dict[str, Any]) -> str:
    return taskcluster.Secrets(options).buildSignedUrl("get", SECRET)


async def async_program(options: Dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as session:
        queue = taskcluster.aio.Queue(options, session=session)
        print((await queue.ping())["alive"])
        task_id = taskcluster.slugId()
        payload = task_definition()
        await queue.createTask(task_id, payload)
        await queue.createTask(payload, taskId=task_id)
        await queue.createTask(payload=payload, query={}, params={"taskId": task_id})
        await queue.createTask(task_id, payload=payload, query={})

        async for task in queue.listTaskGroup.items(task_id):
            print(task["status"]["state"])
        async for page in queue.listTaskGroup.pages(task_id, limit=10):
            print(len(page["tasks"]))

        async def on_page(page: ListTaskGroupResponse) -> None:
            print("handled a page of", len(page["tasks"]))

        await queue.listTaskGroup(task_id, paginationHandler=on_page)
        url = queue.buildSignedUrl("task", task_id)
        async with session.get(url) as response:
            print(response.status)

    async with taskcluster.aio.Queue(options) as scoped:
        definition = await scoped.task(task_id)
        print(definition["metadata"]["owner"])
        try:
            await scoped.task(taskcluster.slugId())
        except taskcluster.TaskclusterRestFailure as error:
            print(error.status_code)

    async with taskcluster.aio.Object(options) as objects:
        await taskcluster.aio.upload.uploadFromBuf(
            projectId="my-project",
            name="my/async-object",
            contentType="text/plain",
            expires=taskcluster.fromNow("1 day"),
            data=b"hello from asyncio",
            objectService=objects,
        )
        data, content_type = await taskcluster.aio.download.downloadToBuf(name="my/async-object", objectService=objects)
        print(bytes(data), content_type)

    shared = taskcluster.aio.createSession()
    try:
        print(await taskcluster.aio.Index(options, session=shared).ping())
    finally:
        await shared.close()

    async with AsyncLocalDeployment() as private:
        print((await taskcluster.aio.Auth(private.options()).currentScopes())["scopes"])


def main() -> None:
    with LocalDeployment() as tc:
        options = tc.options()
        task_id = calls_and_pagination(options)
        urls_credentials_and_errors(options)
        helper_and_transfers(options, task_id)
        asyncio.run(async_program(options))
    print("done")


if __name__ == "__main__":
    main()
