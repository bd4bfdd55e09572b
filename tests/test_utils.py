"""Tests of taskcluster.utils: known answers plus hypothesis properties."""

import json
import os
import re
import string
import subprocess
import sys
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from taskcluster import utils
from taskcluster.exceptions import TaskclusterFailure

BASE = datetime(2020, 3, 4, 5, 6, 7, 890123)
DAY = timedelta(days=1)

# -- fromNow: known answers ---------------------------------------------------------------------

SPELLINGS = {
    "years": ["years", "year", "yr", "y"],
    "months": ["months", "month", "mo"],
    "weeks": ["weeks", "week", "wk", "w"],
    "days": ["days", "day", "d"],
    "hours": ["hours", "hour", "hr", "h"],
    "minutes": ["minutes", "minute", "min", "m"],
    "seconds": ["seconds", "second", "sec", "s"],
}
ONE = {
    "years": timedelta(days=365),
    "months": timedelta(days=30),
    "weeks": timedelta(days=7),
    "days": timedelta(days=1),
    "hours": timedelta(hours=1),
    "minutes": timedelta(minutes=1),
    "seconds": timedelta(seconds=1),
}
UNIT_ORDER = list(SPELLINGS)


@pytest.mark.parametrize(
    "unit,spelling", [(unit, spelling) for unit, spellings in SPELLINGS.items() for spelling in spellings]
)
def test_fromNow_every_shorthand(unit, spelling):
    assert utils.fromNow("3 " + spelling, BASE) - BASE == 3 * ONE[unit]
    assert utils.fromNow("3" + spelling, BASE) - BASE == 3 * ONE[unit]
    assert utils.fromNow("3" + spelling.upper(), BASE) - BASE == 3 * ONE[unit]


@pytest.mark.parametrize(
    "offset,expected",
    [
        ("", timedelta(0)),
        ("   ", timedelta(0)),
        ("0 days", timedelta(0)),
        ("1 Hour", timedelta(hours=1)),
        ("1 HOUR", timedelta(hours=1)),
        ("1yr", timedelta(days=365)),
        ("2hr", timedelta(hours=2)),
        ("1 wk", timedelta(weeks=1)),
        ("2 Days 3 HoUrS", timedelta(days=2, hours=3)),
        ("1d2h3min", timedelta(days=1, hours=2, minutes=3)),
        ("1d2h3m", timedelta(days=1, hours=2, minutes=3)),
        ("1mo", timedelta(days=30)),
        ("1 MO", timedelta(days=30)),
        ("1 m 1 s", timedelta(minutes=1, seconds=1)),
        ("2 days 3 hours 1 minute", timedelta(days=2, hours=3, minutes=1)),
        ("+2 days", timedelta(days=2)),
        ("+ 2 days", timedelta(days=2)),
        ("  +2d  ", timedelta(days=2)),
        ("-2 days", -timedelta(days=2)),
        ("  - 2 days", -timedelta(days=2)),
        ("-1d2h", -timedelta(days=1, hours=2)),
        ("- 1 year 2 months 3 weeks 5 seconds", -timedelta(days=365 + 2 * 30 + 3 * 7, seconds=5)),
        ("\t1\nday\r\n 2 h ", timedelta(days=1, hours=2)),
        ("1 0 d a y s", timedelta(days=10)),  # whitespace is ignored anywhere, even inside words
        ("1 y 1 mo 1 w 1 d 1 h 1 min 1 s", timedelta(days=365 + 30 + 7 + 1, hours=1, minutes=1, seconds=1)),
        ("100 seconds", timedelta(seconds=100)),
        ("25 hours", timedelta(hours=25)),
        ("007 days", timedelta(days=7)),
        ("-", timedelta(0)),
        ("+", timedelta(0)),
    ],
)
def test_fromNow_known_answers(offset, expected):
    assert utils.fromNow(offset, BASE) - BASE == expected
    assert utils.fromNow(offset, dateObj=BASE) - BASE == expected


def test_fromNow_readme_chaining():
    first = utils.fromNow("2 days 3 hours", BASE)
    assert utils.fromNow("1 year", first) == BASE + timedelta(days=367, hours=3)
    assert utils.fromNow("1 year", dateObj=first) == BASE + timedelta(days=367, hours=3)


