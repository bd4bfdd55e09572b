# pyright: strict
"""What type checkers must infer, as `assert_type` checks (an error when an inferred type differs, `Any` included).

Checked, never run, by tests/typing/test_type_check.py with `mypy --strict` and pyright (strict). The
`Pages`/`AsyncPages` classes are written the way generated clients decorate their paginated methods (see
`taskcluster._pagination`), so the descriptors' typing is checked whatever the generated code does today.
"""

import datetime
import io
from typing import Any, AsyncIterator, Coroutine, Dict, Iterator, List, Optional, Tuple, Type

from typing_extensions import TypedDict, assert_type

import taskcluster
import taskcluster.aio
import taskcluster.aio.asyncclient
import taskcluster.aio.download
import taskcluster.aio.queue
import taskcluster.download
import taskcluster.generated.aio.queue
import taskcluster.generated.object
import taskcluster.generated.queue
import taskcluster.generated.queueevents
import taskcluster.queue
import taskcluster.testing
import taskcluster.upload
from taskcluster import client, exceptions, utils
from taskcluster._pagination import (
    AsyncPaginated,
    BoundAsyncPaginated,
    BoundSyncPaginated,
    SyncPaginated,
    async_paginated,
    sync_paginated,
)
from taskcluster.aio.reader_writer import BufferWriter
from taskcluster.client import BaseClient
from taskcluster.helper import TaskclusterConfig
from taskcluster.testing import AsyncLocalDeployment, LocalDeployment
from taskcluster.types import TopicExchangeBinding
from taskcluster.types import queue as queue_types

SyncQueue = taskcluster.generated.queue.Queue
AsyncQueue = taskcluster.generated.aio.queue.Queue
OPTIONS: Dict[str, Any] = {"rootUrl": "https://tc.example.com"}


# -- every import path gives the real classes -------------------------------------------------------------------
def import_paths() -> None:
    assert_type(taskcluster.Queue, Type[SyncQueue])
    assert_type(taskcluster.aio.Queue, Type[AsyncQueue])
    assert_type(client.QueueEvents, Type[taskcluster.generated.queueevents.QueueEvents])
    assert_type(taskcluster.queue.Queue, Type[SyncQueue])
    assert_type(taskcluster.aio.queue.Queue, Type[AsyncQueue])
    assert_type(taskcluster.testing.LocalDeployment, Type[LocalDeployment])
    assert_type(taskcluster.testing.AsyncLocalDeployment, Type[AsyncLocalDeployment])
    assert_type(taskcluster.testing.DEFAULT_ROOT_CLIENT_ID, str)
    assert_type(taskcluster.TaskclusterRestFailure, Type[exceptions.TaskclusterRestFailure])
    assert_type(taskcluster.aio.TaskclusterFailure, Type[exceptions.TaskclusterFailure])
    assert_type(taskcluster.slugId(), str)
    assert_type(taskcluster.aio.slugId(), str)
    assert_type(taskcluster.utils.fromNow("1 day"), datetime.datetime)
    assert_type(utils.stableSlugId()("a"), str)
    assert_type(taskcluster.fromNowJSON("1 day"), str)
    assert_type(taskcluster.optionsFromEnvironment(), Dict[str, Any])
    assert_type(taskcluster.createTemporaryCredentials("c", "t", datetime.datetime.now(), datetime.datetime.now(), []),
                Dict[str, Any])  # fmt: skip
    assert_type(taskcluster.client.config, Dict[str, Any])
    assert_type(taskcluster.aio.asyncclient.config, Dict[str, Any])


# -- `with` / `async with` give the client's own class ------------------------------------------------------------
def context_managers() -> None:
    with taskcluster.Queue(OPTIONS) as queue:
        assert_type(queue, SyncQueue)
    with taskcluster.Object(OPTIONS) as objects:
        assert_type(objects, taskcluster.generated.object.Object)
    with LocalDeployment() as tc:
        assert_type(tc, LocalDeployment)
        assert_type(tc.options(), Dict[str, Any])
        assert_type(tc.create_client("c", ["*"]), Dict[str, str])
    built = client.createApiClient("Thing", {"entries": []})(OPTIONS)
    assert isinstance(built, BaseClient)
    assert_type(built.makeHawkExt(), Any)


