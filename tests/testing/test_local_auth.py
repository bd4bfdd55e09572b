"""Authentication of the local deployment, checked with requests signed by mohawk.Sender."""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time

import mohawk
import pytest
import requests
import slugid
from tc_local_helpers import Api, assert_error, encode_ext, make_certificate

from taskcluster.testing.auth import TIMESTAMP_SKEW_SECONDS, AuthenticationError, Authenticator, ClientInfo

CURRENT = "/scopes/current"
PUBLIC = "queue:get-artifact:public/*"  # the anonymous role's default scope, part of every request's scopes


def with_anonymous(*scopes):
    return sorted(set(scopes) | {PUBLIC})


def current_scopes(api, **kwargs):
    response = api.call("GET", "auth", CURRENT, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["scopes"]


# -- Hawk headers -------------------------------------------------------------------------------------------
def test_root_credentials_are_accepted(api):
    assert current_scopes(api) == ["*"]


def test_ping_needs_no_credentials(anon):
    assert anon.call("GET", "queue", "/ping").json()["alive"] is True


def test_wrong_access_token_is_401(api, tc):
    bad = {"clientId": tc.credentials["clientId"], "accessToken": "not-the-token"}
    body = assert_error(api.call("GET", "auth", CURRENT, credentials=bad), 401, "AuthenticationFailed")
    assert "not-the-token" not in json.dumps(body)
    assert tc.credentials["accessToken"] not in json.dumps(body)


def test_unknown_client_is_401(api):
    body = assert_error(
        api.call("GET", "auth", CURRENT, credentials={"clientId": "nobody", "accessToken": "x"}),
        401,
        "AuthenticationFailed",
    )
    assert "nobody" in body["message"]


def test_stale_timestamp_is_401_within_skew_is_accepted(api):
    assert current_scopes(api, ts=int(time.time()) - 800) == ["*"]
    body = assert_error(api.call("GET", "auth", CURRENT, ts=int(time.time()) - 1000), 401, "AuthenticationFailed")
    assert "900" in body["message"]
    assert_error(api.call("GET", "auth", CURRENT, ts=int(time.time()) + 1000), 401, "AuthenticationFailed")


def test_nonce_reuse_is_401(api):
    ts = int(time.time())
    assert api.call("GET", "auth", CURRENT, ts=ts, nonce="n0nce1").status_code == 200
    body = assert_error(api.call("GET", "auth", CURRENT, ts=ts, nonce="n0nce1"), 401, "AuthenticationFailed")
    assert "nonce" in body["message"]
    assert api.call("GET", "auth", CURRENT, ts=ts, nonce="n0nce2").status_code == 200


def _authenticator(clock):
    client = ClientInfo("c", "tok", ["*"])
    return Authenticator(lambda cid: client if cid == "c" else None, list, clock=clock)


def _hawk_get(authenticator, header):
    return authenticator.authenticate("GET", "http", "h:80", "/api/x", header, b"", "")


def test_nonce_replay_is_refused_however_many_requests_come_between():
    now = [time.time()]
    authenticator = _authenticator(lambda: now[0])
    header = mohawk.Sender(
        {"id": "c", "key": "tok", "algorithm": "sha256"},
        "http://h:80/api/x",
        "GET",
        content=b"",
        content_type="",
        _timestamp=int(now[0]),
    ).request_header
    assert _hawk_get(authenticator, header).client_id == "c"
    for i in range(100001):  # as many other requests as fit in the skew window
        assert not authenticator._nonces.seen("c", "other-%d" % i, str(int(now[0])), now[0])
    now[0] += TIMESTAMP_SKEW_SECONDS - 1  # still within the window: the replay must still be caught
    with pytest.raises(AuthenticationError, match="nonce"):
        _hawk_get(authenticator, header)


def test_nonce_cache_forgets_only_what_the_skew_window_refuses_anyway():
    now = [1000000.0]
    authenticator = _authenticator(lambda: now[0])
    cache = authenticator._nonces
    for i in range(50):
        cache.seen("c", "n%d" % i, "1000000", now[0])
    assert len(cache) == 50
    now[0] += 2 * TIMESTAMP_SKEW_SECONDS - 1
    assert cache.seen("c", "n0", "1000000", now[0]) is True  # still remembered
    cache.seen("c", "later", str(int(now[0])), now[0])
    assert len(cache) == 51
    now[0] += 2  # the first 50 are now older than any timestamp mohawk still accepts
    cache.seen("c", "latest", str(int(now[0])), now[0])
    assert len(cache) == 2


def test_payload_hash_is_verified_when_present(api, tc):
    url = api.url("auth", "/scopes/expand")
    body = json.dumps({"scopes": ["a"]}).encode()
    header = api.header("POST", url, body, "application/json")
    ok = requests.post(url, data=body, headers={"Authorization": header, "Content-Type": "application/json"})
    assert ok.status_code == 200 and ok.json() == {"scopes": ["a"]}
    header = api.header("POST", url, body, "application/json")
    tampered = requests.post(
        url, data=body.replace(b'"a"', b'"b"'), headers={"Authorization": header, "Content-Type": "application/json"}
    )
    assert "payload hash" in assert_error(tampered, 401, "AuthenticationFailed")["message"]


def test_requests_without_payload_hash_are_accepted(api, tc):
    url = api.url("auth", "/scopes/expand")
    body = json.dumps({"scopes": ["a"]}).encode()
    sender = mohawk.Sender(
        {"id": tc.credentials["clientId"], "key": tc.credentials["accessToken"], "algorithm": "sha256"},
        url,
        "POST",
        always_hash_content=False,
    )
    response = requests.post(
        url, data=body, headers={"Authorization": sender.request_header, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_signature_covers_the_path(api, tc):
    header = api.header("GET", api.url("auth", CURRENT))
    response = requests.get(api.url("auth", "/clients/"), headers={"Authorization": header})
    assert "MAC" in assert_error(response, 401, "AuthenticationFailed")["message"]


def test_malformed_and_foreign_authorization_headers_are_401(api):
    for header in ("Hawk nonsense", "Basic dXNlcjpwYXNz", 'Hawk id="x"'):
        assert_error(
            api.call("GET", "auth", CURRENT, anonymous=True, headers={"Authorization": header}),
            401,
            "AuthenticationFailed",
        )


def test_ext_in_either_base64_alphabet(api):
    ext = {"authorizedScopes": ["auth:current-scopes", "c:d/e+f?>>>"]}
    assert encode_ext(ext, urlsafe=True) != encode_ext(ext, urlsafe=False)  # the alphabets differ here
    expected = with_anonymous("auth:current-scopes", "c:d/e+f?>>>")
    assert current_scopes(api, ext=ext, urlsafe_ext=True) == expected
    assert current_scopes(api, ext=ext, urlsafe_ext=False) == expected


def test_disabled_and_expired_clients_are_refused(api, tc):
    creds = tc.create_client("someone", ["auth:current-scopes"])
    assert current_scopes(api, credentials=creds) == with_anonymous("auth:current-scopes")
    assert api.call("POST", "auth", "/clients/someone/disable").status_code == 200
    assert (
        "disabled"
        in assert_error(api.call("GET", "auth", CURRENT, credentials=creds), 401, "AuthenticationFailed")["message"]
    )
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    old = tc.create_client("old", ["auth:current-scopes"], expires=long_ago)
    assert (
        "expired"
        in assert_error(api.call("GET", "auth", CURRENT, credentials=old), 401, "AuthenticationFailed")["message"]
    )


# -- authorizedScopes ---------------------------------------------------------------------------------------
def test_authorized_scopes_restrict(api, tc):
    creds = tc.create_client("restricted", ["queue:*", "auth:current-scopes"])
    got = current_scopes(api, credentials=creds, ext={"authorizedScopes": ["queue:get-task:x", "auth:current-scopes"]})
    assert got == with_anonymous("auth:current-scopes", "queue:get-task:x")


def test_authorized_scopes_beyond_the_client_are_401(api, tc):
    # upstream refuses this as an authentication failure: "ext.authorizedScopes oversteps your scopes"
    creds = tc.create_client("limited", ["queue:get-task:*", "auth:current-scopes"])
    response = api.call(
        "GET", "auth", CURRENT, credentials=creds, ext={"authorizedScopes": ["auth:current-scopes", "secrets:get:all"]}
    )
    body = assert_error(response, 401, "AuthenticationFailed")
    assert "authorizedScopes oversteps" in body["message"] and "secrets:get:all" in body["message"]


def test_empty_authorized_scopes_leave_no_scopes(api):
    assert_error(api.call("GET", "auth", CURRENT, ext={"authorizedScopes": []}), 403, "InsufficientScopes")


# -- bewits -------------------------------------------------------------------------------------------------
def test_bewit_accepted(api, anon):
    response = requests.get(api.signed_url("auth", CURRENT))
    assert response.status_code == 200 and response.json() == {"scopes": ["*"]}


def test_bewit_expired(api):
    response = requests.get(api.signed_url("auth", CURRENT, expires_in=-10))
    assert "expired" in assert_error(response, 401, "AuthenticationFailed")["message"]


def test_bewit_tampered(api):
    url = api.signed_url("auth", "/clients/some-client")
    response = requests.get(url.replace("some-client", "other-client"))
    assert_error(response, 401, "AuthenticationFailed")
    raw = url.split("bewit=")[1]
    decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    client_id, exp, mac, ext = decoded.split("\\")
    forged = "%s\\%d\\%s\\%s" % (client_id, int(exp) + 3600, mac, ext)
    forged_b64 = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    assert_error(requests.get(url.split("bewit=")[0] + "bewit=" + forged_b64), 401, "AuthenticationFailed")
    assert_error(requests.get(url.split("bewit=")[0] + "bewit=not*valid"), 401, "AuthenticationFailed")


def test_bewit_and_authorization_together_are_refused(api):
    url = api.signed_url("auth", CURRENT)
    header = api.header("GET", url)
    body = assert_error(requests.get(url, headers={"Authorization": header}), 401, "AuthenticationFailed")
    assert "two authentication schemes" in body["message"]


def test_bewit_with_temporary_credentials(api, tc):
    temp = make_certificate(tc.credentials["clientId"], tc.credentials["accessToken"], ["auth:current-scopes"])
    response = requests.get(api.signed_url("auth", CURRENT, credentials=temp))
    assert response.status_code == 200 and response.json() == {"scopes": with_anonymous("auth:current-scopes")}


# -- temporary credentials ----------------------------------------------------------------------------------
@pytest.mark.parametrize("as_string", [False, True])
def test_unnamed_temporary_credentials(api, tc, as_string):
    issuer = tc.create_client("issuer", ["auth:current-scopes", "queue:*"])
    temp = make_certificate("issuer", issuer["accessToken"], ["auth:current-scopes", "queue:get-task:*"])
    if as_string:
        temp["certificate"] = json.dumps(temp["certificate"])
    assert current_scopes(api, credentials=temp) == with_anonymous("auth:current-scopes", "queue:get-task:*")


def test_named_temporary_credentials(api, tc):
    issuer = tc.create_client("issuer", ["auth:current-scopes", "auth:create-client:named/*"])
    temp = make_certificate("issuer", issuer["accessToken"], ["auth:current-scopes"], name="named/one")
    assert temp["clientId"] == "named/one"
    response = api.call("GET", "auth", CURRENT, credentials=temp)
    assert response.status_code == 200, response.text


def test_named_credentials_need_create_client_scope(api, tc):
    issuer = tc.create_client("issuer", ["auth:current-scopes"])
    temp = make_certificate("issuer", issuer["accessToken"], ["auth:current-scopes"], name="named/two")
    body = assert_error(api.call("GET", "auth", CURRENT, credentials=temp), 401, "AuthenticationFailed")
    assert "auth:create-client:named/two" in body["message"]


def test_named_credentials_issuer_must_differ_from_name(api, tc):
    issuer = tc.create_client("issuer", ["*"])
    temp = make_certificate("issuer", issuer["accessToken"], ["auth:current-scopes"], name="issuer")
    body = assert_error(api.call("GET", "auth", CURRENT, credentials=temp), 401, "AuthenticationFailed")
    assert "must differ" in body["message"]


def test_unnamed_certificate_must_not_carry_client_id(api, tc):
    temp = make_certificate(tc.credentials["clientId"], tc.credentials["accessToken"], ["a"])
    temp["certificate"]["clientId"] = "sneaky"
    assert_error(api.call("GET", "auth", CURRENT, credentials=temp), 401, "AuthenticationFailed")


def test_expired_and_too_long_certificates(api, tc):
    now_ms = int(time.time() * 1000)
    root = tc.credentials
    expired = make_certificate(
        root["clientId"], root["accessToken"], ["a"], start_ms=now_ms - 7200000, expiry_ms=now_ms - 3600000
    )
    assert (
        "expiry"
        in assert_error(api.call("GET", "auth", CURRENT, credentials=expired), 401, "AuthenticationFailed")["message"]
    )
    future = make_certificate(
        root["clientId"], root["accessToken"], ["a"], start_ms=now_ms + 3600000, expiry_ms=now_ms + 7200000
    )
    assert_error(api.call("GET", "auth", CURRENT, credentials=future), 401, "AuthenticationFailed")
    too_long = make_certificate(
        root["clientId"], root["accessToken"], ["a"], start_ms=now_ms - 1000, expiry_ms=now_ms + 32 * 24 * 3600 * 1000
    )
    assert (
        "31 days"
        in assert_error(api.call("GET", "auth", CURRENT, credentials=too_long), 401, "AuthenticationFailed")["message"]
    )


def test_tampered_certificate_is_refused(api, tc):
    root = tc.credentials
    temp = make_certificate(root["clientId"], root["accessToken"], ["auth:current-scopes"])
    temp["certificate"]["scopes"] = ["*"]  # widen the scopes after signing
    body = assert_error(api.call("GET", "auth", CURRENT, credentials=temp), 401, "AuthenticationFailed")
    assert "signature" in body["message"]
    assert temp["certificate"]["signature"] not in json.dumps(body)
    bad_version = make_certificate(root["clientId"], root["accessToken"], ["a"])
    bad_version["certificate"]["version"] = 2
    assert_error(api.call("GET", "auth", CURRENT, credentials=bad_version), 401, "AuthenticationFailed")


def _signed_certificate(issuer_token, scopes, start, expiry, start_text, expiry_text):
    """An unnamed certificate whose start/expiry lines are signed as ``start_text``/``expiry_text``."""
    seed = slugid.nice() + slugid.nice()
    lines = ["version:1", "seed:" + seed, "start:" + start_text, "expiry:" + expiry_text, "scopes:"] + scopes
    signature = base64.b64encode(
        hmac.new(issuer_token.encode(), "\n".join(lines).encode(), hashlib.sha256).digest()
    ).decode()
    token = (
        base64.urlsafe_b64encode(hmac.new(issuer_token.encode(), seed.encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )
    cert = {"version": 1, "scopes": scopes, "start": start, "expiry": expiry, "seed": seed, "signature": signature}
    return cert, token


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("as_string", [False, True])
@pytest.mark.parametrize(
    "start, expiry",
    [
        (NAN, NAN),
        (NAN, "now+1h"),
        ("now", NAN),
        (-INF, INF),
        ("now", INF),
        (-INF, "now+1h"),
    ],
)
def test_certificates_with_nan_or_infinite_times_are_refused(api, tc, start, expiry, as_string):
    now_ms = int(time.time() * 1000)
    values = {"now": now_ms, "now+1h": now_ms + 3600000}
    start, expiry = values.get(start, start), values.get(expiry, expiry)
    # signed the way a lenient server would render the numbers ("nan", "inf"), so only validation refuses them
    cert, token = _signed_certificate(
        tc.credentials["accessToken"], ["auth:current-scopes"], start, expiry, str(start), str(expiry)
    )
    text = json.dumps(cert)  # json.dumps writes NaN / Infinity, which are not JSON
    assert "NaN" in text or "Infinity" in text
    creds = {"clientId": tc.credentials["clientId"], "accessToken": token, "certificate": text if as_string else cert}
    body = assert_error(api.call("GET", "auth", CURRENT, credentials=creds), 401, "AuthenticationFailed")
    assert "NaN" in body["message"] or "finite" in body["message"]


def test_certificate_times_must_be_finite_integers(api, tc):
    now_ms = int(time.time() * 1000)
    root_token = tc.credentials["accessToken"]
    for start, expiry, start_text, expiry_text in (
        (now_ms - 0.5, now_ms + 3600000, str(now_ms - 0.5), str(now_ms + 3600000)),  # a fraction
        (now_ms, 1e400, str(now_ms), "inf"),  # overflows to infinity when parsed
    ):
        cert, token = _signed_certificate(root_token, ["auth:current-scopes"], start, expiry, start_text, expiry_text)
        text = json.dumps(cert).replace("Infinity", "1e400")
        creds = {"clientId": tc.credentials["clientId"], "accessToken": token, "certificate": text}
        body = assert_error(api.call("GET", "auth", CURRENT, credentials=creds), 401, "AuthenticationFailed")
        assert "finite integer" in body["message"]
    # integer-valued numbers written as floats are still fine
    cert, token = _signed_certificate(
        root_token,
        ["auth:current-scopes"],
        float(now_ms - 60000),
        float(now_ms + 3600000),
        str(now_ms - 60000),
        str(now_ms + 3600000),
    )
    creds = {"clientId": tc.credentials["clientId"], "accessToken": token, "certificate": json.dumps(cert)}
    assert current_scopes(api, credentials=creds) == with_anonymous("auth:current-scopes")


@pytest.mark.parametrize("ext", [{"certificate": {}}, {"certificate": {}, "authorizedScopes": ["auth:current-scopes"]}])
def test_an_empty_certificate_is_refused_not_ignored(api, ext):
    body = assert_error(api.call("GET", "auth", CURRENT, ext=ext), 401, "AuthenticationFailed")
    assert "version must be 1" in body["message"]


def test_a_null_certificate_means_no_certificate(api):
    assert current_scopes(api, ext={"certificate": None}) == ["*"]


def test_certificate_cannot_grant_more_than_its_issuer(api, tc):
    issuer = tc.create_client("issuer", ["auth:current-scopes"])
    temp = make_certificate("issuer", issuer["accessToken"], ["auth:current-scopes", "queue:*"])
    assert_error(api.call("GET", "auth", CURRENT, credentials=temp), 401, "AuthenticationFailed")


def test_temporary_credentials_cannot_issue_temporary_credentials(api, tc):
    issuer = tc.create_client("issuer", ["*"])
    first = make_certificate("issuer", issuer["accessToken"], ["*"], name="first-temp")
    assert api.call("GET", "auth", CURRENT, credentials=first).status_code == 200
    # a second generation signed with the temporary accessToken, named or not, is refused
    named = make_certificate("first-temp", first["accessToken"], ["auth:current-scopes"], name="second")
    assert_error(api.call("GET", "auth", CURRENT, credentials=named), 401, "AuthenticationFailed")
    unnamed = make_certificate("first-temp", first["accessToken"], ["auth:current-scopes"])
    assert_error(api.call("GET", "auth", CURRENT, credentials=unnamed), 401, "AuthenticationFailed")


def test_authorized_scopes_with_temporary_credentials(api, tc):
    root = tc.credentials
    temp = make_certificate(root["clientId"], root["accessToken"], ["auth:current-scopes", "a:*"])
    got = current_scopes(api, credentials=temp, ext={"authorizedScopes": ["auth:current-scopes", "a:b"]})
    assert got == with_anonymous("a:b", "auth:current-scopes")
    assert_error(
        api.call("GET", "auth", CURRENT, credentials=temp, ext={"authorizedScopes": ["auth:current-scopes", "b"]}),
        401,
        "AuthenticationFailed",
    )


# -- roles and anonymous ------------------------------------------------------------------------------------
def test_role_expansion_with_star_role_ids(api, tc):
    for role_id, scopes in (
        ("project:team/*", ["auth:current-scopes", "secrets:get:team/<..>"]),
        ("project:*", ["index:find-task:shared.*"]),
    ):
        response = api.call(
            "PUT", "auth", "/roles/" + requests.utils.quote(role_id, safe=""), {"description": "d", "scopes": scopes}
        )
        assert response.status_code == 200, response.text
    creds = tc.create_client("member", ["assume:project:team/alpha"])
    assert current_scopes(api, credentials=creds) == [
        "assume:project:team/alpha",
        "auth:current-scopes",
        "index:find-task:shared.*",
        "queue:get-artifact:public/*",
        "secrets:get:team/alpha",
    ]
    expanded = api.call("POST", "auth", "/scopes/expand", {"scopes": ["assume:project:x"]}).json()["scopes"]
    assert expanded == ["assume:project:x", "index:find-task:shared.*"]


def test_anonymous_requests_get_the_anonymous_role(api, anon):
    assert_error(anon.call("GET", "auth", CURRENT), 403, "InsufficientScopes")
    api.call("POST", "auth", "/roles/anonymous", {"description": "d", "scopes": ["auth:current-scopes"]})
    assert anon.call("GET", "auth", CURRENT).json() == {"scopes": ["auth:current-scopes"]}


def test_test_authenticate_endpoints(tc):
    tester = Api(tc.rootUrl, {"clientId": "tester", "accessToken": "no-secret"})
    try:
        ok = tester.call("POST", "auth", "/test-authenticate", {"clientScopes": ["a:*"], "requiredScopes": ["a:b"]})
        assert ok.status_code == 200 and ok.json() == {"clientId": "tester", "scopes": with_anonymous("a:*")}
        denied = tester.call("POST", "auth", "/test-authenticate", {"clientScopes": ["a"], "requiredScopes": ["b"]})
        assert_error(denied, 403, "InsufficientScopes")
        assert tester.call("GET", "auth", "/test-authenticate-get/").json()["clientId"] == "tester"
        assert requests.get(tester.signed_url("auth", "/test-authenticate-get/")).status_code == 200
        temp = make_certificate("tester", "no-secret", ["test:authenticate-get"], name="test:named")
        got = requests.get(tester.signed_url("auth", "/test-authenticate-get/", credentials=temp))
        assert got.status_code == 200
        assert got.json() == {"clientId": "test:named", "scopes": with_anonymous("test:authenticate-get")}
        restricted = make_certificate("tester", "no-secret", ["test:other"])
        assert_error(
            requests.get(tester.signed_url("auth", "/test-authenticate-get/", credentials=restricted)),
            403,
            "InsufficientScopes",
        )
    finally:
        tester.close()


def test_nothing_secret_reaches_the_logs(api, tc, caplog):
    caplog.set_level(logging.DEBUG)
    url = api.url("auth", CURRENT)
    header = api.header("GET", url)
    assert requests.get(url, headers={"Authorization": header}).status_code == 200
    bad = api.header("GET", url, credentials={"clientId": tc.credentials["clientId"], "accessToken": "wrong"})
    assert requests.get(url, headers={"Authorization": bad}).status_code == 401
    signed = api.signed_url("auth", CURRENT)
    assert requests.get(signed).status_code == 200
    server_side = [r for r in caplog.records if r.name.split(".")[0] in ("taskcluster", "mohawk", "aiohttp")]
    assert server_side  # the server did log (at DEBUG) ...
    text = "\n".join(r.getMessage() for r in server_side)  # ... but nothing secret
    mac = header.split('mac="')[1].split('"')[0]
    for secret in (tc.credentials["accessToken"], mac, signed.split("bewit=")[1], "Hawk "):
        assert secret not in text
