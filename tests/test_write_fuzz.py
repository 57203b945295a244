"""Every write endpoint, every field: text with NUL, a lone surrogate or control characters, and
numbers written in every form a client may not mean (issue 21). The answer is a 2xx, or a 4xx
whose errors name the field; a 4xx writes nothing, and a 2xx stores nothing a database cannot
hold.

The endpoints are read from the OpenAPI document (every POST, PUT and PATCH taking a JSON body)
and their fields from the body's schema, so a new endpoint or field is covered without touching
this file: only a new request schema needs a valid base body in BASE_BODIES (a test says so).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ApiClient
from oms.access.services import create_api_key
from oms.api import api as ninja_api
from oms.catalog.models import Product
from oms.channels.models import Channel
from oms.core.tests.snapshot import db_snapshot, stored_strings
from oms.core.tests.test_input_schemas import input_schemas
from oms.integrations.models import Catalog
from oms.orders.models import Order
from oms.orders.schemas import EXAMPLE_REQUEST
from oms.orders.tests.given import make_reason

pytestmark = [pytest.mark.django_db]

EXAMPLES_PER_ENDPOINT = 15

# Text values: NUL, a lone surrogate (refused, or stored escaped, as logged payloads are) and
# control characters (accepted, except in keys).
UNSTORABLE_TEXT = ["a\x00b", "a\ud800b"]
CONTROL_TEXT = ["a\x01\x1f\x7fb", "a\u202eb\u200b"]
# JSON texts of numbers no client means as what they would be read as: always refused.
BAD_NUMBERS = [
    '"1_000"',
    '"\\u0661\\u0660\\u0660"',
    "1e-400",
    '"1e3"',
    '" 100 "',
    '"+"',
    "1.00000000000000000001",
]
BAD_INTEGERS = [*BAD_NUMBERS, "1.5", "1e2"]


@dataclass(frozen=True)
class Field:
    path: str  # wire path in the body: order.notes, order_item.0.price, rows.0.sku
    kind: str  # text, integer, number, object, boolean


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    schema: str

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def write_endpoints() -> list[Endpoint]:
    document = ninja_api.get_openapi_schema()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in {"post", "put", "patch"} and content:
                found.append(Endpoint(method, path, content["schema"]["$ref"].rsplit("/", 1)[-1]))
    return found


SCHEMAS = {schema.__name__: schema for schema in input_schemas()}
# Lists of anything in a schema, whose elements are each read by another schema later.
RAW_ELEMENTS = {"BulkCreateIn.orders": "OrderCreateIn"}


def fields_of(schema: dict, body: Any, defs: dict, prefix: str = "") -> Iterator[Field]:
    """Every field of `schema` (its JSON schema) at a wire path; nested objects and the first
    element of arrays of objects that `body` holds are walked into."""
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        options = [option for option in _options(prop) if option.get("type") != "null"]
        types = {option.get("type") for option in options}
        refs = [option["$ref"] for option in options if "$ref" in option]
        arrays = [option for option in options if option.get("type") == "array"]
        if refs:
            child = body.get(name) if isinstance(body, dict) else None
            yield from fields_of(defs[refs[0].rsplit("/", 1)[-1]], child or {}, defs, f"{path}.")
        elif arrays and f"{schema.get('title')}.{name}" in RAW_ELEMENTS:
            elements = body.get(name) if isinstance(body, dict) else None
            element_schema = SCHEMAS[RAW_ELEMENTS[f"{schema.get('title')}.{name}"]].model_json_schema()
            if elements:
                yield from fields_of(
                    element_schema, elements[0], element_schema.get("$defs", {}), f"{path}.0."
                )
        elif arrays and "$ref" in arrays[0].get("items", {}):
            elements = body.get(name) if isinstance(body, dict) else None
            if elements:
                item_schema = defs[arrays[0]["items"]["$ref"].rsplit("/", 1)[-1]]
                yield from fields_of(item_schema, elements[0], defs, f"{path}.0.")
        elif arrays:
            kind = {"integer": "integer", "number": "number"}.get(
                arrays[0].get("items", {}).get("type"), "text"
            )
            yield Field(f"{path}.0", kind)
        elif "number" in types:
            yield Field(path, "number")
        elif "integer" in types:
            yield Field(path, "integer")
        elif "object" in types:
            yield Field(path, "object")
        elif "string" in types:
            yield Field(path, "text")
        elif "boolean" in types:
            yield Field(path, "boolean")


def _options(prop: dict) -> list[dict]:
    """The alternatives of a property, nested anyOf flattened (a nullable Money is anyOf of an
    anyOf of number and string, and null)."""
    if "anyOf" not in prop:
        return [prop]
    return [option for alternative in prop["anyOf"] for option in _options(alternative)]


def set_raw(body: Any, path: str, json_text: str) -> str:
    """`body` as JSON text with the value at `path` written as `json_text` (lists grow as needed)."""
    body = json.loads(json.dumps(body))
    marker = f"__RAW_{abs(hash(path))}__"
    *parents, last = path.split(".")
    node = body
    for index, part in enumerate(parents):
        following = [*parents, last][index + 1]
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, list):
            while len(node) <= key:
                node.append({})
        elif key not in node or not isinstance(node[key], dict | list):
            node[key] = [] if following.isdigit() else {}
        node = node[key]
    if isinstance(node, list):
        while len(node) <= int(last):
            node.append(None)
        node[int(last)] = marker
    else:
        node[last] = marker
    return json.dumps(body).replace(f'"{marker}"', json_text)


def values_for(kind: str) -> list[tuple[str, bool]]:
    """(JSON text, must it be refused?) for a field of `kind`."""
    texts = [(json.dumps(text), False) for text in [*UNSTORABLE_TEXT, *CONTROL_TEXT]]
    if kind == "integer":
        return [(number, True) for number in BAD_INTEGERS] + [(json.dumps(UNSTORABLE_TEXT[1]), True)]
    if kind == "number":
        return [(number, True) for number in BAD_NUMBERS] + [(json.dumps(UNSTORABLE_TEXT[0]), True)]
    if kind == "boolean":  # text and objects are no boolean, however lax its field
        return [(json.dumps(UNSTORABLE_TEXT[0]), True), ('{"k": true}', True)]
    if kind == "object":
        return [(f'{{"k": {text}}}', refused) for text, refused in texts] + [('{"k": 1e-400}', False)]
    return texts


# --- the world each endpoint writes to ----------------------------------------------------------


@dataclass
class World:
    client: ApiClient
    ids: dict[str, int]
    number: str  # of the order the ids point at

    def url(self, path: str) -> str:
        values: dict[str, Any] = {"channel_id": 1, "price_list_id": 1, "stock_list_id": 1, "kind": "city"}
        values["catalog_id"] = self.ids["catalog"]
        if "{pk}" in path:
            resource = [part for part in path.split("/") if part and not part.startswith("{")]
            values["pk"] = self.ids[resource[-1] if path.endswith("{pk}/") else resource[-2]]
        for name, value in values.items():
            path = path.replace(f"{{{name}}}", str(value))
        return path

    def base_body(self, endpoint: Endpoint) -> Any:
        if endpoint.schema not in BASE_BODIES:
            pytest.fail(f"{endpoint} takes {endpoint.schema}: add a valid base body to BASE_BODIES")
        body = BASE_BODIES[endpoint.schema]
        if endpoint.schema == "BatchRequestIn" and endpoint.method != "post":
            body = BATCH_COMMIT
        # A new row is made for a product not in the list yet; a change goes to a row that is.
        sku = "FUZZ-UNLISTED" if endpoint.method == "post" else "DEMO-MUG"
        text = json.dumps(body).replace("__SKU__", sku)
        text = text.replace("__ITEM_KEY__", str(self.ids["order_items"])).replace("__NUMBER__", self.number)
        for marker, value in [("__ITEM__", "order_items"), ("__ORDER__", "orders"), ("__REASON__", "reason")]:
            text = text.replace(f'"{marker}"', str(self.ids[value]))
        return json.loads(text)


def _order_body(number: str) -> dict:
    body = json.loads(json.dumps(EXAMPLE_REQUEST))
    body["order"]["number"] = number
    return body


BASE_BODIES: dict[str, Any] = {
    "OrderCreateIn": _order_body("FUZZ-1"),
    "BulkCreateIn": {"orders": [_order_body("FUZZ-2")]},
    "LoginIn": {"username": "fuzz", "password": "fuzz-password"},
    "CustomerIn": {"email": "fuzz@example.com", "first_name": "F", "channel_code": "F-1", "extra_field": {}},
    "AddressIn": {
        "customer": 1,
        "title": "T",
        "first_name": "F",
        "line": "L",
        "postcode": "1",
        "country": 1,
        "city": 1,
        "extra_field": {},
        "remote_id": "R",
    },
    "ProductIn": {"sku": "FUZZ-SKU", "name": "N", "base_code": "B", "barcode": "1", "attributes": {}},
    "PriceIn": {"sku": "__SKU__", "price": "1.00", "retail_price": "2.00", "tax_rate": "20"},
    "StockIn": {"sku": "__SKU__", "stock": 3, "unit_type": "qty"},
    "ProductBulkIn": {
        "rows": [{"sku": "FUZZ-SKU", "name": "N", "base_code": "B", "barcode": "1", "attributes": {}}]
    },
    "PriceBulkIn": {"rows": [{"sku": "DEMO-MUG", "price": "1.00", "retail_price": "2.00", "tax_rate": "20"}]},
    "StockBulkIn": {"rows": [{"sku": "DEMO-MUG", "stock": 3, "unit_type": "qty"}]},
    "IntegrationActionIn": {
        "content_type": "order",
        "object_id": "__ORDER__",
        "remote_id": "R-1",
        "state": {},
    },
    "BatchRequestIn": {"content_type": "order", "remote_batch_id": "RB-1"},
    "ErrorReportIn": {
        "action_content_type": "order",
        "action_object_id": 1,
        "target_object_id": "1",
        "error_code": "E",
        "error_desc": "d",
    },
    "LocationErrorReportIn": {"remote_code": "X", "integration_type": "t", "err_code": "e", "err_desc": "d"},
    "OperationalEventIn": {"event_type": "sync", "level": "info", "message": "m", "context": {}, "tags": {}},
    "CancellationRequestIn": {
        "order_item": "__ITEM__",
        "reason": "__REASON__",
        "description": "d",
        "remote_id": "R",
    },
    "CancellationRequestUpdateIn": {"description": "d"},
    "OrderShippingInfoIn": {"order": "__ORDER__", "order_number": "__NUMBER__", "shipping_company": 1},
    "OrderItemUpdateIn": {"tracking_number": "T", "invoice_number": "I", "extra_field": {}},
    "CancelIn": {"cancel_items": ["__ITEM__"], "reasons": {"__ITEM_KEY__": "__REASON__"}},
    "CatalogItemIn": {"sku": "__SKU__"},
    "OrderSentIn": {"is_send": True},
    "MappingIn": {"code": "ERP-LINE-1", "update_stock": True},
    # A public address literal: resolving it needs no DNS, and it passes the outbound safety check.
    "WebhookIn": {"url": "https://93.184.215.14/hooks", "events": ["order.created"], "is_active": True},
    "WebhookUpdateIn": {"url": "https://93.184.215.14/hooks", "events": ["stock.changed"], "is_active": True},
    "RedeliverIn": {"since": "2025-01-01T00:00:00Z", "until": "2025-01-02T00:00:00Z"},
}
BATCH_COMMIT = {
    "status": "commit",
    "content_type": "order",
    "remote_batch_id": "RB-1",
    "objects": [{"pk": "__ORDER__", "content_type": "order", "remote_id": "R-1"}],
}


@pytest.fixture
def world(demo, django_user_model) -> World:
    """Channel 1 of the demo data, a row of every kind a write path addresses, and a key that may
    write all of it (channel 1, the shared and the erp grants)."""
    django_user_model.objects.create_user("fuzz", password="fuzz-password")
    client = ApiClient(
        create_api_key(name="fuzz", channels=Channel.objects.filter(pk=1), shared=True, erp=True)[1]
    )
    order = Order.objects.filter(channel_id=1).first()
    item = order.orderitem_set.first()
    reason = make_reason(cancellation_type="cancel")
    catalog = Catalog.objects.create(channel_id=1, name="Fuzz", price_list_id=1, stock_list_id=1)
    ids = {"orders": order.pk, "order_items": item.pk, "reason": reason.pk, "catalog": catalog.pk}
    world = World(client, ids, order.number)
    Product.objects.create(sku="FUZZ-UNLISTED", name="Not in any list")
    for collection, body in [
        ("integration_actions", {"content_type": "product", "object_id": 1, "remote_id": "P-1"}),
        ("batch_requests", world.base_body(Endpoint("post", "", "BatchRequestIn"))),
        ("cancellation_requests", world.base_body(Endpoint("post", "", "CancellationRequestIn"))),
    ]:
        response = client.post(f"/api/v1/channel/1/{collection}/", body)
        assert response.status_code == 201, (collection, response.content)
        ids[collection] = response.json()["pk"]
    ids.update(customers=1, addresses=1, products=1, prices=1, stocks=1)
    ids["webhooks"] = client.post("/api/v1/channel/1/webhooks/", BASE_BODIES["WebhookIn"]).json()["pk"]
    ids["prices"] = client.get("/api/v1/price_lists/1/prices/", sku="DEMO-MUG").json()["results"][0]["pk"]
    ids["stocks"] = client.get("/api/v1/stock_lists/1/stocks/", sku="DEMO-MUG").json()["results"][0]["pk"]
    return world


def send(world: World, endpoint: Endpoint, raw: str):
    client, url = world.client, world.url(endpoint.path)
    return client.client.generic(
        endpoint.method.upper(), url, raw.encode("utf-8", "surrogatepass"), "application/json", **client.auth
    )


ENDPOINTS = write_endpoints()


def test_the_endpoints_are_found():
    # Given / When the write endpoints are read from the OpenAPI document
    found = {str(endpoint) for endpoint in ENDPOINTS}
    # Then those of every resource are there
    assert len(ENDPOINTS) >= 30
    assert {"POST /api/v1/channel/{channel_id}/create_orders/", "PATCH /api/v1/products/{pk}/"} <= found


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_base_body_is_accepted(world, endpoint):
    # Given the endpoint's base body
    body = world.base_body(endpoint)
    # When it is sent
    with transaction.atomic():
        response = send(world, endpoint, json.dumps(body))
        transaction.set_rollback(True)
    # Then it is accepted, so that any 4xx of the fuzz test comes from the value it changed
    assert response.status_code < 300, response.content
    assert list(fields_of_endpoint(endpoint, body)), endpoint


def fields_of_endpoint(endpoint: Endpoint, body: Any) -> list[Field]:
    schema = SCHEMAS[endpoint.schema].model_json_schema()
    return list(fields_of(schema, body, schema.get("$defs", {})))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_field_takes_what_it_cannot_hold(world, endpoint, data):
    # Given the endpoint's base body with one field given a hostile value
    body = world.base_body(endpoint)
    fields = fields_of_endpoint(endpoint, body)
    field = data.draw(st.sampled_from(fields), label="field")
    raw, must_refuse = data.draw(st.sampled_from(values_for(field.kind)), label="value")
    with transaction.atomic():
        before = db_snapshot()
        # When it is sent
        response = send(world, endpoint, set_raw(body, field.path, raw))
        after = db_snapshot()
        transaction.set_rollback(True)
    # Then the answer is a 2xx, or a 4xx naming the field (or the request as a whole, for a value
    # that is fine in itself), and never a 5xx
    assert response.status_code < 500, response.content
    if must_refuse or response.status_code >= 400:
        assert 400 <= response.status_code < 500, (field, raw, response.content)
        paths = [error["path"] for error in response.json()["errors"]]
        named = [
            p
            for p in paths
            if p == field.path or p.startswith(f"{field.path}.") or field.path.startswith(f"{p}.")
        ]
        assert named or (not must_refuse and set(paths) <= {"", "non_field_errors"}), (field, raw, paths)
        # ... a refusal writes nothing
        assert after == before
    else:
        # ... and what is accepted holds nothing a database cannot store
        assert not [text for text in stored_strings(after) if _unstorable(text)], (field, raw)


def _unstorable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in text