def test_fromNow_default_base_is_aware_utc_now():
    before = datetime.now(timezone.utc)
    result = utils.fromNow("")
    after = datetime.now(timezone.utc)
    assert result.utcoffset() == timedelta(0)
    assert before <= result <= after
    later = utils.fromNow("1 day")
    assert later.tzinfo is timezone.utc
    assert before + DAY <= later <= datetime.now(timezone.utc) + DAY
    assert utils.fromNowJSON("1 day").endswith("Z")


def test_fromNow_keeps_the_base_tzinfo():
    aware = BASE.replace(tzinfo=timezone(timedelta(hours=2)))
    result = utils.fromNow("1 hour", aware)
    assert result.tzinfo is aware.tzinfo
    assert result == aware + timedelta(hours=1)
    assert utils.fromNow("1 hour", BASE).tzinfo is None


@pytest.mark.parametrize(
    "offset",
    [
        "2 fortnights",
        "1 day 2 years",  # wrong order
        "1 hour 1 hour",  # unit twice
        "3 hours 1 day",
        "day",
        "1",
        "1 d 2",
        "1.5 days",
        "1 ms",
        "--1 day",
        "+-1 day",
        "-+1 day",
        "1 day -2 hours",
        "abc",
        "1 ſ",  # long s: not an ASCII 's' even though it case-folds to one
        "\u0663 days",  # Arabic-Indic digit three
    ],
)
def test_fromNow_rejects_bad_offsets_with_a_helpful_message(offset):
    with pytest.raises(ValueError) as info:
        utils.fromNow(offset, BASE)
    message = str(info.value)
    assert f'"{offset}"' in message
    assert 'expected an offset like "1 day 3 hours"' in message
    assert "years, months, weeks, days, hours, minutes, seconds" in message


def test_fromNow_error_message_exact():
    with pytest.raises(ValueError) as info:
        utils.fromNow("2 fortnights")
    assert str(info.value) == (
        'invalid offset "2 fortnights": expected an offset like "1 day 3 hours" using years, months, '
        "weeks, days, hours, minutes, seconds (in that order, each at most once), optionally preceded "
        'by "-" for the past'
    )


@pytest.mark.parametrize("offset", [None, 5, 1.5, b"1 day", ["1 day"]])
def test_fromNow_rejects_non_str_offsets(offset):
    with pytest.raises(TypeError, match=rf"offset must be a str .* not {type(offset).__name__}"):
        utils.fromNow(offset, BASE)


@pytest.mark.parametrize("base", ["2020-01-01", date(2020, 1, 1), 0])
def test_fromNow_rejects_non_datetime_bases(base):
    with pytest.raises(TypeError, match="dateObj must be a datetime.datetime"):
        utils.fromNow("1 day", base)


def test_fromNow_out_of_range():
    with pytest.raises(OverflowError, match='"9000 years"'):
        utils.fromNow("9000 years", BASE)


# -- fromNow: properties ------------------------------------------------------------------------

COUNT_LIMITS = {
    "years": 500,
    "months": 1000,
    "weeks": 10_000,
    "days": 100_000,
    "hours": 10**6,
    "minutes": 10**7,
    "seconds": 10**8,
}


@st.composite
def offsets(draw):
    """An offset string built from random counts, spellings, letter cases and whitespace, and its delta."""
    parts = []
    expected = timedelta(0)
    for unit in UNIT_ORDER:
        if not draw(st.booleans()):
            continue
        count = draw(st.integers(min_value=0, max_value=COUNT_LIMITS[unit]))
        spelling = draw(st.sampled_from(SPELLINGS[unit]))
        spelling = "".join(c.upper() if draw(st.booleans()) else c for c in spelling)
        parts.append(f"{count}{spelling}")
        expected += count * ONE[unit]
    compact = "".join(parts)
    # Whitespace may go anywhere, including inside numbers and unit names.
    whitespace = st.text(alphabet=" \t\n", max_size=3)
    text = draw(whitespace) + "".join(c + draw(whitespace) for c in compact)
    return text, expected


bases = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1))


