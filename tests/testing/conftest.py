"""Fixtures for the local-deployment tests; the deployment itself comes from our pytest plugin.

These tests run their deployments with ``check_responses`` on: every answer of an implemented endpoint is
checked against its output schema, so a wrong answer fails the test with a 500.
"""

from typing import Iterator

import pytest
from tc_local_helpers import Api

from taskcluster.testing import LocalDeployment
from taskcluster.testing.server import CHECK_RESPONSES_ENV


@pytest.fixture(autouse=True)
def _check_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployments these tests construct (directly, through the factory fixture or the serve command)
    check their answers."""
    monkeypatch.setenv(CHECK_RESPONSES_ENV, "1")


@pytest.fixture
def tc(taskcluster_deployment: LocalDeployment) -> Iterator[LocalDeployment]:
    """The shared deployment, with its answers checked for the test."""
    previous = taskcluster_deployment.check_responses
    taskcluster_deployment.check_responses = True
    yield taskcluster_deployment
    taskcluster_deployment.check_responses = previous


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
