"""Root URLs, API locations and route templates (taskcluster._urls)."""

import re
import string
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcluster._options import parse_options
from taskcluster._urls import LEGACY_ROOT_URL, CompiledRoute, api_location, escape_route_value

UNRESERVED = string.ascii_letters + string.digits + "_.-~"

# -- escape_route_value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("abc", "abc"),
        ("", ""),
        (UNRESERVED, UNRESERVED),
        ("public/logs/live.log", "public%2Flogs%2Flive.log"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("!*'()", "%21%2A%27%28%29"),
        ("?#&=%", "%3F%23%26%3D%25"),
        (":@;,$", "%3A%40%3B%2C%24"),
        ("\u00e9", "%C3%A9"),
        ("\u2603", "%E2%98%83"),
        ("..", ".."),
        ("\n", "%0A"),
    ],
)
def test_escape_route_value(value, expected):
    assert escape_route_value(value) == expected


@pytest.mark.parametrize("char", sorted(set(map(chr, range(128))) - set(UNRESERVED)))
def test_every_other_ascii_character_is_escaped(char):
    assert escape_route_value(char) == f"%{ord(char):02X}"


@given(st.text())
def test_escape_round_trips_and_keeps_only_safe_characters(value):
    escaped = escape_route_value(value)
    assert unquote(escaped) == value
    assert re.fullmatch(r"[A-Za-z0-9_.~%-]*", escaped)
    assert "/" not in escaped


# -- CompiledRoute -------------------------------------------------------------------------------


def test_route_params_in_order():
    route = CompiledRoute("/task/<taskId>/runs/<runId>/artifacts/<name>")
    assert route.params == ("taskId", "runId", "name")
    assert route.template == "/task/<taskId>/runs/<runId>/artifacts/<name>"


@pytest.mark.parametrize(
    "template, values, expected",
    [
        ("/ping", [], "/ping"),
        ("/task/<taskId>", ["abc"], "/task/abc"),
        (
            "/task/<taskId>/runs/<runId>/artifacts/<name>",
            ["T", "0", "public/a b"],
            "/task/T/runs/0/artifacts/public%2Fa%20b",
        ),
        ("/task/<taskId>/", ["abc"], "/task/abc"),  # trailing slash removed
        ("task/<taskId>", ["abc"], "/task/abc"),  # leading slash ensured
        ("/<a><b>", ["x", "y"], "/xy"),  # adjacent parameters
        ("/<a>", ["a/"], "/a%2F"),  # an escaped slash at the end is not stripped
        ("/", [], ""),
        ("/secret/<name>", ["garbage/foo%2Fbar"], "/secret/garbage%2Ffoo%252Fbar"),
    ],
)
def test_route_expand(template, values, expected):
    assert CompiledRoute(template).expand(values) == expected


def test_route_expand_drops_the_templates_trailing_slash_and_keeps_literal_percent_signs():
    # (empty values never reach a route: the call is refused first, see test_public_surface)
    assert CompiledRoute("/task/<taskId>/").expand(["T"]) == "/task/T"
    assert CompiledRoute("/100%/<x>").expand(["a b"]) == "/100%/a%20b"
    assert CompiledRoute("/").expand([]) == ""


def test_route_compiled_once_expands_many_times():
    route = CompiledRoute("/task/<taskId>")
    assert [route.expand([v]) for v in ("a", "b/c", "d")] == ["/task/a", "/task/b%2Fc", "/task/d"]


# -- api_location --------------------------------------------------------------------------------


def test_api_location_normal_root():
    loc = api_location("https://tc.example.com", "queue", "v1")
    assert loc.base_url == "https://tc.example.com/api/queue/v1"
    assert (loc.host, loc.port, loc.base_path) == ("tc.example.com", 443, "/api/queue/v1")


def test_api_location_service_with_dash():
    loc = api_location("https://tc.example.com", "purge-cache", "v1")
    assert loc.base_url == "https://tc.example.com/api/purge-cache/v1"


def test_api_location_root_with_path_prefix():
    loc = api_location("https://example.com/taskcluster", "queue", "v1")
    assert loc.base_url == "https://example.com/taskcluster/api/queue/v1"
    assert (loc.host, loc.port, loc.base_path) == ("example.com", 443, "/taskcluster/api/queue/v1")


def test_api_location_http_default_port_and_explicit_port():
    loc = api_location("http://tc.example.com", "auth", "v1")
    assert (loc.host, loc.port, loc.base_path) == ("tc.example.com", 80, "/api/auth/v1")
    loc = api_location("http://127.0.0.1:8080", "auth", "v1")
    assert loc.base_url == "http://127.0.0.1:8080/api/auth/v1"
    assert (loc.host, loc.port) == ("127.0.0.1", 8080)
    loc = api_location("https://tc.example.com:8443", "auth", "v1")
    assert loc.port == 8443


def test_api_location_legacy_root():
    assert LEGACY_ROOT_URL == "https://taskcluster.net"
    loc = api_location("https://taskcluster.net", "queue", "v1")
    assert loc.base_url == "https://queue.taskcluster.net/v1"
    assert (loc.host, loc.port, loc.base_path) == ("queue.taskcluster.net", 443, "/v1")
    loc = api_location("https://taskcluster.net", "purge-cache", "v1")
    assert loc.base_url == "https://purge-cache.taskcluster.net/v1"


def test_api_location_legacy_root_with_trailing_slash_after_parse_options():
    root = parse_options({"rootUrl": "https://taskcluster.net/"}).root_url
    assert api_location(root, "queue", "v1").base_url == "https://queue.taskcluster.net/v1"


def test_api_location_other_taskcluster_net_hosts_are_not_legacy():
    loc = api_location("https://community-tc.services.mozilla.com", "queue", "v1")
    assert loc.base_url == "https://community-tc.services.mozilla.com/api/queue/v1"
    loc = api_location("http://taskcluster.net", "queue", "v1")
    assert loc.base_url == "http://taskcluster.net/api/queue/v1"


def test_full_url_of_a_call():
    loc = api_location("https://tc.example.com", "queue", "v1")
    path = CompiledRoute("/task/<taskId>/artifacts/<name>").expand(["T", "public/x.log"])
    assert loc.base_url + path == "https://tc.example.com/api/queue/v1/task/T/artifacts/public%2Fx.log"
