"""Fixtures for the local-deployment tests; the deployment itself comes from our pytest plugin."""

from typing import Iterator

import pytest
from tc_local_helpers import Api

from taskcluster.testing import LocalDeployment


@pytest.fixture
def tc(taskcluster_deployment: LocalDeployment) -> LocalDeployment:
    return taskcluster_deployment


@pytest.fixture
def api(tc: LocalDeployment) -> Iterator[Api]:
    client = Api(tc.rootUrl, tc.credentials)
    yield client
    client.close()


@pytest.fixture
def anon(tc: LocalDeployment) -> Iterator[Api]:
    client = Api(tc.rootUrl)
    yield client
    client.close()