@settings(max_examples=300)
@given(offsets(), bases, st.sampled_from(["", "+", " + "]))
def test_fromNow_property_future(offset_and_delta, base, prefix):
    offset, expected = offset_and_delta
    assert utils.fromNow(prefix + offset, base) - base == expected


@settings(max_examples=300)
@given(offsets(), bases, st.sampled_from(["-", " -", "- ", "\t-\n"]))
def test_fromNow_property_past(offset_and_delta, base, prefix):
    offset, expected = offset_and_delta
    assert utils.fromNow(prefix + offset, base) - base == -expected


@given(st.text(max_size=20))
def test_fromNow_either_parses_or_raises_ValueError(offset):
    try:
        result = utils.fromNow(offset, BASE)
    except ValueError as e:
        assert f'invalid offset "{offset}"' in str(e)
    else:
        assert isinstance(result, datetime)


def test_fromNowJSON():
    text = utils.fromNowJSON("1 day")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", text)
    parsed = datetime.fromisoformat(text[:-1])
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs(parsed - (now + DAY)) < timedelta(seconds=5)
    assert utils.fromNowJSON("-1 day") < utils.fromNowJSON("") < text


# -- stringDate / dumpJson ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (datetime(2020, 1, 1), "2020-01-01T00:00:00Z"),
        (datetime(2020, 1, 1, 0, 0, 0, 5000), "2020-01-01T00:00:00.005000Z"),
        (datetime(2020, 1, 1, tzinfo=timezone.utc), "2020-01-01T00:00:00Z"),
        (datetime(2020, 1, 1, 12, 30, tzinfo=timezone(timedelta(0))), "2020-01-01T12:30:00Z"),
        (datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2))), "2020-01-01T00:00:00+02:00"),
        (
            datetime(2020, 1, 1, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2020-01-01T01:02:03.000004-05:30",
        ),
        (date(2020, 1, 2), "2020-01-02"),
    ],
)
def test_stringDate(value, expected):
    assert utils.stringDate(value) == expected


@pytest.mark.parametrize("value", ["2020-01-01", 0, None, 1.5])
def test_stringDate_rejects_other_types(value):
    expected = f"stringDate.. needs a datetime.datetime or datetime.date, not {type(value).__name__}"
    with pytest.raises(TypeError, match=expected):
        utils.stringDate(value)


def test_dumpJson_is_compact_and_handles_dates_and_bytes():
    obj = {
        "created": datetime(2020, 1, 1, 1, 2, 3),
        "deadline": datetime(2020, 1, 1, tzinfo=timezone.utc),
        "day": date(2020, 5, 6),
        "blob": b"h\xc3\xa9llo",
        "nested": [{"at": datetime(2021, 2, 3, 4, 5, 6, 7)}, (1, 2.5, None, True)],
        "text": "x y",
    }
    text = utils.dumpJson(obj)
    assert text == (
        '{"created":"2020-01-01T01:02:03Z","deadline":"2020-01-01T00:00:00Z","day":"2020-05-06",'
        '"blob":"h\\u00e9llo","nested":[{"at":"2021-02-03T04:05:06.000007Z"},[1,2.5,null,true]],"text":"x y"}'
    )
    assert json.loads(text)["blob"] == "héllo"


def test_dumpJson_passes_keyword_arguments():
    assert utils.dumpJson({"b": 1, "a": [1]}, sort_keys=True) == '{"a":[1],"b":1}'
    assert utils.dumpJson({"a": 1}, separators=(", ", ": ")) == '{"a": 1}'
    assert utils.dumpJson({"a": [1]}, indent=1) == '{\n "a":[\n  1\n ]\n}'


def test_dumpJson_user_default_handles_the_rest():
    result = utils.dumpJson({"s": {3}, "d": datetime(2020, 1, 1)}, default=sorted)
    assert result == '{"s":[3],"d":"2020-01-01T00:00:00Z"}'


class Opaque:
    pass


@pytest.mark.parametrize("value", [Opaque(), {1, 2}, object()])
def test_dumpJson_rejects_unserializable_values_naming_the_type(value):
    with pytest.raises(TypeError, match=re.escape(type(value).__qualname__)):
        utils.dumpJson({"x": [value]})


