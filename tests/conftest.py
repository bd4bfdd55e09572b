"""Shared fixtures: a scripted loopback server and a driver that runs one call through the sync or the
async client, so every case in a table is proved on both.

Every local deployment the suite starts (fixtures, tests, subprocesses) checks its own answers against the services'
output schemas, so what it answers is what a real deployment would.
"""

import asyncio
import os
from typing import Any, Dict, Iterator

import pytest

from scripted_server import ACCESS_TOKEN, CLIENT_ID, ScriptedServer

os.environ.setdefault("TASKCLUSTER_TESTING_CHECK_RESPONSES", "1")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    yield srv
    srv.close()


@pytest.fixture
def options(server: ScriptedServer) -> Dict[str, Any]:
    return {
        "rootUrl": server.root_url,
        "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
        "maxRetries": 2,
        "timeout": 2.0,
    }


class Driver:
    """Calls `Class(options).method(*args, **kwargs)` on the sync or the async client."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def call(self, class_name: str, options: Dict[str, Any], method: str, *args: Any, **kwargs: Any) -> Any:
        import taskcluster
        import taskcluster.aio

        if self.kind == "sync":
            client = getattr(taskcluster, class_name)(options)
            try:
                return getattr(client, method)(*args, **kwargs)
            finally:
                client.close()

        async def run() -> Any:
            async with getattr(taskcluster.aio, class_name)(options) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    def collect(
        self, class_name: str, options: Dict[str, Any], method: str, attr: str, *args: Any, **kwargs: Any
    ) -> list:
        """Everything `client.method.<attr>(...)` yields (attr is 'pages' or 'items')."""
        import taskcluster
        import taskcluster.aio

        if self.kind == "sync":
            client = getattr(taskcluster, class_name)(options)
            try:
                return list(getattr(getattr(client, method), attr)(*args, **kwargs))
            finally:
                client.close()

        async def run() -> list:
            async with getattr(taskcluster.aio, class_name)(options) as client:
                return [x async for x in getattr(getattr(client, method), attr)(*args, **kwargs)]

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)