async def async_context_managers() -> None:
    async with taskcluster.aio.Queue(OPTIONS) as queue:
        assert_type(queue, AsyncQueue)
        pending: Coroutine[Any, Any, Any] = queue.task("x")  # not awaited: a coroutine
        pending.close()
    async with AsyncLocalDeployment() as tc:
        assert_type(tc, AsyncLocalDeployment)


# -- exceptions keep their historical attributes ---------------------------------------------------------------
def exception_attributes(
    error: taskcluster.TaskclusterRestFailure, lost: taskcluster.TaskclusterConnectionError
) -> None:
    assert_type(error.status_code, int)
    assert_type(error.body, Dict[str, Any])
    assert_type(error.superExc, Optional[BaseException])
    assert_type(lost.superExc, Optional[BaseException])


# -- transfers ---------------------------------------------------------------------------------------------------
async def transfers(objects: taskcluster.Object, queue: taskcluster.aio.Queue) -> None:
    assert_type(taskcluster.download.downloadToBuf(name="n", objectService=objects), Tuple[memoryview, str])
    assert_type(await taskcluster.aio.download.downloadToBuf(name="n", objectService=objects), Tuple[memoryview, str])
    assert_type(taskcluster.download.downloadToFile(io.BytesIO(), name="n", objectService=objects), str)
    assert_type(
        await taskcluster.aio.download.downloadArtifactToBuf(taskId="t", name="public/x", queueService=queue),
        Tuple[memoryview, str],
    )

    async def writer() -> BufferWriter:
        return BufferWriter()

    assert_type(await taskcluster.aio.download.download(name="n", objectService=objects, writerFactory=writer), str)
    assert_type(
        taskcluster.upload.uploadFromBuf(
            projectId="p", name="n", contentType="text/plain", expires="2030-01-01T00:00:00Z", data=b"x",
            objectService=objects,
        ),
        None,
    )  # fmt: skip
    assert_type(TaskclusterConfig("https://tc.example.com").load_secrets("s"), Dict[str, Any])


# -- paginated methods, as generated code declares them ------------------------------------------------------------
class Task(TypedDict):
    taskId: str


class TaskPage(TypedDict):
    tasks: List[Task]
    continuationToken: str


class Pages(BaseClient):
    funcinfo = {"listTasks": {"name": "listTasks", "method": "get", "route": "/tasks/<group>", "args": ["group"],
                              "query": ["continuationToken", "limit"]}}  # fmt: skip
    paginated = {"listTasks": "tasks"}

    @sync_paginated[Task]()
    def listTasks(self, /, group: str, *, limit: Optional[int] = None, **kwargs: Any) -> TaskPage:
        """List the tasks of a group."""
        raise NotImplementedError


class AsyncPages(taskcluster.aio.asyncclient.AsyncBaseClient):
    funcinfo = Pages.funcinfo
    paginated = Pages.paginated

    @async_paginated[Task]()
    async def listTasks(self, /, group: str, *, limit: Optional[int] = None, **kwargs: Any) -> TaskPage:
        """List the tasks of a group."""
        raise NotImplementedError


def sync_pagination(client: Pages) -> None:
    assert_type(client.listTasks("g"), TaskPage)
    assert_type(client.listTasks("g", limit=10, continuationToken="c"), TaskPage)
    assert_type(client.listTasks.pages("g", limit=10), Iterator[TaskPage])
    assert_type(client.listTasks.items("g"), Iterator[Task])
    for task in client.listTasks.items("g"):
        assert_type(task["taskId"], str)
    assert isinstance(Pages.__dict__["listTasks"], SyncPaginated)
    assert isinstance(client.listTasks, BoundSyncPaginated)
    assert_type(Pages.listTasks(client, "g"), TaskPage)


async def async_pagination(client: AsyncPages) -> None:
    assert_type(await client.listTasks("g"), TaskPage)
    pending: Coroutine[Any, Any, TaskPage] = client.listTasks("g")
    pending.close()
    assert_type(client.listTasks.pages("g", limit=10), AsyncIterator[TaskPage])
    assert_type(client.listTasks.items("g"), AsyncIterator[Task])
    async for task in client.listTasks.items("g"):
        assert_type(task, Task)
    assert isinstance(AsyncPages.__dict__["listTasks"], AsyncPaginated)
    assert isinstance(client.listTasks, BoundAsyncPaginated)