# -- slugId -------------------------------------------------------------------------------------

SLUG_RE = re.compile(r"[A-Za-f][A-Za-z0-9_-]{7}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]")


def test_slugId_shape():
    seen = set()
    for _ in range(200):
        slug = utils.slugId()
        assert type(slug) is str
        assert len(slug) == 22
        assert set(slug) <= set(string.ascii_letters + string.digits + "-_")
        assert SLUG_RE.fullmatch(slug), slug
        seen.add(slug)
    assert len(seen) == 200


def test_stableSlugId_caches_per_closure():
    first = utils.stableSlugId()
    second = utils.stableSlugId()
    a = first("a")
    assert type(a) is str and SLUG_RE.fullmatch(a)
    assert first("a") == a
    assert first("b") != a
    assert first("b") == first("b")
    assert second("a") != a
    assert second("a") == second("a")


def test_import_is_cheap():
    code = (
        "import sys, taskcluster.utils; "
        "print(sorted(m for m in ('slugid', 'uuid', 'requests', 'aiohttp') if m in sys.modules))"
    )
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(utils.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_parent, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"


# -- scopeMatch ---------------------------------------------------------------------------------

README_SETS = [["scopeA", "scopeB"], ["scopeC:*"]]


@pytest.mark.parametrize(
    "assumed,required,expected",
    [
        # The README's example, corrected: a `*` only expands in an assumed scope.
        (["scopeA", "scopeB"], README_SETS, True),
        (["scopeC:xyz"], README_SETS, False),
        (["scopeC:*"], README_SETS, True),
        (["scopeA"], README_SETS, False),
        (["scopeC"], README_SETS, False),
        (["scopeC:*"], [["scopeC:xyz"]], True),
        (["scopeC:*"], [["scopeC:"]], True),
        (["scopeC:*"], [["scopeC"]], False),
        (["scopeC*"], [["scopeC"]], True),
        (["*"], [["anything"], ["else"]], True),
        (["*"], [[""]], True),
        ([""], [[""]], True),
        ([], [[""]], False),
        (["a*b"], [["a*b"]], True),
        (["a*b"], [["axb"]], False),
        (["a**"], [["a*x"]], True),
        (["a**"], [["ax"]], False),
        (["scopeA"], [[]], True),
        ([], [[]], True),
        (["scopeA"], [], False),
        ([], [], False),
        (["a", "b"], [["a", "c"], ["b"]], True),
        (["a", "b"], [["a", "c"], ["c"]], False),
        (["a", "b"], [["a", "b", "a"]], True),
        (["queue:create-task:*"], [["queue:create-task:highest:proj/worker"]], True),
        (["queue:create-task:low*"], [["queue:create-task:lowest:x", "queue:create-task:low"]], True),
        (["Scope"], [["scope"]], False),
        (("a",), (("a",),), True),
        ({"a", "b*"}, [["a", "bc"]], True),
        (frozenset(["a"]), [["a"]], True),
    ],
)
def test_scopeMatch_table(assumed, required, expected):
    assert utils.scopeMatch(assumed, required) is expected


def test_scope_match_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="scopeMatch"):
        assert utils.scope_match(["a*"], [["ab"]]) is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert utils.scope_match(["a"], [["b"]]) is False


@pytest.mark.parametrize(
    "assumed,required,fragment",
    [
        ([None], [["a"]], "assumedScopes must hold only strings, found None (NoneType)"),
        (["a", 1], [["a"]], "assumedScopes must hold only strings, found 1 (int)"),
        ([b"a"], [["a"]], "assumedScopes must hold only strings, found b'a' (bytes)"),
        (["a"], [["a", 2]], "requiredScopeSets must hold only strings, found 2 (int)"),
        (["a"], [[b"a"]], "requiredScopeSets must hold only strings, found b'a' (bytes)"),
        # checked even when an earlier alternative already matched
        (["a"], [["a"], [None]], "requiredScopeSets must hold only strings, found None"),
        (["a"], ["a"], "requiredScopeSets must be a list of lists of strings; found an element of type str"),
        (["a"], [("a",), "b"], "found an element of type str"),
        (["a"], "a", "requiredScopeSets must be a list of lists of strings, not str"),
        (["a"], None, "requiredScopeSets must be a list of lists of strings, not NoneType"),
        (["a"], [None], "found an element of type NoneType"),
        ("a", [["a"]], "assumedScopes must be a list of strings, not str"),
        (None, [["a"]], "assumedScopes must be a list of strings, not NoneType"),
        ({"a": 1}, [["a"]], "assumedScopes must be a list of strings, not dict"),
    ],
)
def test_scopeMatch_rejects_malformed_input(assumed, required, fragment):
    with pytest.raises(TaskclusterFailure) as info:
        utils.scopeMatch(assumed, required)
    assert fragment in str(info.value)


