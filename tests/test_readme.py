"""The README's code: every Python block parses, and the blocks that need nothing but a deployment run."""

import ast
import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def block_containing(text):
    (block,) = [b for b in BLOCKS if text in b]
    return block


def test_every_python_block_parses():
    assert len(BLOCKS) >= 8
    for block in BLOCKS:
        ast.parse(block)


def test_routing_key_example_prints_what_it_says():
    block = block_containing("client.QueueEvents")
    namespace = {}
    exec(block, namespace)
    documented = eval(re.search(r"# (\{'exchange'.*?\})", block.replace("\n", " ").replace("#  ", ""), re.S).group(1))
    assert namespace["events"].taskCompleted(taskGroupId="G") == documented


def test_local_deployment_example_runs():
    namespace = {}
    exec(block_containing("with LocalDeployment() as tc:"), namespace)
    assert namespace["limited"]["clientId"] == "my/client" and namespace["limited"]["accessToken"]


def test_object_example_runs():
    namespace = {}
    exec(block_containing("taskcluster.upload.uploadFromBuf("), namespace)
    assert bytes(namespace["data"]) == b"hello" and namespace["content_type"] == "text/plain"


def test_helper_example_runs_against_a_deployment(taskcluster_deployment, monkeypatch):
    import taskcluster

    for name in ("TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CERTIFICATE", "TASK_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", taskcluster_deployment.credentials["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", taskcluster_deployment.credentials["accessToken"])
    expires = taskcluster.fromNowJSON("1 hour")
    secret = {"app": {"token": "t0k"}, "other": {"x": 1}}
    taskcluster.Secrets(taskcluster_deployment.options()).set("project/my-app", {"secret": secret, "expires": expires})
    block = block_containing("TaskclusterConfig(").replace("https://tc.example.com", taskcluster_deployment.rootUrl)
    namespace = {}
    exec(block, namespace)
    assert namespace["secrets"] == {"token": "t0k"}
    pools = namespace["pools"]
    assert type(pools).__name__ == "WorkerManager"
    assert pools.buildUrl("ping") == taskcluster_deployment.rootUrl + "/api/worker-manager/v1/ping"


def test_calling_conventions_block_runs_against_a_deployment(taskcluster_deployment):
    import taskcluster

    queue = taskcluster.Queue(taskcluster_deployment.options())
    definitions = []
    for convention in block_containing("queue.createTask(taskId, payload)").strip().splitlines():
        taskId = taskcluster.slugId()
        payload = {
            "taskQueueId": "p/w",
            "schedulerId": "s",
            "projectId": "none",
            "taskGroupId": taskId,
            "created": taskcluster.fromNowJSON("0 seconds"),
            "deadline": taskcluster.fromNowJSON("1 hour"),
            "payload": {},
            "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
        }
        eval(convention, {"queue": queue, "taskId": taskId, "payload": payload})
        definitions.append(queue.task(taskId))
    assert len(definitions) == 4
