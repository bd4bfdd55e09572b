"""Fixtures for the task_tracker example: the loopback double (examples/task_tracker/double.py)."""

from typing import Iterator

import pytest
from tt_support import TaskTrackerDouble


@pytest.fixture
def double() -> Iterator[TaskTrackerDouble]:
    with TaskTrackerDouble() as d:
        yield d
