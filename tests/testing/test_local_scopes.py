"""Scope semantics of the local deployment: satisfaction, role expansion, scope expressions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcluster.testing.scopes import (
    MissingParameter,
    ScopeExpansionError,
    ScopeSet,
    expand_scopes,
    instantiate,
    normalize_scopes,
    unsatisfied,
)

scope_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)


@pytest.mark.parametrize(
    "held, scope, expected",
    [
        (["a:b"], "a:b", True),
        (["a:b"], "a:bc", False),
        (["a:*"], "a:bc", True),
        (["a:*"], "a:", True),
        (["a:*"], "a", False),
        (["*"], "anything", True),
        (["a:b*"], "a:b*", True),
        (["a:b"], "a:b*", False),
        ([], "a", False),
        (["a*b"], "a*b", True),  # a star inside a scope is literal
        (["a*b"], "axb", False),
    ],
)
def test_satisfaction(held, scope, expected):
    assert ScopeSet(held).satisfies(scope) is expected


@given(st.lists(scope_text, max_size=6), scope_text)
def test_star_satisfies_everything_and_scopes_satisfy_themselves(held, scope):
    assert ScopeSet(held + ["*"]).satisfies(scope)
    assert ScopeSet(held + [scope]).satisfies(scope)


@given(st.lists(scope_text, max_size=8))
def test_normalize_keeps_meaning(scopes):
    normalized = normalize_scopes(scopes)
    assert normalized == sorted(set(normalized))
    for scope in scopes:
        assert ScopeSet(normalized).satisfies(scope)


def test_normalize_drops_covered_scopes():
    assert normalize_scopes(["a:b", "a:*", "a:c*", "b", "b"]) == ["a:*", "b"]
    assert normalize_scopes(["x", "*"]) == ["*"]


def test_expand_plain_and_nested_roles():
    roles = {"r1": ["s1", "assume:r2"], "r2": ["s2"], "other": ["s3"]}
    assert expand_scopes(["assume:r1"], roles) == ["assume:r1", "assume:r2", "s1", "s2"]
    assert expand_scopes(["x"], roles) == ["x"]


def test_expand_star_role_ids_match_assumed_prefixes():
    roles = {"repo:github.com/org/*": ["queue:create-task:lowest:proj/*"], "repo:*": ["secrets:get:shared"]}
    got = expand_scopes(["assume:repo:github.com/org/app"], roles)
    assert "queue:create-task:lowest:proj/*" in got
    assert "secrets:get:shared" in got


def test_expand_star_scope_assumes_every_role_it_covers():
    roles = {"project:a:x": ["a-x"], "project:a:y": ["a-y"], "project:b": ["b"]}
    got = expand_scopes(["assume:project:a:*"], roles)
    assert {"a-x", "a-y"} <= set(got)
    assert "b" not in got
    assert "b" in expand_scopes(["assume:*"], roles)


def test_parameterized_role():
    roles = {"worker-pool:*": ["queue:claim-work:<..>", "queue:worker-id:<..>/x"]}
    assert expand_scopes(["assume:worker-pool:prov/wt"], roles) == [
        "assume:worker-pool:prov/wt",
        "queue:claim-work:prov/wt",
        "queue:worker-id:prov/wt/x",
    ]
    # a trailing * in the matched part covers the rest of the scope
    assert "queue:worker-id:pr*" in expand_scopes(["assume:worker-pool:pr*"], roles)


def test_role_cycles_terminate_and_runaway_expansion_is_refused():
    assert expand_scopes(["assume:a"], {"a": ["assume:b"], "b": ["assume:a", "x"]}) == ["assume:a", "assume:b", "x"]
    with pytest.raises(ScopeExpansionError):
        expand_scopes(["assume:grow:x"], {"grow:*": ["assume:grow:<..>x"]})


PARAMS = {"taskId": "T", "names": ["public/a", "private/b"], "private": False, "yes": True, "empty": []}


def test_instantiate_fills_parameters_and_expands_for_each():
    expr = {"AllOf": ["queue:get-task:<taskId>", {"for": "n", "in": "names", "each": "queue:get-artifact:<n>"}]}
    assert instantiate(expr, PARAMS) == {
        "AllOf": ["queue:get-task:T", "queue:get-artifact:public/a", "queue:get-artifact:private/b"]
    }
    assert instantiate({"for": "n", "in": "empty", "each": "x:<n>"}, PARAMS) == {"AllOf": []}


def test_instantiate_if_then_else():
    assert instantiate({"if": "yes", "then": "a"}, PARAMS) == "a"
    assert instantiate({"if": "private", "then": "a"}, PARAMS) is None
    assert instantiate({"if": "private", "then": "a", "else": "b:<taskId>"}, PARAMS) == "b:T"
    assert instantiate({"AllOf": [{"if": "private", "then": "a"}, "c"]}, PARAMS) == {"AllOf": ["c"]}
    assert instantiate({"if": "absent", "then": "a", "else": "b"}, PARAMS) == "b"
    with pytest.raises(MissingParameter):
        instantiate({"AllOf": [{"if": "absent", "then": "a"}]}, PARAMS, strict=True)


def test_instantiate_missing_parameter_is_an_error():
    with pytest.raises(MissingParameter):
        instantiate("queue:get-task:<nope>", PARAMS)
    with pytest.raises(MissingParameter):
        instantiate("queue:<names>", PARAMS)


def test_unsatisfied_reports_what_is_missing():
    held = ScopeSet(["a", "b:*"])
    assert unsatisfied("a", held) is None
    assert unsatisfied("c", held) == "c"
    assert unsatisfied({"AllOf": ["a", "b:x", "c", "d"]}, held) == {"AllOf": ["c", "d"]}
    assert unsatisfied({"AllOf": ["a", "c"]}, held) == "c"
    assert unsatisfied({"AnyOf": ["c", "b:y"]}, held) is None
    assert unsatisfied({"AnyOf": ["c", "d"]}, held) == {"AnyOf": ["c", "d"]}
    assert unsatisfied({"AllOf": []}, held) is None
    assert unsatisfied({"AnyOf": []}, held) == {"AnyOf": []}  # an empty AnyOf can never be satisfied
    nested = {"AllOf": ["a", {"AnyOf": ["x", {"AllOf": ["b:1", "y"]}]}]}
    assert unsatisfied(nested, held) == {"AnyOf": ["x", "y"]}


def test_create_task_expression_with_priorities():
    expr = {
        "AllOf": [
            {"each": "<scope>", "for": "scope", "in": "scopes"},
            {"each": "queue:route:<route>", "for": "route", "in": "routes"},
            "queue:create-task:project:<projectId>",
            "queue:scheduler-id:<schedulerId>",
            {
                "AnyOf": [
                    {
                        "each": "queue:create-task:<priority>:<provisionerId>/<workerType>",
                        "for": "priority",
                        "in": "priorities",
                    }
                ]
            },
        ]
    }
    params = {
        "scopes": ["s"],
        "routes": ["r"],
        "projectId": "none",
        "schedulerId": "-",
        "provisionerId": "p",
        "workerType": "w",
        "priorities": ["highest", "very-high", "high"],
    }
    required = instantiate(expr, params)
    base = ["s", "queue:route:*", "queue:create-task:project:*", "queue:scheduler-id:-"]
    assert unsatisfied(required, ScopeSet(base + ["queue:create-task:very-high:p/w"])) is None
    low = ScopeSet(base + ["queue:create-task:low:p/w"])
    assert unsatisfied(required, low) == {
        "AnyOf": ["queue:create-task:highest:p/w", "queue:create-task:very-high:p/w", "queue:create-task:high:p/w"]
    }


def test_star_scopes_covering_each_other_keep_the_wider_one():
    # "*" covers "**", and "**" satisfies the literal "*": only "*" must remain, not neither
    assert ScopeSet(["**", "*"]).scopes == ["*"]
    assert ScopeSet(["**", "*"]).satisfies("")
    assert ScopeSet(["a**", "a*"]).scopes == ["a*"] and ScopeSet(["a**", "a*"]).satisfies("ax")
