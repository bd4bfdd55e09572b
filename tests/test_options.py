"""Client options (taskcluster._options): merging, validation, credentials and certificates."""

import copy
import json

import pytest

from taskcluster._options import DEFAULT_CONFIG, merge_options, parse_credentials, parse_options
from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterFailure

ROOT = "https://tc.example.com"
TOKEN = "s3cr3t-Acc3ss-T0ken-value"
SIGNATURE = "SiGnAtUrE+/sEcReT+vAlUe="
CERTIFICATE = {
    "version": 1,
    "scopes": ["queue:create-task:*"],
    "start": 1600000000000,
    "expiry": 1600003600000,
    "seed": "s33d-s33d-s33d-s33d-s33d-s33d-s33d-s33d-s33d-s33d-s33d",
    "signature": SIGNATURE,
}


def parse(**options):
    return parse_options(merge_options({}, DEFAULT_CONFIG, dict(rootUrl=ROOT, **options)))


# -- merge_options -------------------------------------------------------------------------------


def test_merge_order_class_then_defaults_then_user():
    class_options = {"exchangePrefix": "exchange/class/", "a": "class", "b": "class", "c": "class"}
    defaults = {"b": "default", "c": "default"}
    user = {"c": "user"}
    merged = merge_options(class_options, defaults, user)
    assert merged == {"exchangePrefix": "exchange/class/", "a": "class", "b": "default", "c": "user"}


def test_merge_never_mutates_inputs():
    class_options = {"exchangePrefix": "exchange/x/"}
    defaults = copy.deepcopy(DEFAULT_CONFIG)
    user = {"rootUrl": ROOT, "credentials": {"clientId": "c", "accessToken": TOKEN, "expires": "2030"}, "x": [1]}
    snapshots = [copy.deepcopy(d) for d in (class_options, defaults, user)]
    merged = merge_options(class_options, defaults, user)
    # the result and its credentials are new dicts: changing them changes no input
    merged["credentials"]["clientId"] = "changed"
    merged["credentials"]["new"] = 1
    merged["exchangePrefix"] = "other"
    merged["rootUrl"] = "http://elsewhere"
    parse_options(merged)
    assert [class_options, defaults, user] == snapshots
    assert merged["credentials"] is not user["credentials"]


def test_unknown_values_are_kept_as_given_even_when_they_cannot_be_copied():
    import threading

    lock = threading.Lock()
    merged = merge_options(
        {},
        DEFAULT_CONFIG,
        {"rootUrl": ROOT, "lock": lock, "credentials": {"clientId": "c", "accessToken": TOKEN, "x": lock}},
    )
    assert merged["lock"] is lock and merged["credentials"]["x"] is lock
    parse_options(merged)


def test_options_repr_hides_secrets():
    merged = merge_options(
        {},
        DEFAULT_CONFIG,
        {
            "rootUrl": ROOT,
            "credentials": {"clientId": "c", "accessToken": TOKEN, "certificate": '{"signature": "SIG"}'},
        },
    )
    assert TOKEN not in repr(merged) and "SIG" not in repr(merged) and "'clientId': 'c'" in repr(merged)
    assert merged["credentials"]["accessToken"] == TOKEN


def test_merge_and_parse_do_not_mutate_module_defaults():
    before = copy.deepcopy(DEFAULT_CONFIG)
    merged = merge_options({}, DEFAULT_CONFIG, {"rootUrl": ROOT, "credentials": {"clientId": "c", "accessToken": "t"}})
    merged["credentials"]["clientId"] = "x"
    parse_options(merged)
    assert DEFAULT_CONFIG == before


def test_parse_does_not_mutate_credentials_dict():
    credentials = {"clientId": "c", "accessToken": TOKEN, "certificate": json.dumps(CERTIFICATE)}
    snapshot = copy.deepcopy(credentials)
    parse_options({"rootUrl": ROOT, "credentials": credentials})
    assert credentials == snapshot
    assert isinstance(credentials["accessToken"], str)


def test_merge_none_options_gives_defaults():
    assert merge_options({}, DEFAULT_CONFIG, None) == DEFAULT_CONFIG


@pytest.mark.parametrize("bad", ["https://x", ["rootUrl"], 5])
def test_merge_rejects_non_dict_options(bad):
    with pytest.raises(TaskclusterFailure):
        merge_options({}, DEFAULT_CONFIG, bad)


