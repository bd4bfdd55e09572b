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
