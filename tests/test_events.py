"""Routing-key patterns and exchange names for pulse exchanges (taskcluster._events.topic_exchange)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcluster._events import topic_exchange
from taskcluster.exceptions import TaskclusterFailure, TaskclusterTopicExchangeFailure

PREFIX = "exchange/taskcluster-queue/v1/"

# The shape of QueueEvents.taskCompleted in apis.json (summaries left out).
TASK_COMPLETED = {
    "type": "topic-exchange",
    "name": "taskCompleted",
    "exchange": "task-completed",
    "routingKey": [
        {"name": "routingKeyKind", "constant": "primary", "multipleWords": False, "required": True},
        {"name": "taskId", "multipleWords": False, "required": True},
        {"name": "runId", "multipleWords": False, "required": True},
        {"name": "workerGroup", "multipleWords": False, "required": True},
        {"name": "workerId", "multipleWords": False, "required": True},
        {"name": "provisionerId", "multipleWords": False, "required": True},
        {"name": "workerType", "multipleWords": False, "required": True},
        {"name": "schedulerId", "multipleWords": False, "required": True},
        {"name": "taskGroupId", "multipleWords": False, "required": True},
        {"name": "reserved", "multipleWords": True, "required": False},
    ],
}
KEY_NAMES = [part["name"] for part in TASK_COMPLETED["routingKey"]]
SINGLE_WORD_KEYS = [p["name"] for p in TASK_COMPLETED["routingKey"] if "constant" not in p and not p["multipleWords"]]
EXCHANGE = "exchange/taskcluster-queue/v1/task-completed"


def bind(*args, **kwargs):
    return topic_exchange(PREFIX, TASK_COMPLETED, args, kwargs)


def pattern(*args, **kwargs):
    return bind(*args, **kwargs)["routingKeyPattern"]


def test_no_arguments_gives_all_wildcards():
    assert bind() == {"exchange": EXCHANGE, "routingKeyPattern": "primary.*.*.*.*.*.*.*.*.#"}


def test_empty_dict_gives_all_wildcards():
    assert pattern({}) == "primary.*.*.*.*.*.*.*.*.#"


def test_values_fill_their_positions():
    assert pattern(taskId="abc", workerType="wt", taskGroupId="g") == "primary.abc.*.*.*.*.wt.*.g.#"


def test_dict_and_kwargs_forms_are_equal():
    values = {"taskId": "abc", "runId": 2, "workerId": "w-1", "schedulerId": "sched"}
    assert bind(values) == bind(**values)
    assert pattern(values) == "primary.abc.2.*.w-1.*.*.sched.*.#"


def test_run_id_zero_is_kept():
    assert pattern({"taskId": "abc", "runId": 0}) == "primary.abc.0.*.*.*.*.*.*.#"
    assert pattern(runId=0) == "primary.*.0.*.*.*.*.*.*.#"


def test_constants_ignore_user_values():
    assert pattern(routingKeyKind="route") == "primary.*.*.*.*.*.*.*.*.#"
    assert pattern({"routingKeyKind": "route", "taskId": "t"}) == "primary.t.*.*.*.*.*.*.*.#"


def test_unknown_keys_are_ignored():
    assert pattern({"bogus": "x", "taskId": "t"}) == "primary.t.*.*.*.*.*.*.*.#"


def test_none_value_is_a_wildcard():
    assert pattern(taskId=None, reserved=None) == "primary.*.*.*.*.*.*.*.*.#"


@pytest.mark.parametrize("key", SINGLE_WORD_KEYS)
def test_period_in_single_word_value_names_the_key(key):
    with pytest.raises(TaskclusterTopicExchangeFailure) as info:
        bind({key: "a.b"})
    assert key in str(info.value)
    assert "taskCompleted" in str(info.value)
    with pytest.raises(TaskclusterTopicExchangeFailure):
        bind(**{key: "a.b"})


def test_multi_word_value_may_contain_periods():
    assert pattern(reserved="a.b.c") == "primary.*.*.*.*.*.*.*.*.a.b.c"
    assert pattern(taskId="t", reserved="#") == "primary.t.*.*.*.*.*.*.*.#"


@pytest.mark.parametrize("ready", ["primary.abc.#", "", "anything.goes.*", "a..b"])
def test_string_argument_is_the_pattern_unchanged(ready):
    assert bind(ready) == {"exchange": EXCHANGE, "routingKeyPattern": ready}


def test_mixing_positional_and_kwargs_is_an_error():
    with pytest.raises(TaskclusterTopicExchangeFailure):
        bind({"taskId": "a"}, runId=1)
    with pytest.raises(TaskclusterTopicExchangeFailure):
        bind("primary.#", taskId="a")


def test_two_positionals_is_an_error():
    with pytest.raises(TaskclusterTopicExchangeFailure):
        bind({"taskId": "a"}, {"runId": 1})


@pytest.mark.parametrize("bad", [None, 5, ["taskId"], ("a", "b"), b"primary.#"])
def test_non_str_non_dict_is_an_error(bad):
    with pytest.raises(TaskclusterTopicExchangeFailure) as info:
        bind(bad)
    assert isinstance(info.value, TaskclusterFailure)


def test_caller_dict_not_mutated():
    values = {"taskId": "abc", "routingKeyKind": "route"}
    bind(values)
    assert values == {"taskId": "abc", "routingKeyKind": "route"}


@pytest.mark.parametrize(
    "prefix, exchange",
    [
        ("exchange/taskcluster-queue/v1/", "task-completed"),
        ("exchange/taskcluster-queue/v1", "task-completed"),
        ("exchange/taskcluster-queue/v1/", "/task-completed"),
        ("exchange/taskcluster-queue/v1", "/task-completed"),
    ],
)
def test_exchange_name_joined_with_exactly_one_slash(prefix, exchange):
    entry = dict(TASK_COMPLETED, exchange=exchange)
    assert topic_exchange(prefix, entry, (), {})["exchange"] == EXCHANGE


def test_exchange_prefix_override():
    result = topic_exchange("exchange/my-queue/v1/", TASK_COMPLETED, ("primary.#",), {})
    assert result["exchange"] == "exchange/my-queue/v1/task-completed"


word = st.text(alphabet=st.characters(blacklist_characters=".", blacklist_categories=("Cs",)), max_size=12)


@given(values=st.dictionaries(st.sampled_from(SINGLE_WORD_KEYS), word))
def test_property_single_word_values_land_at_their_positions(values):
    words = pattern(values).split(".")
    assert len(words) == len(TASK_COMPLETED["routingKey"])
    assert words[0] == "primary"
    assert words[-1] == "#"
    for position, name in enumerate(KEY_NAMES):
        if name in values:
            assert words[position] == values[name]
        elif name in SINGLE_WORD_KEYS:
            assert words[position] == "*"
    assert pattern(**values) == pattern(values)
