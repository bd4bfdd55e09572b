"""Temporary credentials: known answers (the cross-client test vectors) and input checks."""

import datetime
import json

import pytest

import taskcluster
from taskcluster.exceptions import TaskclusterFailure

SEED = "JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ"
START = datetime.datetime(2015, 8, 7, 16, 26, 51, 744000)
EXPIRY = datetime.datetime(2015, 8, 8, 16, 26, 51, 744000)
SCOPES = ["scope/asd:fhjdf/X", "scope/asd:fhjdf/XYZ*"]


def make(name=None, **kwargs):
    return taskcluster.createTemporaryCredentials(
        "def/ghi@XXX",
        "tokenABCDEFGH",
        kwargs.get("start", START),
        kwargs.get("expiry", EXPIRY),
        kwargs.get("scopes", SCOPES),
        name,
        seed=lambda: SEED,
    )


def test_unnamed_known_answer():
    creds = make()
    assert creds["clientId"] == "def/ghi@XXX"
    assert creds["accessToken"] == "R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY"
    assert isinstance(creds["accessToken"], str)
    cert = json.loads(creds["certificate"])
    assert cert == {
        "version": 1,
        "scopes": SCOPES,
        "start": 1438964811744,
        "expiry": 1439051211744,
        "seed": SEED,
        "signature": "45AlB/hKZZZz4Tf3NaidutasfgBnr4t2AxwBiGDQF9Q=",
    }


def test_named_known_answer():
    creds = make("abc/def/ghi")
    assert creds["clientId"] == "abc/def/ghi"
    cert = json.loads(creds["certificate"])
    assert cert["issuer"] == "def/ghi@XXX"
    assert cert["signature"] == "nNEaLtZMiw627NuDbF5Z8HDFc57MGWCptXBQSYNFgBk="


def test_aware_and_naive_datetimes_agree():
    aware = make(start=START.replace(tzinfo=datetime.timezone.utc), expiry=EXPIRY.replace(tzinfo=datetime.timezone.utc))
    assert aware == make()


def test_also_exported_from_client_module():
    from taskcluster import client

    assert client.createTemporaryCredentials is taskcluster.createTemporaryCredentials


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"expiry": START + datetime.timedelta(days=31, seconds=1)}, "31 days"),
        ({"expiry": START - datetime.timedelta(seconds=1)}, "expiry must be after start"),
        ({"scopes": ["ok", 3]}, "Scope must be string"),
        ({"scopes": "a:b"}, "list of str"),
        ({"start": "2015-08-07"}, "start must be a datetime"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(TaskclusterFailure) as info:
        make(**kwargs)
    assert message in str(info.value)
    assert "tokenABCDEFGH" not in str(info.value)


def test_31_days_exactly_is_allowed_and_named_needs_another_name():
    make(expiry=START + datetime.timedelta(days=31))
    with pytest.raises(TaskclusterFailure):
        make("def/ghi@XXX")
