"""The model is valid by construction: frozen, keyword-only, and its invariants checked."""

import dataclasses

import pytest

from codegen.model import Api, Exchange, Function, Pagination, RoutingKeyEntry, Service


def function(**changes):
    fields = dict(
        name="createWidget",
        title="Create Widget",
        description="Creates one.",
        stability="stable",
        http_method="put",
        route="/widgets/<widgetId>",
        path_params=("widgetId",),
        query_params=(),
    )
    return Function(**{**fields, **changes})


def test_valid_function_and_frozen():
    f = function()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Function("createWidget")  # type: ignore[misc]  # keyword-only


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"path_params": ()}, "do not match route"),
        ({"http_method": "PUT"}, "unknown HTTP method"),
        ({"stability": "beta"}, "unknown stability"),
        ({"name": "class"}, "not a Python identifier"),
        ({"query_params": ("dry-run",)}, "not a Python identifier"),
        (
            {"pagination": Pagination(token_param="continuationToken", token_field="continuationToken", items_key="x")},
            "not a query parameter",
        ),
    ],
)
def test_function_invariants(changes, message):
    with pytest.raises(ValueError, match=message):
        function(**changes)


def test_exchange_and_service_invariants():
    key = RoutingKeyEntry(name="widgetId", multiple_words=False, required=True)
    with pytest.raises(ValueError, match="at least one entry"):
        Exchange(name="created", title="t", description="d", exchange="created", routing_key=())
    with pytest.raises(ValueError, match="duplicate routing-key"):
        Exchange(name="created", title="t", description="d", exchange="created", routing_key=(key, key))
    exchange = Exchange(name="created", title="t", description="d", exchange="created", routing_key=(key,))
    common = dict(service_name="widgets", api_version="v1", title="t", description="d")
    with pytest.raises(ValueError, match="exchange prefix"):
        Service(class_name="WidgetsEvents", module_name="widgetsevents", exchanges=(exchange,), **common)
    with pytest.raises(ValueError, match="duplicate entry names"):
        Service(class_name="Widgets", module_name="widgets", functions=(function(), function()), **common)
    service = Service(class_name="Widgets", module_name="widgets", functions=(function(),), **common)
    with pytest.raises(ValueError, match="duplicate module names"):
        Api(source="apis.json", services=(service, dataclasses.replace(service, class_name="WIDGETS")))
