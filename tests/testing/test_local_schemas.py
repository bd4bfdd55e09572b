"""Request bodies checked against the services' real JSON schemas (with their defaults filled in), and the
``check_responses`` option that checks the deployment's own answers against the output schemas."""

import logging
import os
import subprocess
import sys
import textwrap

import pytest
import requests
import slugid
from tc_local_helpers import Api, assert_error, iso, task_definition

import taskcluster
from taskcluster.generated.schemas import load
from taskcluster.testing import LocalDeployment, _schema, pytest_plugin, services
from taskcluster.testing.server import CHECK_RESPONSES_ENV

CREATE_TASK_SCHEMA = "/schemas/queue/v1/create-task-request.json#"


def _create(api, definition, task_id=None):
    return api.call("PUT", "queue", "/task/" + (task_id or slugid.nice()), definition)


def _invalid(response):
    """The lines of a 400 InputValidationError's message, after its heading."""
    message = assert_error(response, 400, "InputValidationError")["message"]
    heading, *lines = message.splitlines()
    assert heading.startswith("Request payload must match the schema /schemas/"), message
    return message, [line.strip() for line in lines]


# -- requests -------------------------------------------------------------------------------------------------
def test_create_task_without_metadata_names_the_field_and_the_schema(api):
    definition = task_definition()
    del definition["metadata"]
    message, lines = _invalid(_create(api, definition))
    assert CREATE_TASK_SCHEMA in message
    assert lines == ["- $: missing required property 'metadata'"]


def test_create_task_with_an_unknown_priority_lists_the_allowed_ones(api):
    _, lines = _invalid(_create(api, task_definition(priority="urgent")))
    assert lines == [
        '- $.priority: must be one of "highest", "very-high", "high", "medium", "low", "very-low", "lowest", '
        'got "urgent"'
    ]
    # "normal" was a legacy name the schema no longer has
    assert _invalid(_create(api, task_definition(priority="normal")))[1][0].startswith("- $.priority: must be one of")


@pytest.mark.parametrize(
    "deadline",
    ["tomorrow", "2030-01-01", "2030-01-01T00:00:00", "2030-02-30T00:00:00Z", "2030-01-01T00:00:00Z\n"],
)
def test_create_task_with_a_bad_date_time_is_refused(api, deadline):
    _, lines = _invalid(_create(api, task_definition(deadline=deadline)))
    assert len(lines) == 1 and lines[0].startswith("- $.deadline: must be an RFC 3339 date-time with a time zone")


def test_date_times_in_any_rfc_3339_form_are_accepted(api):
    for deadline in (iso(3600).replace("Z", "+00:00"), iso(3600).replace("T", " ").lower(), iso(3600)[:19] + "Z"):
        assert _create(api, task_definition(deadline=deadline)).status_code == 200, deadline


def test_create_task_with_an_extra_property_names_it(api):
    _, lines = _invalid(_create(api, task_definition(colour="blue")))
    assert len(lines) == 1 and lines[0].startswith("- $: unexpected property 'colour' (allowed: created, deadline,")


def test_nested_fields_are_named_by_json_path(api):
    definition = task_definition(routes=["ok", "x" * 250], retries=50)
    definition["metadata"]["source"] = "ftp://example.com"
    _, lines = _invalid(_create(api, definition))
    assert lines == [
        '- $.metadata.source: must match the pattern ^(https?://|ssh://|git@), got "ftp://example.com"',
        "- $.retries: must be <= 49, got 50",
        "- $.routes[1]: must be at most 249 characters long, got 250",
    ]


def test_dollar_ends_the_string_as_in_javascript(api):
    # Python's $ also matches before a final newline; the services' patterns are JavaScript's
    _, lines = _invalid(_create(api, task_definition(workerType="test-worker\n")))
    assert len(lines) == 1 and lines[0].startswith("- $.workerType: must match the pattern ^[a-z]([-a-z0-9]{0,36}")
    assert _schema.ecma_pattern(r"^[\]$]\$$").search("$$") and not _schema.ecma_pattern("^a$").search("a\n")


