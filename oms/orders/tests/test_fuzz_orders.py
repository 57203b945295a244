"""Property tests of create_orders: any JSON value in any field of the page's example, or as the
body itself, gets a 201 with the order or a 400 whose problems each name a path; never another
status, never an exception, and a refused request writes nothing.

Each example runs in a savepoint that is rolled back, so examples do not see each other's orders.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.orders.models import Order
from oms.orders.schemas import ITEM_FIELDS, ORDER_FIELDS, OrderIn, OrderItemIn, OrderOut
from oms.orders.services.parse import parse_order_request
from oms.orders.tests.test_validation_contract import CODES, assert_error_body

pytestmark = pytest.mark.django_db

SEED_ITEM_FIELDS = sorted(ITEM_FIELDS - {"pk", "id", "order"})
SEED_ORDER_FIELDS = sorted(ORDER_FIELDS)
# Field paths to mutate: every order and item field (known or read-only), nested ones, unknown ones.
PATHS = (
    [("order", name) for name in SEED_ORDER_FIELDS]
    + [("order_item", 0, name) for name in SEED_ITEM_FIELDS]
    + [("order", "delivery_range", "start"), ("order", "delivery_range", "end"), ("order", "typo_field")]
    + [("order_item", 1, "product"), ("order_item", 0, "typo_field"), ("extra_top_level",)]
)

# Values a careless or hostile client sends: boundaries, wrong types, text no database stores.
AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "a\nb",
        "0",
        "-1",
        "1e400",
        "NaN",
        "400",
        "approved",
        "TRY",
        "2025-01-01",
        "2025-01-01T00:00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "https://example.com/x",
        "::1",
        "x" * 6000,
        0,
        -1,
        2**31,
        2**63,
        10**30,
        0.1,
        1e300,
        -0.0,
        True,
        False,
        None,
        [],
        {},
        [1],
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}},
    ]
)
# Short strings over an alphabet of characters that break naive code: NUL (PostgreSQL refuses it),
# a lone surrogate (cannot be encoded), a newline and quotes (headers), non-ASCII, digits.
HOSTILE_TEXT = st.text(alphabet=st.sampled_from('\x00\ud800\n"\\ aş0.-:T'), max_size=6)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | HOSTILE_TEXT
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
    | st.datetimes().map(lambda value: value.isoformat())
    | AWKWARD,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | HOSTILE_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _RolledBack(Exception):
    def __init__(self, response: Any) -> None:
        self.response = response


def post_and_roll_back(api, body: Any) -> tuple[Any, int]:
    """The answer to posting `body`, and how many orders it wrote, with its writes undone."""
    before = Order.objects.count()
    try:
        with transaction.atomic():
            response = api.post("/api/v1/channel/1/create_orders/", body)
            raise _RolledBack((response, Order.objects.count() - before))
    except _RolledBack as rolled_back:
        return rolled_back.response


def assert_answered_by_contract(response: Any, written: int) -> None:
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        OrderOut.model_validate(response.json())
        assert written == 1
        assert response.get("Warning", "").isascii()
    else:
        body = assert_error_body(response, 400)
        assert all(
            error["path"] or error["code"] in {"invalid_json", "invalid_type"} for error in body["errors"]
        )
        assert written == 0


DELETE = object()


def with_value(seed: dict, path: tuple, value: Any) -> dict:
    """A copy of `seed` with `value` at `path` (DELETE: the field removed)."""
    body = json.loads(json.dumps(seed))
    *parents, name = path
    target: Any = body
    for part, following in zip(parents, [*parents, name][1:], strict=True):
        if isinstance(part, int):
            while len(target) <= part:
                target.append({"product": 1, "price": "1.00"})
        elif part not in target:
            target[part] = {}
        # An earlier mutation may have put a value of another kind here (delivery_range: null,
        # then its start): the later one, deeper, gives it the container it needs again.
        container = list if isinstance(following, int) else dict
        if not isinstance(target[part], container):
            target[part] = container()
        target = target[part]
    if value is DELETE:
        target.pop(name, None)
    else:
        target[name] = value
    return body


@FUZZ_SETTINGS
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), JSON_VALUES | st.just(DELETE)), min_size=1, max_size=3
    )
)
def test_any_json_value_in_any_field_is_a_201_or_a_400_with_paths(api, seed_body, mutations):
    # Given the page's example with up to three fields replaced by arbitrary JSON (or removed)
    body = seed_body
    for path, value in mutations:
        body = with_value(body, path, value)
    # When it is posted
    response, written = post_and_roll_back(api, body)
    # Then it is created, or refused with problems that each name a path; never anything else
    assert_answered_by_contract(response, written)


def _paths_taking(json_type: str) -> list[tuple]:
    """Wire paths of the order and item fields whose documented schema accepts `json_type`."""
    paths = []
    for prefix, model in [(("order",), OrderIn), (("order_item", 0), OrderItemIn)]:
        for name, prop in model.model_json_schema()["properties"].items():
            branches = prop.get("anyOf", [prop])
            if any(branch.get("type") == json_type for branch in branches):
                paths.append((*prefix, name))
    return paths


TEXT_PATHS, OBJECT_PATHS = _paths_taking("string"), _paths_taking("object")


def _hostile(hazard: str) -> st.SearchStrategy:
    """A text field or a free-form object field, with text that carries `hazard`."""
    text = st.text(alphabet=st.sampled_from(hazard + 'a\n"ş0.-:T '), min_size=1, max_size=6)
    small = {"min_size": 1, "max_size": 3}
    objects = st.dictionaries(
        text, text | st.lists(text, **small) | st.dictionaries(text, text, **small), **small
    )
    return st.tuples(st.sampled_from(TEXT_PATHS), text) | st.tuples(st.sampled_from(OBJECT_PATHS), objects)


# One hazard per example, so that a refusal of one (NUL, say) cannot hide a crash on another.
HOSTILE = st.sampled_from(["\x00", "\ud800", "\\", "\x7f\x1b"]).flatmap(_hostile)


@FUZZ_SETTINGS
@given(path_and_value=HOSTILE)
def test_text_no_database_can_store_is_refused_wherever_it_is_sent(api, seed_body, path_and_value):
    # Given the page's example with NUL, a lone surrogate, control characters or quotes in one
    # text field or free-form object (one only: another field's refusal would hide what this one
    # does)
    body = with_value(seed_body, *path_and_value)
    # When it is posted
    response, written = post_and_roll_back(api, body)
    # Then it is answered by the contract (PostgreSQL refuses NUL; no answer can encode a surrogate)
    assert_answered_by_contract(response, written)


@FUZZ_SETTINGS
@given(value=JSON_VALUES, where=st.sampled_from(["body", "order", "order_item", "item"]))
def test_any_json_value_as_the_body_or_its_parts_is_a_201_or_a_400(api, seed_body, value, where):
    # Given a body that is itself arbitrary JSON, or whose order, items or first item are
    if where == "body":
        body = value
    elif where == "item":
        body = {**seed_body, "order_item": [value]}
    else:
        body = {**seed_body, where: value}
    # When it is posted
    response, written = post_and_roll_back(api, body)
    # Then it is answered by the contract
    assert_answered_by_contract(response, written)


@settings(max_examples=200, deadline=None, database=None)
@given(
    order=st.dictionaries(st.sampled_from([*SEED_ORDER_FIELDS, "typo"]), JSON_VALUES, max_size=12),
    items=st.lists(
        st.dictionaries(st.sampled_from([*SEED_ITEM_FIELDS, "typo"]), JSON_VALUES, max_size=8), max_size=3
    ),
    strict=st.booleans(),
)
def test_the_schema_never_raises_and_every_problem_has_a_path_and_a_known_code(order, items, strict):
    # Given arbitrary order and item objects (no database: the schema alone)
    payload = {"order": order, "order_item": items}
    # When the request is parsed
    parsed = parse_order_request(payload, strict_fields=strict)
    # Then it either parsed or its problems each have a path, a documented code and a message
    assert parsed.data is not None or parsed.problems
    for problem in parsed.problems:
        assert problem.path and problem.code in CODES and problem.message
        problem.path.encode()
        problem.message.encode()
