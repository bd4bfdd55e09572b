"""Paginated methods have one exact signature for type checkers; at run time, arguments that do not fit it still
follow the runtime's rules: the other historical forms work, and misuse is a `TaskclusterFailure` naming the method
(not Python's own `TypeError`), before anything is sent, on both clients."""

import asyncio

import pytest

import taskcluster
import taskcluster.aio

MISUSES = [
    (("G", "extra"), {}, "expects 1 route argument(s)"),
    ((), {}, "expects 1 route argument(s)"),
    (("G",), {"bogus": 1}, "'bogus'"),
    (("G",), {"continuationToken": "a", "query": {"continuationToken": "b"}}, "continuationToken"),
]


def call(kind, server_options, *args, **kwargs):
    if kind == "sync":
        with taskcluster.Queue(server_options) as queue:
            return queue.listTaskGroup(*args, **kwargs)

    async def run():
        async with taskcluster.aio.Queue(server_options) as queue:
            return await queue.listTaskGroup(*args, **kwargs)

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("args, kwargs, fragment", MISUSES)
def test_misuse_is_a_taskcluster_failure_naming_the_method(kind, server, options, args, kwargs, fragment):
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        call(kind, options, *args, **kwargs)
    assert "Queue.listTaskGroup(taskGroupId)" in str(info.value) and fragment in str(info.value)
    assert server.requests == []


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_historical_forms_reach_the_server(kind, server, options):
    for args, kwargs in [(("G",), {}), ((), {"taskGroupId": "G"}), ((), {"params": {"taskGroupId": "G"}})]:
        answer = call(kind, options, *args, **kwargs)
        assert answer["path"] == "/api/queue/v1/task-group/G/list" and answer["signed"]
