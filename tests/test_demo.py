"""The README's first command: the demo tours the SDK against a local deployment and exits 0."""

import subprocess
import sys


def test_demo_runs_to_completion():
    out = subprocess.run(
        [sys.executable, "-m", "taskcluster.testing.demo", "--tasks", "40"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    for expected in (
        "Auth.ping() -> ok",
        "40 tasks in group",
        "states: {'completed': 40}",
        "object artifact: 16384 bytes of application/octet-stream, sha256 verified",
        "s3 artifact through taskcluster.aio.download: b'hello from the demo worker\\n' (text/plain)",
        "index.findTask('demo.latest') -> taskId",
        "-> HTTP 200 after 1 redirect(s): 'hello from the demo worker\\n'",
        "routing key pattern primary.*.*.*.*.*.*.*.",
        "TaskclusterRestFailure (status_code=403, code=InsufficientScopes)",
        '"secrets:get:demo/api-key"',
        "Done in",
    ):
        assert expected in text, expected