def test_a_missing_payload_is_named_though_the_schema_has_a_default_for_it(api):
    definition = task_definition()
    del definition["payload"]  # the schema's default, [], is no object: upstream refuses it the same way
    _, lines = _invalid(_create(api, definition))
    assert lines == [
        "- $.payload: missing, and the schema's default does not fit: must be of type object, got array []"
    ]


def test_a_body_that_is_not_an_object(api):
    _, lines = _invalid(_create(api, [1, 2]))
    assert lines == ["- $: must be of type object, got array [1, 2]"]


def test_many_problems_make_a_short_message(api):
    definition = task_definition(**{"extra%d" % i: i for i in range(5)}, routes=["r"] * 3)
    definition["metadata"] = {"name": 1, "description": 2, "owner": 3, "source": 4, "x": 5}
    definition["dependencies"] = ["nope%d" % i for i in range(20)]
    message, lines = _invalid(_create(api, definition))
    assert len(message.splitlines()) <= 20
    assert lines[-1].startswith("(and ") and lines[-1].endswith(" more)")


def test_create_client_checks_its_body(api):
    response = api.call("PUT", "auth", "/clients/someone", {"expires": "soon", "scopes": ["a", "a"], "admin": True})
    message, lines = _invalid(response)
    assert "/schemas/auth/v1/create-client-request.json#" in message
    assert lines == [
        "- $: unexpected property 'admin' (allowed: deleteOnExpiration, description, expires, scopes)",
        "- $: missing required property 'description'",
        '- $.expires: must be an RFC 3339 date-time with a time zone (e.g. 2024-01-31T12:00:00.000Z), got "soon"',
        '- $.scopes: must not contain duplicate items, got "a" more than once',
    ]


def test_create_upload_checks_its_body(api):
    body = {
        "projectId": "",
        "uploadId": "not-a-slug",
        "expires": iso(3600),
        "proposedUploadMethods": {"putUrl": {"contentType": "text/plain"}, "carrierPigeon": {}},
    }
    message, lines = _invalid(api.call("PUT", "object", "/upload/some/object", body))
    assert "/schemas/object/v1/create-upload-request.json#" in message
    assert lines[:3] == [
        "- $.projectId: must be at least 1 character long, got 0",
        "- $.proposedUploadMethods: unexpected property 'carrierPigeon' (allowed: dataInline, putUrl)",
        "- $.proposedUploadMethods.putUrl: missing required property 'contentLength'",
    ]
    assert lines[3].startswith("- $.uploadId: must match the pattern ^[A-Za-z0-9_-]{8}[Q-T]") and len(lines) == 4


def test_alternatives_are_told_apart_by_their_storage_type(api):
    path = "/task/%s/runs/0/artifacts/public/x" % slugid.nice()
    expires = iso(3600)
    cases = [
        ({"storageType": "s4", "expires": expires}, '- $.storageType: must be one of "s3", "object", "reference"'),
        ({"storageType": "s3", "expires": expires}, "- $: missing required property 'contentType'"),
        (
            {"storageType": "error", "expires": expires, "reason": "lost", "message": "m"},
            '- $.reason: must be one of "file-missing-on-worker"',
        ),
        ({"expires": expires}, "- $: missing required property 'storageType' (one of \"s3\","),
        (["s3"], '- $: must be of type object, got array ["s3"]'),
    ]
    for body, expected in cases:
        _, lines = _invalid(api.call("POST", "queue", path, body))
        assert len(lines) == 1 and lines[0].startswith(expected), (body, lines)


def test_schema_defaults_are_applied_to_missing_properties(api):
    task_id = slugid.nice()
    definition = task_definition()
    assert _create(api, definition, task_id).status_code == 200
    stored = api.call("GET", "queue", "/task/" + task_id).json()
    applied = {
        "schedulerId": "-",
        "priority": "lowest",
        "retries": 5,
        "routes": [],
        "dependencies": [],
        "requires": "all-completed",
        "projectId": "none",
        "scopes": [],
        "tags": {},
        "extra": {},
    }
    assert {key: stored[key] for key in applied} == applied
    # ... and they are the real schema's
    properties = load("queue")["v1/create-task-request.json#"]["properties"]
    assert {key: properties[key]["default"] for key in applied} == applied
    status = api.call("GET", "queue", "/task/%s/status" % task_id).json()["status"]
    assert (status["schedulerId"], status["priority"], status["retriesLeft"]) == ("-", "lowest", 5)


