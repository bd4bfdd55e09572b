"""pytest fixtures that give a test a running local Taskcluster deployment.

Installed with the package, this plugin is active automatically (a ``pytest11`` entry point). Where
plugin autoloading is off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), enable it in the top-level conftest.py:

    pytest_plugins = ["taskcluster.testing.pytest_plugin"]

Fixtures (all prefixed ``taskcluster_``):

- ``taskcluster_deployment``: a running `LocalDeployment`, shared by the session and reset before each
  test (so every test starts from an empty deployment with the same rootUrl and root credentials);
- ``taskcluster_options``: ``taskcluster_deployment.options()``, ready for ``taskcluster.Queue(...)``;
- ``taskcluster_deployment_factory``: ``factory(**kwargs)`` starts a dedicated `LocalDeployment` (with
  its own ``db_path``, ``clients``, ...) and stops every one it started at the end of the test.

Their deployments check their own answers against the endpoints' output schemas (``check_responses``)
when the ini option ``taskcluster_check_responses = true`` or the command-line flag
``--taskcluster-check-responses`` is given, or ``$TASKCLUSTER_TESTING_CHECK_RESPONSES`` is set; off
otherwise. That is for suites testing the deployment itself: a wrong answer becomes a 500.

Importing this module is cheap: the server (aiohttp) is imported when a fixture is first used.
"""

import sys
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from typing import Protocol

    from .server import LocalDeployment

    class DeploymentFactory(Protocol):
        def __call__(self, **kwargs: Any) -> LocalDeployment: ...


__all__ = [
    "taskcluster_deployment",
    "taskcluster_deployment_factory",
    "taskcluster_options",
    "taskcluster_session_deployment",
]


def pytest_addhooks(pluginmanager: Any) -> None:
    """Let ``pytest_plugins = ["taskcluster.testing.pytest_plugin"]`` coexist with the entry point.

    Loaded through the entry point, this module is registered as "taskcluster"; pytest would then fail
    registering the same module again under its own name. Blocking that second name makes it a no-op.
    """
    registered_as = pluginmanager.get_name(sys.modules[__name__])
    if registered_as is not None and registered_as != __name__ and not pluginmanager.is_blocked(__name__):
        pluginmanager.set_blocked(__name__)


_INI = "taskcluster_check_responses"
_FLAG = "--taskcluster-check-responses"


def pytest_addoption(parser: "pytest.Parser") -> None:
    help_text = (
        "local Taskcluster deployments of the taskcluster_* fixtures check every answer against the "
        "endpoint's output schema (a mismatch is a 500); default: $TASKCLUSTER_TESTING_CHECK_RESPONSES, else off"
    )
    parser.addini(_INI, help_text, type="bool", default=False)
    parser.getgroup("taskcluster").addoption(_FLAG, action="store_true", default=False, help=help_text)


def _check_responses(config: "pytest.Config") -> Optional[bool]:
    """True when the ini option or the flag asks for response checks; None leaves it to the environment."""
    if config.getoption(_FLAG, default=False) or config.getini(_INI):
        return True
    return None


@pytest.fixture(scope="session")
def taskcluster_session_deployment(pytestconfig: "pytest.Config") -> Iterator["LocalDeployment"]:
    """One deployment for the whole session (prefer ``taskcluster_deployment``, which resets it)."""
    from .server import LocalDeployment

    deployment = LocalDeployment(check_responses=_check_responses(pytestconfig))
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def taskcluster_deployment(taskcluster_session_deployment: "LocalDeployment") -> "LocalDeployment":
    """A running local deployment with empty state."""
    taskcluster_session_deployment.reset()
    return taskcluster_session_deployment


@pytest.fixture
def taskcluster_options(taskcluster_deployment: "LocalDeployment") -> Dict[str, Any]:
    """``{'rootUrl': ..., 'credentials': <root credentials>}`` of ``taskcluster_deployment``."""
    return taskcluster_deployment.options()


@pytest.fixture
def taskcluster_deployment_factory(pytestconfig: "pytest.Config") -> Iterator["DeploymentFactory"]:
    """Start dedicated deployments: ``taskcluster_deployment_factory(db_path=..., clients={...})``."""
    from .server import LocalDeployment

    started: List[LocalDeployment] = []
    check = _check_responses(pytestconfig)

    def factory(**kwargs: Any) -> LocalDeployment:
        if check is not None:
            kwargs.setdefault("check_responses", check)
        deployment = LocalDeployment(**kwargs)
        started.append(deployment)
        return deployment.start()

    try:
        yield factory
    finally:
        for deployment in reversed(started):
            deployment.stop()