# -- the generated methods: every calling convention, typed payloads and results -----------------------------------
def generated_methods(queue: SyncQueue, secrets: taskcluster.Secrets, events: taskcluster.QueueEvents) -> None:
    definition: queue_types.TaskDefinitionRequest = {
        "taskQueueId": "p/w",
        "created": "2030-01-01T00:00:00Z",
        "deadline": "2030-01-02T00:00:00Z",
        "payload": {},
        "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
    }
    assert_type(queue.createTask("t", definition), queue_types.TaskStatusResponse)
    assert_type(queue.createTask(definition, taskId="t"), queue_types.TaskStatusResponse)
    assert_type(queue.createTask(payload=definition, query={}, params={"taskId": "t"}), queue_types.TaskStatusResponse)
    assert_type(queue.createTask("t", payload=definition, query={}), queue_types.TaskStatusResponse)
    assert_type(queue.task("t"), queue_types.TaskDefinitionResponse)
    assert_type(queue.task(taskId="t"), queue_types.TaskDefinitionResponse)
    assert_type(queue.task(params={"taskId": "t"}), queue_types.TaskDefinitionResponse)
    assert_type(queue.status("t")["status"]["runs"][0]["runId"], int)
    assert_type(queue.getArtifact("t", 0, "public/x"), queue_types.GetArtifactResponse)  # runId an int
    assert_type(queue.getArtifact("t", "0", name="public/x"), queue_types.GetArtifactResponse)
    assert_type(queue.ping(), Any)  # no output schema
    # the older arguments of claimWork and pendingTasks
    claimed = queue.claimWork("p", "w", {"workerGroup": "g", "workerId": "w", "tasks": 1})
    assert_type(claimed, queue_types.ClaimWorkResponse)
    assert_type(
        queue.claimWork("p/w", {"workerGroup": "g", "workerId": "w", "tasks": 1})["tasks"], List[queue_types.TaskClaim]
    )
    assert_type(queue.pendingTasks("p", "w"), queue_types.CountPendingTasksResponse)
    # an untyped payload (a retired schema) is a dict
    assert_type(queue.declareProvisioner("p", {"anything": 1}), queue_types.ProvisionerResponse)
    assert_type(secrets.set("s", {"secret": {"a": 1}, "expires": "2030-01-01T00:00:00Z"}), Any)

    # paginated methods: one page, every page, every item, or a handler whose parameter is inferred
    assert_type(queue.listTaskGroup("g"), queue_types.ListTaskGroupResponse)
    assert_type(
        queue.listTaskGroup(taskGroupId="g", limit=10, continuationToken="c"), queue_types.ListTaskGroupResponse
    )
    assert_type(
        queue.listTaskGroup(params={"taskGroupId": "g"}, query={"limit": 10}), queue_types.ListTaskGroupResponse
    )
    assert_type(queue.listTaskGroup.pages("g", limit=10), Iterator[queue_types.ListTaskGroupResponse])
    assert_type(queue.listTaskGroup.items("g"), Iterator[queue_types.TaskDefinitionAndStatus])
    queue.listTaskGroup("g", paginationHandler=lambda p: assert_type(p, queue_types.ListTaskGroupResponse))
    assert_type(queue.tasks.items({"taskIds": ["t"]}), Iterator[queue_types.TasksResponseTasksEntry])

    # routing-key builders
    binding = events.taskCompleted(taskId="t", runId=0)
    assert_type(binding, TopicExchangeBinding)
    assert_type(binding["routingKeyPattern"], str)
    assert_type(events.taskCompleted({"taskId": "t"}), TopicExchangeBinding)
    assert_type(events.taskCompleted("primary.#"), TopicExchangeBinding)


async def generated_async_methods(queue: AsyncQueue) -> None:
    assert_type(await queue.task("t"), queue_types.TaskDefinitionResponse)
    assert_type(await queue.listTaskGroup("g", limit=10), queue_types.ListTaskGroupResponse)
    assert_type(queue.listTaskGroup.pages("g"), AsyncIterator[queue_types.ListTaskGroupResponse])
    assert_type(queue.listTaskGroup.items("g"), AsyncIterator[queue_types.TaskDefinitionAndStatus])

    async def handle(page: queue_types.ListTaskGroupResponse) -> None:
        print(len(page["tasks"]))

    await queue.listTaskGroup("g", paginationHandler=handle)
    assert_type(await queue.ping(), Any)