def test_defaults_of_other_endpoints(api):
    for _ in range(2):
        assert _create(api, task_definition()).status_code == 200
    # claimWork: "tasks" defaults to 1
    claimed = api.call("POST", "queue", "/claim-work/local-prov%2Ftest-worker", {"workerGroup": "g", "workerId": "w"})
    assert claimed.status_code == 200 and len(claimed.json()["tasks"]) == 1
    # testAuthenticate: clientScopes and requiredScopes default to []
    tester = {"clientId": "tester", "accessToken": "no-secret"}
    answer = api.call("POST", "auth", "/test-authenticate", {}, credentials=tester)
    assert answer.status_code == 200 and answer.json()["clientId"] == "tester"
    assert "test:x" not in answer.json()["scopes"]
    with_scopes = {"clientScopes": ["test:x"]}
    assert "test:x" in api.call("POST", "auth", "/test-authenticate", with_scopes, credentials=tester).json()["scopes"]


def test_entries_without_a_schema_accept_any_object():
    assert _schema.checker("awsprovisioner", "aws-provisioner", "v1/create-worker-type-request.json#") is None
    assert _schema.checker("queue", "queue", "v1/no-such-schema.json#") is None
    assert _schema.checker(None, "somewhere", "v1/x.json#") is None


def test_without_jsonschema_starting_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # import jsonschema now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'taskcluster\[testing\]'"):
        LocalDeployment().start()


def test_checkers_are_built_once_per_schema():
    first = _schema.checker("queue", "queue", "v1/create-task-request.json#")
    assert first is _schema.checker("queue", "queue", "v1/create-task-request.json#")
    assert first is not None and first.name == CREATE_TASK_SCHEMA


def test_date_time_format():
    check = _schema._is_date_time
    for good in (
        "2024-01-31T12:00:00Z",
        "2024-01-31t12:00:00.123456789+01:00",
        "2024-01-31 12:00:00-0130",
        "2024-02-29T00:00:00+01",
    ):
        assert check(good), good
    for bad in (
        "2024-01-31T12:00:00",
        "2023-02-29T00:00:00Z",
        "2024-01-31T25:00:00Z",
        "31/01/2024",
        "2024-01-31T12:00:00Z ",
    ):
        assert not check(bad), bad


def test_unique_items_compare_json_values():
    check = _schema.checker("auth", "auth", "v1/scopeset.json#")
    assert check is not None
    assert check.errors({"scopes": ["a", "b"]}) == []
    assert check.errors({"scopes": ["a", "b", "a"]}) == [
        '$.scopes: must not contain duplicate items, got "a" more than once'
    ]
    tasks = _schema.checker("queue", "queue", "v1/tasks-request.json#")
    assert tasks is not None
    assert _schema._key({"a": [1, True]}) == _schema._key({"a": [1.0, True]})
    assert _schema._key([1]) != _schema._key([True]) and _schema._key({"a": 1}) != _schema._key({"a": "1"})


# -- responses ------------------------------------------------------------------------------------------------
def _broken_pending_tasks(call):
    """The real pendingTasks, answering a body its schema refuses."""
    reply = services.queue.pending_tasks(call)
    reply.body["pendingTasks"] = -1
    reply.body["backlog"] = "long"
    del reply.body["taskQueueId"]
    return reply


@pytest.fixture
def broken(monkeypatch):
    monkeypatch.setitem(services.IMPLEMENTED["queue"], "pendingTasks", _broken_pending_tasks)