scopes = st.text(alphabet="ab:*", max_size=6)
scope_lists = st.lists(scopes, max_size=5)
scope_sets = st.lists(st.lists(scopes, max_size=3), max_size=3)


@given(scope_lists, scopes)
def test_scopeMatch_an_assumed_scope_satisfies_itself(others, scope):
    assert utils.scopeMatch(others + [scope], [[scope]])
    assert utils.scopeMatch([scope], [[scope], ["zzz"]])


@given(scopes, st.text(alphabet="ab:*", max_size=6))
def test_scopeMatch_star_covers_every_extension(prefix, suffix):
    assert utils.scopeMatch([prefix + "*"], [[prefix + suffix]])


@given(scopes, scopes)
def test_scopeMatch_without_star_only_equality_counts(assumed, required):
    assume(not assumed.endswith("*"))
    assert utils.scopeMatch([assumed], [[required]]) is (assumed == required)


@given(scopes, scopes)
def test_scopeMatch_single_star_scope_matches_exactly_its_prefix_extensions(assumed, required):
    expected = assumed == required or (assumed.endswith("*") and required.startswith(assumed[:-1]))
    assert utils.scopeMatch([assumed], [[required]]) is expected


@given(scope_lists, scope_lists, scope_sets)
def test_scopeMatch_more_assumed_scopes_never_hurt(assumed, extra, required):
    if utils.scopeMatch(assumed, required):
        assert utils.scopeMatch(assumed + extra, required)


@given(scope_lists, scope_sets, scope_sets)
def test_scopeMatch_is_a_disjunction(assumed, left, right):
    combined = utils.scopeMatch(assumed, left + right)
    assert combined is (utils.scopeMatch(assumed, left) or utils.scopeMatch(assumed, right))


# -- optionsFromEnvironment ---------------------------------------------------------------------

FULL_ENV = {
    "TASKCLUSTER_ROOT_URL": "https://tc.example.com",
    "TASKCLUSTER_CLIENT_ID": "me",
    "TASKCLUSTER_ACCESS_TOKEN": "sekrit",
    "TASKCLUSTER_CERTIFICATE": '{"version":1}',
}


def test_optionsFromEnvironment_reads_all_four():
    assert utils.optionsFromEnvironment(env=FULL_ENV) == {
        "rootUrl": "https://tc.example.com",
        "credentials": {"clientId": "me", "accessToken": "sekrit", "certificate": '{"version":1}'},
    }


def test_optionsFromEnvironment_nothing_set():
    assert utils.optionsFromEnvironment(env={}) == {}
    assert utils.optionsFromEnvironment({"rootUrl": "https://x"}, env={}) == {"rootUrl": "https://x"}


