# pyright: standard
"""Typical mistakes, each on a line of its own: type checkers must report every one (and nothing else).

Checked, never run, by tests/typing/test_type_check.py with `mypy --strict` and pyright. A line marked
``# expect-error`` must get an error from both; a line marked ``# expect-error`` holds a mistake only
the typed generated methods can reveal (response keys, argument and payload types), so it may or may not get one
today; every other line must get none.
"""

import datetime
from typing import Any, Dict

from type_expectations import AsyncPages, Pages  # clients declared as generated code declares them

import taskcluster
import taskcluster.aio
import taskcluster.aio.download
import taskcluster.download
import taskcluster.upload
from taskcluster import client
from taskcluster.helper import TaskclusterConfig
from taskcluster.testing import LocalDeployment

OPTIONS: Dict[str, Any] = {"rootUrl": "https://tc.example.com"}
TASK_ID = "fN1ISaqiRbaD5j_W3t-vuQ"


def sync_mistakes() -> None:
    queue = taskcluster.Queue(OPTIONS)
    queue.nope()  # expect-error
    queue.createTsk(TASK_ID, {})  # expect-error
    queue.task(taskId=["not", "a", "str"])  # expect-error
    with taskcluster.Queue(OPTIONS) as scoped:
        scoped.nope()  # expect-error
    unknown = taskcluster.Quue(OPTIONS)  # expect-error
    print(unknown)
    config = TaskclusterConfig(1)  # expect-error
    print(config.get_service("queue", use_async="yes"))  # expect-error
    print(taskcluster.fromNow(1))  # expect-error
    print(taskcluster.slugId() + 1)  # expect-error
    print(queue.buildSignedUrl("task", TASK_ID, expiration="1h"))  # expect-error
    events = client.QueueEvents(OPTIONS)
    print(events.taskCompleted(taskGroupId="G")["exchange"] + 1)  # expect-error
    events.taskCompletd(taskGroupId="G")  # expect-error
    start = datetime.datetime.now(datetime.timezone.utc)
    taskcluster.createTemporaryCredentials("client", "token", "now", start, ["scope"])  # expect-error
    taskcluster.optionsFromEnvironment(defaults="rootUrl")  # expect-error
    LocalDeployment(port="8080")  # expect-error
    with LocalDeployment() as tc:
        tc.options(client_id=3)  # expect-error


def errors() -> None:
    try:
        taskcluster.Secrets(OPTIONS).get("no/such/secret")
    except taskcluster.TaskclusterRestFailure as error:
        print(error.status_code.upper())  # expect-error
        print(error.body + 1)  # expect-error
    raise taskcluster.TaskclusterRestFailure("needs superExc too")  # expect-error


def transfers(obj: taskcluster.Object, queue: taskcluster.Queue) -> None:
    upload, when, ct = taskcluster.upload.uploadFromBuf, "2030-01-01T00:00:00Z", "text/plain"
    upload(projectId="p", name="n", contentType=ct, expires=when, data="text", objectService=obj)  # expect-error
    upload(projectId=1, name="n", contentType=ct, expires=when, data=b"", objectService=obj)  # expect-error
    upload(name="n", contentType=ct, expires=when, data=b"", objectService=obj)  # expect-error
    upload(projectId="p", name="n", contentType=ct, expires=when, data=b"", objectService=obj, tries=3)  # expect-error
    data, content_type, extra = taskcluster.download.downloadToBuf(name="n", objectService=obj)  # expect-error
    taskcluster.download.downloadToBuf(name="n", objectService=queue)  # expect-error
    taskcluster.download.downloadToFile("path/to/file", name="n", objectService=obj)  # expect-error
    taskcluster.download.downloadArtifactToBuf(taskId=TASK_ID, name="public/x", queueService=obj)  # expect-error


async def async_mistakes() -> None:
    async_queue = taskcluster.aio.Queue(OPTIONS)
    for task in async_queue.listTaskGroup.items(TASK_ID):  # expect-error
        print(task)
    for page in async_queue.listTaskGroup.pages(TASK_ID):  # expect-error
        print(page)
    print((await async_queue.task(TASK_ID))["paylod"])  # expect-error
    await async_queue.createTask(TASK_ID, {"taskQueueId": "p/w"})  # expect-error
    await async_queue.listTaskGroup(TASK_ID, limit="100")  # expect-error
    print(async_queue.status(TASK_ID)["status"])  # expect-error
    with taskcluster.aio.Queue(OPTIONS) as scoped:  # expect-error
        print(scoped)
    async with taskcluster.Queue(OPTIONS) as sync_queue:  # expect-error
        print(sync_queue)
    async with taskcluster.aio.Queue(OPTIONS) as queue:
        await queue.nope()  # expect-error
    data = taskcluster.aio.download.downloadToBuf(name="n", objectService=async_queue)  # expect-error
    print(data)
    buffer = taskcluster.aio.download.downloadToBuf(name="n", objectService=taskcluster.aio.Object(OPTIONS))
    print(buffer[0])  # expect-error
    sync = taskcluster.Queue(OPTIONS)
    async for page in sync.listTaskGroup.pages(TASK_ID):  # expect-error
        print(page)


def paginated_methods(pages: Pages, async_pages: AsyncPages) -> None:
    pages.listTasks.items(3)  # expect-error
    pages.listTasks.pages("g", limit="10")  # expect-error
    print([task["taskID"] for task in pages.listTasks.items("g")])  # expect-error
    print(pages.listTasks("g")["tasks"][0]["name"])  # expect-error
    print(list(async_pages.listTasks.items("g")))  # expect-error
    pages.listTasks.nope("g")  # expect-error


def mistakes_typed_methods_reveal() -> None:
    queue = taskcluster.Queue(OPTIONS)
    queue.task(TASK_ID, TASK_ID)  # expect-error
    queue.task(taskID=TASK_ID)  # expect-error
    queue.createTask(TASK_ID, {}, {})  # expect-error
    queue.getArtifact(TASK_ID, 0, 3)  # expect-error
    queue.ping(payload={})  # expect-error
    queue.status(TASK_ID, params={"taskId": TASK_ID})  # expect-error
    queue.listTaskGroup(TASK_ID, TASK_ID)  # expect-error
    queue.listTaskGroup(TASK_ID, paginationHandler=lambda page: page["tasks"][0]["stauts"])  # expect-error
    queue.listTaskGroup.pages(TASK_ID, limt=10)  # expect-error
    queue.claimWork("p", "w", {"workerGroup": "g", "workerId": "w", "tasks": "1"})  # expect-error
    events = taskcluster.QueueEvents()
    events.taskCompleted("primary.#", taskId="T")  # expect-error
    events.taskCompleted(taskID="T")  # expect-error
    binding: Dict[str, int] = events.taskCompleted(taskId="T")  # expect-error
    print(binding)
    print(queue.task(TASK_ID)["paylod"])  # expect-error
    state: int = queue.status(TASK_ID)["status"]["state"]  # expect-error
    print(state)
    queue.createTask(TASK_ID, {"taskQueueId": "p/w", "priority": "urgent"})  # expect-error
    queue.createTask(TASK_ID, {"taskQueueId": "p/w"})  # expect-error
    queue.createTask(TASK_ID, {"created": 1, "deadline": 2, "payload": {}, "metadata": {}})  # expect-error
    queue.listTaskGroup(TASK_ID, limit="100")  # expect-error
    print([task["stauts"] for task in queue.listTaskGroup.items(TASK_ID)])  # expect-error
    taskcluster.Secrets(OPTIONS).set("name", {"secret": "not an object", "expires": 3})  # expect-error