def test_a_wrong_answer_is_a_500_naming_the_schema(api, tc, broken, caplog):
    assert tc.check_responses
    with caplog.at_level(logging.ERROR, logger="taskcluster.testing"):
        response = api.call("GET", "queue", "/pending/local-prov%2Ftest-worker")
    body = assert_error(response, 500, "InternalServerError")
    message = body["message"]
    assert "queue.pendingTasks answered 200" in message
    assert "/schemas/queue/v1/pending-tasks-response.json#" in message
    assert "- $: unexpected property 'backlog'" in message
    assert "- $: missing required property 'taskQueueId'" in message
    assert "- $.pendingTasks: must be >= 0, got -1" in message
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("pending-tasks-response.json#" in m and "$.pendingTasks" in m for m in logged)


def test_the_client_sees_the_500(tc, broken):
    queue = taskcluster.Queue(dict(tc.options(), maxRetries=0))
    with pytest.raises(taskcluster.TaskclusterRestFailure) as failure:
        queue.pendingTasks("local-prov/test-worker")
    assert failure.value.status_code == 500 and "pending-tasks-response.json#" in str(failure.value)


def test_answers_are_not_checked_when_the_option_is_off(api, tc, broken):
    tc.check_responses = False
    response = api.call("GET", "queue", "/pending/local-prov%2Ftest-worker")
    assert response.status_code == 200 and response.json()["pendingTasks"] == -1


def test_the_option_is_off_by_default(monkeypatch):
    monkeypatch.delenv(CHECK_RESPONSES_ENV, raising=False)
    assert LocalDeployment().check_responses is False
    assert LocalDeployment(check_responses=True).check_responses is True
    for value, expected in (("1", True), ("true", True), ("0", False), ("", False)):
        monkeypatch.setenv(CHECK_RESPONSES_ENV, value)
        assert LocalDeployment().check_responses is expected
    monkeypatch.setenv(CHECK_RESPONSES_ENV, "1")
    assert LocalDeployment(check_responses=False).check_responses is False


def test_the_option_off_answers_a_wrong_body_unchanged(monkeypatch, broken):
    monkeypatch.delenv(CHECK_RESPONSES_ENV, raising=False)
    with LocalDeployment() as deployment:
        api = Api(deployment.rootUrl, deployment.credentials)
        try:
            assert api.call("GET", "queue", "/pending/p%2Fw").json()["backlog"] == "long"
        finally:
            api.close()


class _Config:
    def __init__(self, flag, ini):
        self.flag, self.ini = flag, ini

    def getoption(self, name, default=None):
        assert name == "--taskcluster-check-responses"
        return self.flag

    def getini(self, name):
        assert name == "taskcluster_check_responses"
        return self.ini


def test_the_plugin_leaves_the_option_to_the_environment_unless_asked():
    assert pytest_plugin._check_responses(_Config(False, False)) is None
    assert pytest_plugin._check_responses(_Config(True, False)) is True
    assert pytest_plugin._check_responses(_Config(False, True)) is True


