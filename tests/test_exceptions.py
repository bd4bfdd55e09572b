"""The exception classes (taskcluster.exceptions): historical constructors, attributes, hierarchy, pickling."""

import pickle

import pytest

from taskcluster import exceptions
from taskcluster.exceptions import (
    ObjectHashVerificationError,
    TaskclusterArtifactError,
    TaskclusterAuthFailure,
    TaskclusterConnectionError,
    TaskclusterFailure,
    TaskclusterRestFailure,
    TaskclusterTopicExchangeFailure,
)

ALL = [
    TaskclusterFailure,
    TaskclusterRestFailure,
    TaskclusterAuthFailure,
    TaskclusterConnectionError,
    TaskclusterTopicExchangeFailure,
    TaskclusterArtifactError,
    ObjectHashVerificationError,
]


def roundtrip(exc):
    return pickle.loads(pickle.dumps(exc))


def test_module_exports_every_class():
    # and the warning category of misspelt options, which is not an exception of the client
    assert sorted(exceptions.__all__) == sorted([cls.__name__ for cls in ALL] + ["TaskclusterOptionWarning"])
    assert issubclass(exceptions.TaskclusterOptionWarning, UserWarning)


# -- historical constructors ---------------------------------------------------------------------


def test_rest_failure_historical_constructor():
    cause = ValueError("boom")
    exc = TaskclusterRestFailure("msg", cause, status_code=404, body={"code": "ResourceNotFound"})
    assert str(exc) == "msg"
    assert exc.superExc is cause
    assert exc.status_code == 404
    assert exc.body == {"code": "ResourceNotFound"}


def test_rest_failure_defaults():
    exc = TaskclusterRestFailure("msg", None)
    assert exc.status_code == 500
    assert exc.body == {}
    assert exc.superExc is None
    other = TaskclusterRestFailure("msg", None)
    exc.body["x"] = 1
    assert other.body == {}  # the default body is not shared


def test_rest_failure_positional_arguments():
    exc = TaskclusterRestFailure("msg", None, 409, {"code": "RequestConflict"})
    assert (exc.status_code, exc.body) == (409, {"code": "RequestConflict"})


def test_rest_failure_requires_super_exc_like_historically():
    with pytest.raises(TypeError):
        TaskclusterRestFailure("msg")  # type: ignore[call-arg]


def test_auth_failure_historical_constructors():
    exc = TaskclusterAuthFailure("bad creds")
    assert str(exc) == "bad creds"
    assert exc.status_code == 500
    assert exc.body == {}
    assert exc.superExc is None
    exc = TaskclusterAuthFailure("Authentication Error", superExc=None, status_code=401, body={"code": "x"})
    assert (exc.status_code, exc.body) == (401, {"code": "x"})


def test_connection_error():
    cause = ConnectionRefusedError(111, "refused")
    exc = TaskclusterConnectionError("Failed to establish connection", superExc=cause)
    assert str(exc) == "Failed to establish connection"
    assert exc.superExc is cause
    assert TaskclusterConnectionError("x", cause).superExc is cause
    assert TaskclusterConnectionError("x").superExc is None


def test_artifact_error_reason():
    exc = TaskclusterArtifactError("cannot fetch", "reference artifact")
    assert str(exc) == "cannot fetch"
    assert exc.reason == "reference artifact"


@pytest.mark.parametrize("cls", [TaskclusterFailure, TaskclusterTopicExchangeFailure, ObjectHashVerificationError])
def test_message_only_classes(cls):
    exc = cls("just a message")
    assert str(exc) == "just a message"
    assert exc.args == ("just a message",)


# -- hierarchy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL)
def test_every_class_is_a_taskcluster_failure(cls):
    assert issubclass(cls, TaskclusterFailure)
    assert issubclass(cls, Exception)


def test_rest_and_auth_failures_are_siblings():
    assert not issubclass(TaskclusterRestFailure, TaskclusterAuthFailure)
    assert not issubclass(TaskclusterAuthFailure, TaskclusterRestFailure)
    with pytest.raises(TaskclusterAuthFailure):
        try:
            raise TaskclusterAuthFailure("a", status_code=401)
        except TaskclusterRestFailure:  # must not catch it
            pytest.fail("an AuthFailure was caught as a RestFailure")


@pytest.mark.parametrize("cls", ALL[2:])
def test_other_classes_are_not_rest_failures(cls):
    assert not issubclass(cls, TaskclusterRestFailure)


# -- pickling ------------------------------------------------------------------------------------


def test_pickle_rest_failure():
    exc = TaskclusterRestFailure("Queue.task: HTTP 404", ValueError("cause"), status_code=404, body={"code": "c"})
    back = roundtrip(exc)
    assert type(back) is TaskclusterRestFailure
    assert str(back) == "Queue.task: HTTP 404"
    assert back.status_code == 404
    assert back.body == {"code": "c"}
    assert type(back.superExc) is ValueError and back.superExc.args == ("cause",)


def test_pickle_auth_failure():
    exc = TaskclusterAuthFailure("denied", superExc=None, status_code=401, body={"message": "m"})
    back = roundtrip(exc)
    assert type(back) is TaskclusterAuthFailure
    assert (str(back), back.status_code, back.body, back.superExc) == ("denied", 401, {"message": "m"}, None)


def test_pickle_auth_failure_defaults():
    back = roundtrip(TaskclusterAuthFailure("x"))
    assert (str(back), back.status_code, back.body, back.superExc) == ("x", 500, {}, None)


def test_pickle_connection_error():
    back = roundtrip(TaskclusterConnectionError("Failed to establish connection", superExc=OSError(104, "reset")))
    assert type(back) is TaskclusterConnectionError
    assert str(back) == "Failed to establish connection"
    assert isinstance(back.superExc, OSError) and back.superExc.errno == 104


def test_pickle_artifact_error():
    back = roundtrip(TaskclusterArtifactError("cannot fetch", {"why": "error artifact"}))
    assert type(back) is TaskclusterArtifactError
    assert (str(back), back.reason) == ("cannot fetch", {"why": "error artifact"})


@pytest.mark.parametrize("cls", [TaskclusterFailure, TaskclusterTopicExchangeFailure, ObjectHashVerificationError])
def test_pickle_message_only(cls):
    back = roundtrip(cls("the message"))
    assert type(back) is cls
    assert str(back) == "the message"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol(protocol):
    for exc in (
        TaskclusterRestFailure("m", None, 503, {"a": 1}),
        TaskclusterAuthFailure("m", None, 401, {}),
        TaskclusterConnectionError("m", None),
        TaskclusterArtifactError("m", "r"),
    ):
        back = pickle.loads(pickle.dumps(exc, protocol=protocol))
        assert type(back) is type(exc) and back.args == exc.args
        assert vars(back) == vars(exc)