def test_defaults():
    opts = parse()
    assert opts.max_retries == 5
    assert opts.signed_url_expiration == 900
    assert opts.credentials is None
    assert opts.authorized_scopes is None
    connect, read = opts.timeout
    assert connect > 0 and read > 0


# -- rootUrl / baseUrl ---------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [{}, {"rootUrl": None}, {"rootUrl": ""}])
def test_root_url_required(missing):
    with pytest.raises(TaskclusterFailure) as info:
        parse_options(merge_options({}, DEFAULT_CONFIG, missing))
    assert "rootUrl" in str(info.value)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("https://tc.example.com/", "https://tc.example.com"),
        ("https://tc.example.com", "https://tc.example.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("https://taskcluster.net/", "https://taskcluster.net"),
    ],
)
def test_root_url_trailing_slash_stripped(given, expected):
    assert parse_options({"rootUrl": given}).root_url == expected


@pytest.mark.parametrize("bad", ["tc.example.com", "ftp://tc.example.com", "//tc.example.com", "file:///x"])
def test_root_url_must_be_http(bad):
    with pytest.raises(TaskclusterFailure) as info:
        parse_options({"rootUrl": bad})
    assert "rootUrl" in str(info.value)


def test_root_url_wrong_type():
    with pytest.raises(TaskclusterFailure) as info:
        parse_options({"rootUrl": b"https://tc.example.com"})
    assert "rootUrl" in str(info.value)


def test_base_url_refused_mentioning_root_url():
    with pytest.raises(TaskclusterFailure) as info:
        parse_options({"rootUrl": ROOT, "baseUrl": "https://queue.taskcluster.net/v1"})
    assert "baseUrl" in str(info.value)
    assert "rootUrl" in str(info.value)
    with pytest.raises(TaskclusterFailure):
        parse_options({"baseUrl": "https://queue.taskcluster.net/v1"})


# -- typed options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("maxRetries", "3"),
        ("maxRetries", True),
        ("maxRetries", False),
        ("maxRetries", -1),
        ("maxRetries", 2.5),
        ("signedUrlExpiration", "900"),
        ("signedUrlExpiration", True),
        ("timeout", "30"),
        ("timeout", True),
        ("timeout", -1),
        ("connectTimeout", "10"),
        ("authorizedScopes", "queue:create-task:*"),
        ("authorizedScopes", b"queue:*"),
        ("authorizedScopes", {"queue:*": True}),
        ("authorizedScopes", ["queue:*", 5]),
        ("authorizedScopes", ["queue:*", None]),
        ("exchangePrefix", 5),
    ],
)
def test_wrong_type_names_the_option(name, value):
    with pytest.raises(TaskclusterFailure) as info:
        parse(**{name: value})
    assert name in str(info.value)


def test_valid_typed_options():
    opts = parse(maxRetries=0, signedUrlExpiration=60.5, timeout=7, connectTimeout=2.5, authorizedScopes=["a", "b"])
    assert opts.max_retries == 0
    assert opts.signed_url_expiration == 60.5
    assert opts.timeout == (2.5, 7.0)
    assert opts.authorized_scopes == ("a", "b")


def test_empty_authorized_scopes_kept():
    assert parse(authorizedScopes=[]).authorized_scopes == ()
    assert parse(authorizedScopes=("x",)).authorized_scopes == ("x",)


@pytest.mark.parametrize("name", ["timeout", "connectTimeout"])
def test_zero_timeout_refused(name):
    with pytest.raises(TaskclusterFailure):
        parse(**{name: 0})


def test_unknown_option_keys_accepted():
    opts = parse(someFutureOption={"x": 1}, randomizationFactor=0.5, retries=3)
    assert opts.root_url == ROOT


# -- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_id, token",
    [("my-client", TOKEN), (b"my-client", TOKEN.encode()), ("my-client", TOKEN.encode()), (b"my-client", TOKEN)],
)
def test_credentials_str_and_bytes(client_id, token):
    creds = parse_credentials({"clientId": client_id, "accessToken": token})
    assert creds.clientId == "my-client"
    assert creds.accessToken == TOKEN
    assert creds.certificate is None


def test_extra_keys_in_credentials_accepted():
    creds = parse_credentials({"clientId": "c", "accessToken": TOKEN, "expires": "2030-01-01T00:00:00Z", "x": 1})
    assert (creds.clientId, creds.accessToken) == ("c", TOKEN)