def test_pytest_flag_and_ini_setting(tmp_path):
    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            def test_flag(taskcluster_deployment, taskcluster_deployment_factory):
                assert taskcluster_deployment.check_responses is True
                assert taskcluster_deployment_factory().check_responses is True
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != CHECK_RESPONSES_ENV}
    # the subprocess imports the taskcluster package this process tests
    root = os.path.dirname(os.path.dirname(os.path.abspath(taskcluster.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))

    def run(*args, ini=""):
        (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
        quick = ["-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:hypothesispytest"]
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *quick, *args, str(tmp_path)],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    run("--taskcluster-check-responses")
    run(ini="taskcluster_check_responses = true\n")


# -- every answer, checked ------------------------------------------------------------------------------------
def test_every_implemented_answer_matches_its_output_schema(tc, api, monkeypatch):
    """One call of each implemented endpoint that has an output schema, with the answers checked."""
    core = tc._core
    checked = set()
    check = core._check_response

    def record(service, entry, reply):
        check(service, entry, reply)
        checked.add((service, entry.name))

    monkeypatch.setattr(core, "_check_response", record)
    options = dict(tc.options(), maxRetries=0)
    expires = taskcluster.fromNowJSON("2 hours")

    auth = taskcluster.Auth(options)
    auth.createClient("sweep/c", {"description": "d", "expires": expires, "scopes": ["a:b"]})
    auth.client("sweep/c")
    auth.listClients()
    auth.updateClient("sweep/c", {"description": "e", "expires": expires, "scopes": ["a:c"]})
    auth.disableClient("sweep/c")
    auth.enableClient("sweep/c")
    auth.resetAccessToken("sweep/c")
    auth.createRole("sweep-role", {"description": "d", "scopes": ["b:c"]})
    auth.updateRole("sweep-role", {"description": "e", "scopes": ["b:d"]})
    auth.role("sweep-role")
    auth.listRoles()
    auth.listRoles2()
    auth.listRoleIds()
    auth.expandScopes({"scopes": ["assume:sweep-role"]})
    auth.currentScopes()
    tester = taskcluster.Auth(dict(options, credentials={"clientId": "tester", "accessToken": "no-secret"}))
    tester.testAuthenticate({"clientScopes": ["test:a"], "requiredScopes": ["test:a"]})
    tester.testAuthenticateGet()

    queue = taskcluster.Queue(options)
    queue_id = "local-prov/test-worker"
    group, first, second, third, fourth = (slugid.nice() for _ in range(5))
    queue.createTask(first, task_definition(taskGroupId=group))
    queue.createTask(second, task_definition(taskGroupId=group, dependencies=[first]))
    queue.task(first)
    queue.status(first)
    queue.listTaskGroup(group)
    queue.getTaskGroup(group)
    queue.listDependentTasks(first)
    queue.pendingTasks(queue_id)
    queue.scheduleTask(second)
    worker = {"workerGroup": "g", "workerId": "w"}
    claimed = queue.claimWork(queue_id, dict(worker, tasks=1))["tasks"][0]
    task_id, run_id = claimed["status"]["taskId"], claimed["runId"]
    queue.reclaimTask(task_id, run_id)
    bodies = {
        "public/s3": {"storageType": "s3", "contentType": "text/plain", "expires": expires},
        "public/object": {"storageType": "object", "contentType": "text/plain", "expires": expires},
        "public/reference": {
            "storageType": "reference",
            "url": "https://example.com/x",
            "contentType": "text/plain",
            "expires": expires,
        },
        "public/link": {"storageType": "link", "artifact": "public/reference", "expires": expires},
        "public/error": {
            "storageType": "error",
            "reason": "file-missing-on-worker",
            "message": "gone",
            "expires": expires,
        },
    }
    for name, body in bodies.items():
        answer = queue.createArtifact(task_id, run_id, name, body)
        if name == "public/object":
            upload = {"projectId": answer["projectId"], "uploadId": answer["uploadId"]}
            objects = taskcluster.Object(options)
            methods = {"dataInline": {"contentType": "text/plain", "objectData": "aGk="}}
            objects.createUpload(answer["name"], dict(upload, expires=answer["expires"], proposedUploadMethods=methods))
            objects.finishUpload(answer["name"], upload)
            queue.finishArtifact(task_id, run_id, name, {"uploadId": answer["uploadId"]})
    queue.listArtifacts(task_id, run_id)
    queue.listLatestArtifacts(task_id)
    for name in bodies:
        queue.artifactInfo(task_id, run_id, name)
        queue.latestArtifactInfo(task_id, name)
        queue.artifact(task_id, run_id, name)
        queue.latestArtifact(task_id, name)
        quoted = name.replace("/", "%2F")
        expected = 424 if name == "public/error" else 303
        assert api.call("GET", "queue", "/task/%s/runs/0/artifacts/%s" % (task_id, quoted)).status_code == expected
        assert api.call("GET", "queue", "/task/%s/artifacts/%s" % (task_id, quoted)).status_code == expected
    queue.reportCompleted(task_id, run_id)
    claimed = queue.claimWork(queue_id, dict(worker, tasks=1))["tasks"][0]
    queue.reportFailed(claimed["status"]["taskId"], claimed["runId"])
    queue.createTask(third, task_definition())
    queue.claimTask(third, 0, worker)
    queue.reportException(third, 0, {"reason": "malformed-payload"})
    queue.createTask(fourth, task_definition())
    queue.cancelTask(fourth)

    index = taskcluster.Index(options)
    index.insertTask("sweep.ns.a", {"taskId": first, "rank": 1.5, "data": {"k": "v"}, "expires": expires})
    index.findTask("sweep.ns.a")
    index.listNamespaces("sweep")
    index.listTasks("sweep.ns")

    secrets = taskcluster.Secrets(options)
    secrets.set("sweep/s", {"secret": {"a": 1}, "expires": expires})
    secrets.get("sweep/s")
    secrets.list()

    purge = taskcluster.PurgeCache(options)
    purge.purgeCache("prov/type", {"cacheName": "c"})
    purge.allPurgeRequests()
    purge.purgeRequests("prov/type")

    objects = taskcluster.Object(options)
    upload = {"projectId": "sweep", "uploadId": slugid.nice()}
    methods = {"putUrl": {"contentType": "text/plain", "contentLength": 2}}
    put = objects.createUpload("sweep/o", dict(upload, expires=expires, proposedUploadMethods=methods))
    assert requests.put(put["uploadMethod"]["putUrl"]["url"], data=b"hi", headers={"Content-Type": "text/plain"}).ok
    objects.finishUpload("sweep/o", upload)
    objects.object("sweep/o")
    objects.startDownload("sweep/o", {"acceptDownloadMethods": {"getUrl": True}})
    objects.startDownload("sweep/o", {"acceptDownloadMethods": {"simple": True}})

    expected = set()
    for service, handlers in services.IMPLEMENTED.items():
        table = core.tables[service]
        for name in handlers:
            if _schema.checker(table.module, service, table.entries[name].output) is not None:
                expected.add((service, name))
    assert expected - checked == set()


# -- the fast paths change nothing ----------------------------------------------------------------------------
def _mutations(value, path=()):
    """(path, mutated copy) pairs: each property removed, each value replaced by wrong ones."""
    import copy

    def at(root, where, change):
        root = copy.deepcopy(root)
        node = root
        for part in where[:-1]:
            node = node[part]
        change(node, where[-1])
        return root

    out = []

    def walk(node, where):
        if isinstance(node, dict):
            out.append(at(value, where, lambda n, k: n[k].__setitem__("unexpected", 1)) if where else dict(value, x=1))
            for key, child in node.items():
                out.append(at(value, where + (key,), lambda n, k: n.pop(k)))
                walk(child, where + (key,))
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, where + (i,))
            if node:
                out.append(at(value, where, lambda n, k: n[k].append(n[k][0])))
        if where:
            for wrong in (None, True, 1.5, -1, "", "x" * 300, [], {}):
                out.append(at(value, where, lambda n, k, w=wrong: n.__setitem__(k, w)))

    walk(value, path)
    return out


def test_the_optimized_checks_find_what_plain_jsonschema_finds(api):
    import jsonschema

    task_id = slugid.nice()
    definition = task_definition(taskGroupId=task_id, routes=["a", "b"], scopes=["s"])
    assert _create(api, definition, task_id).status_code == 200
    listing = api.call("GET", "queue", "/task-group/%s/list" % task_id).json()
    cases = [("v1/create-task-request.json#", definition), ("v1/list-task-group-response.json#", listing)]
    for schema_id, instance in cases:
        check = _schema.checker("queue", "queue", schema_id)
        assert check is not None
        module = _schema._modules["queue"]
        plain = jsonschema.Draft6Validator(
            {"$ref": check.uri}, registry=module.registry, format_checker=_schema._formats()
        )
        mutated = _mutations(instance)
        assert len(mutated) > 50
        for candidate in [instance] + mutated:
            ours = sorted(
                (list(map(str, e.absolute_path)), e.validator) for e in check._validator.iter_errors(candidate)
            )
            theirs = sorted((list(map(str, e.absolute_path)), e.validator) for e in plain.iter_errors(candidate))
            assert ours == theirs, candidate
