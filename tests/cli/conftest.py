"""Fixtures of the command-line tests: one local deployment per module."""

from typing import Iterator

import pytest

from taskcluster.testing import LocalDeployment


@pytest.fixture(scope="module")
def deployment() -> Iterator[LocalDeployment]:
    with LocalDeployment() as tc:
        yield tc