@pytest.mark.parametrize(
    "credentials",
    [
        None,
        {},
        {"clientId": "only-client"},
        {"accessToken": TOKEN},
        {"clientId": "c", "accessToken": ""},
        {"clientId": "c", "accessToken": None},
        {"clientId": "", "accessToken": TOKEN},
        {"clientId": None, "accessToken": None, "certificate": None},
        {"clientId": "c", "accessToken": b""},
    ],
)
def test_placeholder_credentials_do_not_sign(credentials):
    assert parse_credentials(credentials) is None
    assert parse(credentials=credentials).credentials is None


@pytest.mark.parametrize("field", ["clientId", "accessToken"])
@pytest.mark.parametrize("value", ["t\u00f6k\u00e9n-s3cr3t", "t\u00f6k\u00e9n-s3cr3t".encode()])
def test_non_ascii_credentials_refused_without_the_value(field, value):
    credentials = {"clientId": "c", "accessToken": TOKEN}
    credentials[field] = value
    with pytest.raises(TaskclusterAuthFailure) as info:
        parse_credentials(credentials)
    message = str(info.value)
    assert field in message
    assert "s3cr3t" not in message
    assert TOKEN not in message
    assert "s3cr3t" not in repr(info.value)


@pytest.mark.parametrize("value", [5, ["x"], {"a": 1}])
def test_non_text_token_refused_without_the_value(value):
    with pytest.raises(TaskclusterAuthFailure) as info:
        parse_credentials({"clientId": "c", "accessToken": value})
    assert "accessToken" in str(info.value)


@pytest.mark.parametrize("bad", ["c:" + TOKEN, ("c", TOKEN), 5])
def test_credentials_must_be_a_dict(bad):
    with pytest.raises(TaskclusterAuthFailure) as info:
        parse_credentials(bad)
    assert TOKEN not in str(info.value)


# -- certificates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "certificate",
    [CERTIFICATE, json.dumps(CERTIFICATE), json.dumps(CERTIFICATE).encode(), json.dumps(CERTIFICATE, indent=2)],
)
def test_certificate_forms(certificate):
    creds = parse_credentials({"clientId": "c", "accessToken": TOKEN, "certificate": certificate})
    assert creds.certificate == CERTIFICATE


@pytest.mark.parametrize("empty", [None, "", b""])
def test_empty_certificate_is_no_certificate(empty):
    creds = parse_credentials({"clientId": "c", "accessToken": TOKEN, "certificate": empty})
    assert creds.certificate is None


@pytest.mark.parametrize(
    "certificate",
    [
        json.dumps(CERTIFICATE)[:-1],  # truncated JSON that contains the signature
        f"{{'signature': '{SIGNATURE}'}}",  # Python repr, not JSON
        json.dumps([CERTIFICATE]),  # not an object
        json.dumps(SIGNATURE),
        [CERTIFICATE],
        5,
    ]
    + [{k: v for k, v in CERTIFICATE.items() if k != missing} for missing in CERTIFICATE if missing != "signature"]
    + [json.dumps({k: v for k, v in CERTIFICATE.items() if k != "seed"})],
)
def test_bad_certificate_refused_without_the_signature(certificate):
    with pytest.raises(TaskclusterAuthFailure) as info:
        parse_credentials({"clientId": "c", "accessToken": TOKEN, "certificate": certificate})
    message = str(info.value)
    assert "certificate" in message
    assert SIGNATURE not in message
    assert TOKEN not in message


def test_certificate_missing_signature_names_the_field():
    certificate = {k: v for k, v in CERTIFICATE.items() if k != "signature"}
    with pytest.raises(TaskclusterAuthFailure) as info:
        parse_credentials({"clientId": "c", "accessToken": TOKEN, "certificate": certificate})
    assert "signature" in str(info.value)


# -- reprs hide secrets ---------------------------------------------------------------------------


def test_reprs_never_contain_secrets():
    opts = parse(credentials={"clientId": "my-client", "accessToken": TOKEN, "certificate": json.dumps(CERTIFICATE)})
    for text in (repr(opts), str(opts), repr(opts.credentials), str(opts.credentials)):
        assert TOKEN not in text
        assert SIGNATURE not in text
    assert "my-client" in repr(opts.credentials)
    assert ROOT in repr(opts)


def test_permanent_credentials_repr_hides_token():
    creds = parse_credentials({"clientId": "my-client", "accessToken": TOKEN})
    assert TOKEN not in repr(creds)
    assert "my-client" in repr(creds)