def test_optionsFromEnvironment_ignores_empty_values():
    env = {name: "" for name in FULL_ENV}
    assert utils.optionsFromEnvironment(env=env) == {}
    env["TASKCLUSTER_CLIENT_ID"] = "me"
    assert utils.optionsFromEnvironment(env=env) == {"credentials": {"clientId": "me"}}
    defaults = {"rootUrl": "https://d", "credentials": {"clientId": "d", "accessToken": "t"}}
    assert utils.optionsFromEnvironment(defaults, env={name: "" for name in FULL_ENV}) == defaults


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://tc.example.com/", "https://tc.example.com"),
        ("https://tc.example.com///", "https://tc.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_optionsFromEnvironment_strips_trailing_slashes(value, expected):
    assert utils.optionsFromEnvironment(env={"TASKCLUSTER_ROOT_URL": value}) == {"rootUrl": expected}


def test_optionsFromEnvironment_a_bare_slash_is_empty():
    assert utils.optionsFromEnvironment({"rootUrl": "https://d"}, env={"TASKCLUSTER_ROOT_URL": "/"}) == {
        "rootUrl": "https://d"
    }


def test_optionsFromEnvironment_merges_over_defaults_without_mutating_them():
    defaults = {
        "rootUrl": "https://old",
        "maxRetries": 2,
        "credentials": {"clientId": "old", "accessToken": "old-token", "certificate": "old-cert"},
        "nested": {"k": "v"},
    }
    snapshot = json.loads(json.dumps(defaults))
    options = utils.optionsFromEnvironment(
        defaults, env={"TASKCLUSTER_CLIENT_ID": "new", "TASKCLUSTER_ROOT_URL": "https://new/"}
    )
    assert options == {
        "rootUrl": "https://new",
        "maxRetries": 2,
        "credentials": {"clientId": "new", "accessToken": "old-token", "certificate": "old-cert"},
        "nested": {"k": "v"},
    }
    assert defaults == snapshot
    assert options is not defaults
    assert options["credentials"] is not defaults["credentials"]
    options["credentials"]["accessToken"] = "changed"
    options["maxRetries"] = 9
    assert defaults == snapshot


def test_optionsFromEnvironment_replaces_non_dict_credentials():
    options = utils.optionsFromEnvironment({"credentials": None}, env={"TASKCLUSTER_CLIENT_ID": "me"})
    assert options == {"credentials": {"clientId": "me"}}


def test_optionsFromEnvironment_ignores_other_variables():
    env = {
        "TASKCLUSTER_PROXY_URL": "http://taskcluster",
        "TASKCLUSTER_ROOT_URL_X": "https://nope",
        "taskcluster_root_url": "https://lower",
        "TASK_ID": "abc",
    }
    assert utils.optionsFromEnvironment(env=env) == {}
    env["TASKCLUSTER_ROOT_URL"] = "https://real"
    assert utils.optionsFromEnvironment(env=env) == {"rootUrl": "https://real"}


def test_optionsFromEnvironment_defaults_to_os_environ(monkeypatch):
    for name in FULL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", "http://taskcluster")
    assert utils.optionsFromEnvironment() == {}
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com/")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "tok")
    assert utils.optionsFromEnvironment() == {
        "rootUrl": "https://env.example.com",
        "credentials": {"accessToken": "tok"},
    }


# -- calculateSleepTime -------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [0, -1, -100])
def test_calculateSleepTime_nothing_before_the_first_attempt(attempt):
    assert utils.calculateSleepTime(attempt) == 0


@pytest.mark.parametrize("attempt", range(1, 16))
def test_calculateSleepTime_bounds(attempt):
    nominal = 0.1 * 2 ** (attempt - 1)
    low, high = min(0.75 * nominal, 30.0), min(1.25 * nominal, 30.0)
    samples = [utils.calculateSleepTime(attempt) for _ in range(200)]
    assert all(low <= s <= high for s in samples)
    if high > low:
        assert len(set(samples)) > 1  # there is jitter


@pytest.mark.parametrize("rand,expected", [(0.0, [0.075, 0.15, 0.3, 0.6, 1.2]), (0.5, [0.1, 0.2, 0.4, 0.8, 1.6])])
def test_calculateSleepTime_uses_random_random(monkeypatch, rand, expected):
    import random

    monkeypatch.setattr(random, "random", lambda: rand)
    assert [utils.calculateSleepTime(n) for n in range(1, 6)] == pytest.approx(expected)
    assert utils.calculateSleepTime(20) == 30.0


def test_constants():
    assert utils.MAX_RETRIES == 5
    assert utils.DELAY_FACTOR == 0.1
    assert utils.RANDOMIZATION_FACTOR == 0.25
    assert utils.MAX_DELAY == 30


# -- compatibility helpers ----------------------------------------------------------------------


def test_toStr():
    assert utils.toStr(b"h\xc3\xa9") == "hé"
    assert utils.toStr(b"h\xe9", "latin-1") == "hé"
    assert utils.toStr("x") == "x"
    assert utils.toStr(12) == "12"
    assert utils.toStr(None) == "None"


def test_base64_helpers():
    assert utils.makeB64UrlSafe("a+b/c==") == b"a-b_c=="
    assert utils.makeB64UrlSafe(b"a+b/c==") == b"a-b_c=="
    assert utils.makeB64UrlUnsafe("a-b_c==") == b"a+b/c=="
    assert utils.makeB64UrlUnsafe(b"a-b_c==") == b"a+b/c=="
    long_text = "x" * 200
    encoded = utils.encodeStringForB64Header(long_text)
    assert isinstance(encoded, bytes) and b"\n" not in encoded
    import base64

    assert base64.b64decode(encoded) == long_text.encode()
    assert utils.encodeStringForB64Header("hé") == b"aMOp"
    assert utils.encodeStringForB64Header(b"\xfb\xff") == b"+/8="


@given(st.binary(max_size=64))
def test_base64_url_round_trip(data):
    import base64

    standard = base64.b64encode(data)
    assert utils.makeB64UrlSafe(standard) == base64.urlsafe_b64encode(data)
    assert utils.makeB64UrlUnsafe(utils.makeB64UrlSafe(standard)) == standard


@pytest.fixture
def frozen_time(monkeypatch):
    now = 1_600_000_000.0
    monkeypatch.setattr(utils.time, "time", lambda: now)
    return int(now * 1000)


def test_isExpired(frozen_time):
    now_ms = frozen_time
    assert utils.isExpired({"expiry": now_ms - 1}) is True
    assert utils.isExpired({"expiry": now_ms}) is False  # no safety margin
    assert utils.isExpired({"expiry": now_ms + 1}) is False
    assert utils.isExpired({"expiry": now_ms + 1000}) is False
    assert utils.isExpired(json.dumps({"version": 1, "expiry": now_ms - 1})) is True
    assert utils.isExpired(json.dumps({"version": 1, "expiry": now_ms + 1}).encode()) is False


def test_isExpired_with_the_real_clock():
    import time

    now_ms = time.time() * 1000
    assert utils.isExpired({"expiry": now_ms - 60_000}) is True
    assert utils.isExpired({"expiry": now_ms + 60_000}) is False


@pytest.mark.parametrize(
    "certificate,fragment",
    [
        ('{"signature": "SECRET-SIG"', "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ({"signature": "SECRET-SIG"}, "no numeric 'expiry'"),
        ({"expiry": "soon", "signature": "SECRET-SIG"}, "no numeric 'expiry'"),
        ({"expiry": True}, "no numeric 'expiry'"),
        (None, "must be a JSON object"),
    ],
)
def test_isExpired_rejects_bad_certificates_without_leaking_them(certificate, fragment):
    with pytest.raises(TaskclusterFailure) as info:
        utils.isExpired(certificate)
    assert fragment in str(info.value)
    assert "SECRET" not in str(info.value)
    # No chained exception may carry the certificate text along (json's error keeps it in `.doc`).
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_encryption_helpers_are_gone():
    with pytest.raises(TaskclusterFailure, match="no longer supported"):
        utils.encryptEnvVar("taskId", 0, 1, "name", "value", "keyFile")
    with pytest.raises(TaskclusterFailure, match="no longer supported"):
        utils.decryptMessage("message", "privateKey")


def test_all_names_exist():
    for name in utils.__all__:
        assert hasattr(utils, name), name
    assert set(utils.__all__) >= {
        "fromNow",
        "fromNowJSON",
        "stringDate",
        "dumpJson",
        "slugId",
        "stableSlugId",
        "scopeMatch",
        "scope_match",
        "optionsFromEnvironment",
        "calculateSleepTime",
        "toStr",
        "makeB64UrlSafe",
        "makeB64UrlUnsafe",
        "encodeStringForB64Header",
        "isExpired",
        "encryptEnvVar",
        "decryptMessage",
        "MAX_RETRIES",
        "DELAY_FACTOR",
        "RANDOMIZATION_FACTOR",
        "MAX_DELAY",
    }
