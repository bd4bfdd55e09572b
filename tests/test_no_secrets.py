"""No secret (accessToken, certificate signature, bewit, Authorization header) in logs, reprs or errors."""

import datetime
import json
import logging
import os
import subprocess
import sys

import pytest

import taskcluster
from scripted_server import ACCESS_TOKEN, DROP, Reply

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def secrets_of(temp, bewit_url, authorization_headers):
    cert = json.loads(temp["certificate"])
    bewit = bewit_url.split("bewit=")[1]
    return [ACCESS_TOKEN, temp["accessToken"], cert["signature"], bewit] + authorization_headers


def test_failing_signed_calls_leak_nothing(server, options, caplog):
    caplog.set_level(logging.DEBUG, logger="taskcluster")
    now = datetime.datetime.now(datetime.timezone.utc)
    temp = taskcluster.createTemporaryCredentials(
        "tester", ACCESS_TOKEN, now, now + datetime.timedelta(hours=1), ["queue:*"]
    )
    texts = []
    for creds in (options["credentials"], temp):
        queue = taskcluster.Queue(dict(options, credentials=creds, authorizedScopes=["queue:a"]))
        texts.append(repr(queue))
        server.add(
            Reply(401, json_body={"code": "AuthenticationFailed", "message": "nope"}),
            *[Reply(500, body=b"<html><title>oops</title></html>")] * 3,
            DROP,
            DROP,
            DROP,
        )
        for method, args in (("task", ("T",)), ("createTask", ("T", {"a": 1})), ("ping", ())):
            with pytest.raises(taskcluster.TaskclusterFailure) as info:
                getattr(queue, method)(*args)
            texts += [str(info.value), repr(info.value), repr(info.value.args)]
        bewit_url = queue.buildSignedUrl("getLatestArtifact", "T", "private/x")
        queue.close()
    headers = [r.headers["Authorization"] for r in server.requests]
    assert len(headers) == 14 and all(headers)
    macs = [h.split('mac="')[1].rstrip('"') for h in headers]
    secrets = secrets_of(temp, bewit_url, headers) + macs
    haystack = "\n".join(texts + [caplog.text])
    assert "Queue.task: HTTP 401" in haystack and "retrying" in caplog.text
    for secret in secrets:
        assert secret not in haystack


def test_bad_credentials_errors_do_not_echo_them():
    for creds in (
        {"clientId": "c", "accessToken": "sécret-tøken"},
        {"clientId": "c", "accessToken": 42},
        {"clientId": "c", "accessToken": "tok", "certificate": '{"signature": "SIG-123", "version": 1'},
    ):
        with pytest.raises(taskcluster.TaskclusterAuthFailure) as info:
            taskcluster.Queue({"rootUrl": "http://127.0.0.1:1", "credentials": creds})
        assert "sécret" not in str(info.value) and "SIG-123" not in str(info.value)
        assert "credentials." in str(info.value)


def test_debug_environment_variable_logs_calls_without_secrets(server):
    script = (
        "import taskcluster\n"
        "q = taskcluster.Queue({'rootUrl': %r, 'credentials': {'clientId': 'tester', 'accessToken': %r}})\n"
        "q.ping()\n" % (server.root_url, ACCESS_TOKEN)
    )
    env = dict(os.environ, DEBUG_TASKCLUSTER_CLIENT="1")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Queue.ping: GET %s/api/queue/v1/ping" % server.root_url in out.stderr
    assert ACCESS_TOKEN not in out.stderr
    assert server.requests[0].headers["Authorization"] not in out.stderr


def test_client_ids_that_would_break_the_header_are_refused():
    for client_id in ("my-client\n", 'a"b', "a\\b", "tab\there"):
        with pytest.raises(taskcluster.TaskclusterAuthFailure) as info:
            taskcluster.Queue(
                {"rootUrl": "http://127.0.0.1:1", "credentials": {"clientId": client_id, "accessToken": "tok"}}
            )
        assert client_id not in str(info.value) and "clientId" in str(info.value)


def test_a_pickled_connection_error_holds_no_authorization_header(server, options):
    import pickle

    server.add(DROP, DROP, DROP, DROP, DROP, DROP)
    queue = taskcluster.Queue(options)
    with pytest.raises(taskcluster.TaskclusterConnectionError) as info:
        queue.ping()
    data = pickle.dumps(info.value)
    assert b"Hawk id" not in data and b"mac=" not in data
    assert pickle.loads(data).superExc is not None
    queue.close()


def test_client_options_repr_hides_the_access_token(options):
    queue = taskcluster.Queue(options)
    assert ACCESS_TOKEN not in repr(queue.options) and ACCESS_TOKEN not in str(queue.options)
    assert queue.options["credentials"]["accessToken"] == ACCESS_TOKEN
