"""Answers decode to the same values with orjson installed (`taskcluster[speed]`) and without it: what orjson refuses
is left to `json`, and a listing walked with either decoder gives the same pages."""

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import taskcluster
from taskcluster import _json

orjson = pytest.importorskip("orjson")


@pytest.fixture(params=["orjson", "json"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_json, "_looked", True)
    monkeypatch.setattr(_json, "_orjson", orjson if request.param == "orjson" else None)
    return str(request.param)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1, 1.0 and True differ; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_decodes_as_json_decodes_it(value: Any):
    data = json.dumps(value).encode("utf-8")
    assert same(_json.loads(data), json.loads(data))


@pytest.mark.parametrize(
    "data",
    [
        b"123456789012345678901234567890",  # beyond 64 bits
        b"[NaN, Infinity, -Infinity]",
        b'"\\ud800 alone"',
        '{"a": "utf-16"}'.encode("utf-16"),
        b'\xef\xbb\xbf{"bom": true}',
        b'{"k": 1, "k": 2}',
        b"[-0.0, 1e400, 5e-324]",
        b"[" * 2000 + b"]" * 2000,
    ],
)
def test_what_orjson_refuses_is_left_to_json(data: bytes):
    try:
        expected: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            _json.loads(data)
    else:
        assert same(_json.loads(data), expected)


class Pages(BaseHTTPRequestHandler):
    """Three pages of a task group, chained by continuationToken."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        token = self.path.rsplit("continuationToken=", 1)[1] if "continuationToken=" in self.path else "0"
        page: Any = {"taskGroupId": "G", "tasks": [{"status": {"taskId": "T%s-%d" % (token, i)}} for i in range(3)]}
        page["tasks"].append({"status": {"taskId": "\u00e9\u4e2d", "n": 2**70, "x": -0.0}})
        if token != "2":
            page["continuationToken"] = str(int(token) + 1)
        data = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def root_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()


def test_a_listing_gives_the_same_pages_with_either_decoder(decoder: str, root_url: str):
    with taskcluster.Queue({"rootUrl": root_url}) as queue:
        pages: List[Any] = list(queue.listTaskGroup.pages("G"))
    assert [len(page["tasks"]) for page in pages] == [4, 4, 4]
    assert pages[2]["tasks"][3]["status"] == {"taskId": "\u00e9\u4e2d", "n": 2**70, "x": -0.0}
    assert "continuationToken" not in pages[2]
