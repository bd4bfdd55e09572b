"""Routing-key patterns for pulse exchanges: `{'exchange': ..., 'routingKeyPattern': ...}`."""

from typing import Any, Mapping, Sequence, Tuple, TypedDict

from .exceptions import TaskclusterTopicExchangeFailure

__all__ = ["TopicExchangeBinding", "topic_exchange"]


class TopicExchangeBinding(TypedDict):
    """What a routing-key builder (e.g. ``QueueEvents().taskCompleted(taskId=...)``) returns: the exchange to
    bind a queue to and the routing-key pattern to bind it with."""

    exchange: str
    routingKeyPattern: str


def _values(name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    if args and kwargs:
        raise TaskclusterTopicExchangeFailure(
            "%s: pass either a routing-key string, a single dict, or keyword arguments, not a mix" % name
        )
    if len(args) > 1:
        raise TaskclusterTopicExchangeFailure(
            "%s: pass either a routing-key string, a single dict, or keyword arguments; got %d positional arguments"
            % (name, len(args))
        )
    if not args:
        return dict(kwargs)
    value = args[0]
    if isinstance(value, (str, Mapping)):
        return value
    raise TaskclusterTopicExchangeFailure(
        "%s: the routing key must be a str pattern or a dict of routing-key values, got %s"
        % (name, type(value).__name__)
    )


def topic_exchange(
    exchange_prefix: str, entry: Mapping[str, Any], args: Tuple[Any, ...], kwargs: Mapping[str, Any]
) -> TopicExchangeBinding:
    """Build the binding for one exchange: missing single-word keys become `*`, multi-word keys `#`,
    constants are filled in; a string argument is taken as a ready pattern."""
    name = entry["name"]
    values = _values(name, args, kwargs)
    exchange = exchange_prefix.rstrip("/") + "/" + entry["exchange"].lstrip("/")
    if isinstance(values, str):
        return {"exchange": exchange, "routingKeyPattern": values}
    words = []
    key: Sequence[Mapping[str, Any]] = entry["routingKey"]
    for part in key:
        constant = part.get("constant")
        if constant is not None:
            words.append(constant)
            continue
        key_name = part["name"]
        if key_name in values and values[key_name] is not None:
            word = str(values[key_name])
            if not part.get("multipleWords") and "." in word:
                raise TaskclusterTopicExchangeFailure(
                    "%s: routing-key value %s=%r contains '.', but %s is a single-word key"
                    % (name, key_name, word, key_name)
                )
            words.append(word)
        else:
            words.append("#" if part.get("multipleWords") else "*")
    return {"exchange": exchange, "routingKeyPattern": ".".join(words)}
