"""Helpers for the task_tracker tests: the example directory on sys.path, and urllib calls to the double that do not
go through our client."""

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "task_tracker"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from double import TaskTrackerDouble as TaskTrackerDouble  # noqa: E402


class Raw:
    """One HTTP answer: status, headers, raw body, and the body as JSON when it is JSON."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def http(
    double: TaskTrackerDouble,
    method: str,
    path: str,
    body: Any = None,
    headers: Optional[Dict[str, str]] = None,
    raw: Optional[bytes] = None,
) -> Raw:
    """Send one request with urllib and return the answer whatever its status."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(double.url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Raw(response.status, response.headers, response.read())
    except urllib.error.HTTPError as e:
        with e:
            return Raw(e.code, e.headers, e.read())


def new_worker(double: TaskTrackerDouble, alias: str = "w") -> Tuple[int, str, Dict[str, str]]:
    """Create a worker through the API: (id, secret, auth headers)."""
    worker = http(double, "POST", "/worker/create", {"alias": alias}).json["content"]["worker"]
    return worker["id"], worker["secret"], {"X-Worker-Id": str(worker["id"]), "X-Secret": worker["secret"]}
