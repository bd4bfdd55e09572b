"""Our hmac-based Hawk signing, checked by an independent implementation (mohawk's Receiver and bewit checker)."""

import base64
import json
import time

import mohawk
import mohawk.bewit
import mohawk.exc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripted_server import mohawk_bewit_url
from taskcluster._hawk import EMPTY_PAYLOAD_HASH, Signer, make_ext, payload_hash

KEY = "a-secret-access-token"


def lookup(client_id):
    return {"id": client_id, "key": KEY, "algorithm": "sha256"}


def receive(header, url, method, body=b"", content_type=""):
    return mohawk.Receiver(
        lookup, header, url, method, content=body, content_type=content_type, seen_nonce=lambda *a: False
    )


def test_header_without_body_verifies():
    signer = Signer("my-client", KEY)
    header = signer.header(
        "GET", "/api/queue/v1/task/T?x=1", "127.0.0.1", 8080, EMPTY_PAYLOAD_HASH, int(time.time()), "abcdef"
    )
    receiver = receive(header, "http://127.0.0.1:8080/api/queue/v1/task/T?x=1", "GET")
    assert receiver.parsed_header["id"] == "my-client"
    assert receiver.parsed_header["nonce"] == "abcdef"
    assert "ext" not in receiver.parsed_header


def test_header_with_payload_and_ext_verifies_and_tampering_fails():
    body = b'{"a":1}'
    ext = make_ext({"version": 1, "scopes": ["s"], "signature": "x"}, ["a:b"])
    signer = Signer("c", KEY, ext)
    header = signer.header(
        "PUT",
        "/api/queue/v1/task/T",
        "tc.example.com",
        443,
        payload_hash("application/json", body),
        int(time.time()),
        "n0nce",
    )
    receiver = receive(header, "https://tc.example.com/api/queue/v1/task/T", "PUT", body, "application/json")
    assert json.loads(base64.urlsafe_b64decode(receiver.parsed_header["ext"])) == {
        "certificate": {"version": 1, "scopes": ["s"], "signature": "x"},
        "authorizedScopes": ["a:b"],
    }
    with pytest.raises(mohawk.exc.MisComputedContentHash):
        receive(header, "https://tc.example.com/api/queue/v1/task/T", "PUT", b'{"a":2}', "application/json")
    with pytest.raises(mohawk.exc.MacMismatch):
        receive(header, "https://tc.example.com/api/queue/v1/task/U", "PUT", body, "application/json")


def test_wrong_key_is_refused():
    header = Signer("c", "another-key").header("GET", "/x", "h", 80, EMPTY_PAYLOAD_HASH, int(time.time()), "n")
    with pytest.raises(mohawk.exc.MacMismatch):
        receive(header, "http://h/x", "GET")


def test_ext_known_answer():
    # the historical client's encoding: URL-safe alphabet, padding kept
    assert make_ext(None, ["a:b", "c:d/e+f?"]) == "eyJhdXRob3JpemVkU2NvcGVzIjpbImE6YiIsImM6ZC9lK2Y_Il19"
    assert make_ext(None, None) == ""
    assert make_ext(None, []) == base64.urlsafe_b64encode(b'{"authorizedScopes":[]}').decode()


def test_empty_payload_hash_known_answer():
    assert EMPTY_PAYLOAD_HASH == "B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8="


@settings(max_examples=50, deadline=None)
@given(
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789%/-_.~", min_size=1, max_size=40),
    body=st.binary(max_size=200),
    port=st.integers(min_value=1, max_value=65535),
)
def test_any_request_verifies(path, body, port):
    resource = "/" + path
    header = Signer("c", KEY).header(
        "POST", resource, "127.0.0.1", port, payload_hash("application/json", body), int(time.time()), "nonce1"
    )
    receive(header, "http://127.0.0.1:%d%s" % (port, resource), "POST", body, "application/json")


def test_bewit_verifies_and_expires():
    signer = Signer("c", KEY, make_ext(None, ["x"]))
    resource = "/api/queue/v1/task/T/artifacts/public%2Fa.txt"
    bewit = signer.bewit(resource, "127.0.0.1", 8080, int(time.time()) + 60)
    assert "=" not in bewit
    url = "http://127.0.0.1:8080%s?bewit=%s" % (resource, bewit)
    assert mohawk.bewit.check_bewit(mohawk_bewit_url(url), lookup)
    expired = signer.bewit(resource, "127.0.0.1", 8080, int(time.time()) - 10)
    with pytest.raises(mohawk.exc.TokenExpired):
        mohawk.bewit.check_bewit(mohawk_bewit_url("http://127.0.0.1:8080%s?bewit=%s" % (resource, expired)), lookup)
    with pytest.raises(mohawk.exc.MacMismatch):
        mohawk.bewit.check_bewit(
            mohawk_bewit_url("http://127.0.0.1:8080%s?bewit=%s" % (resource.replace("T", "U"), bewit)), lookup
        )


def test_signer_repr_hides_the_key():
    assert KEY not in repr(Signer("c", KEY))
