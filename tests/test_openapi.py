"""The OpenAPI document: valid, served with its docs page, and true to what create_orders answers."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis

from conftest import SEED_REQUEST_TEXT
from oms.channels.models import Channel
from oms.core.answers import Answer
from oms.core.errors import ErrorCode
from oms.core.wire import ErrorOut
from oms.orders.presenters import order_to_wire
from oms.orders.schemas import OrderIn, OrderItemIn, OrderOut
from oms.orders.services import create_order

CREATE = "/api/v1/channel/{channel_id}/create_orders/"


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi(document):
    # Given the document the service serves
    # When it is checked against the OpenAPI 3.1 schema
    schemathesis.openapi.from_dict(document).validate()
    # Then it is valid (validate raises otherwise), and it is 3.1
    assert document["openapi"].startswith("3.1")


def test_the_docs_page_loads(client):
    # Given a browser
    # When it opens the docs page
    response = client.get("/api/v1/docs")
    # Then the page is served and points at the document
    assert response.status_code == 200
    assert "openapi.json" in response.content.decode()


def test_the_docs_page_needs_no_internet(client):
    # Given the docs page
    page = client.get("/api/v1/docs").content.decode()
    # When its scripts and styles are listed
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    # Then each is one of our own static files, served
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset


def test_create_orders_documents_its_body_answers_and_errors(document):
    # Given the create_orders operation
    operation = document["paths"][CREATE]["post"]
    schemas = document["components"]["schemas"]
    # When its request body and responses are read
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    responses = operation["responses"]
    # Then the body is OrderCreateIn, 201/200 are OrderOut, and every error status is ErrorOut
    assert body == {"$ref": "#/components/schemas/OrderCreateIn"}
    for status in ("200", "201"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderOut")
        assert {"Warning", "Idempotent-Replayed"} <= set(responses[status]["headers"])
    for status in ("400", "401", "403", "404", "413", "415", "422"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert responses["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")
    assert set(schemas["OrderIn"]["required"]) == {
        "number",
        "status",
        "date_placed",
        "customer",
        "shipping_address",
        "billing_address",
        "currency",
        "amount",
    }
    assert set(schemas["OrderItemIn"]["required"]) == {"product", "price"}
    assert set(schemas["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}


def test_every_operation_documents_the_error_body_for_400(document):
    # Given every operation of the API
    operations = [op for path in document["paths"].values() for op in path.values()]
    # When their 400 answers are read
    refs = {op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"] for op in operations}
    # Then each is the one error body
    assert refs == {"#/components/schemas/ErrorOut"}


def test_money_is_documented_as_numbers_or_numeric_strings_and_answered_as_numbers(document):
    # Given the documented amount of a request and of an answer
    schemas = document["components"]["schemas"]
    sent = schemas["OrderIn"]["properties"]["amount"]["anyOf"]
    answered = schemas["OrderOut"]["properties"]["amount"]
    # When their types are read
    # Then a request may send a number or a numeric string; the answer is always a number
    assert [branch["type"] for branch in sent] == ["number", "string"]
    assert answered["type"] == "number"
    assert schemas["OrderOut"]["properties"]["date_placed"]["format"] == "date-time"


def test_order_out_has_exactly_the_fields_order_to_wire_answers(demo, seed_body):
    # Given an order created from the page's example
    channel = Channel.objects.get(pk=1)
    result = create_order(channel=channel, payload=seed_body)
    # When it is rendered as create_orders answers it
    wire = order_to_wire(
        result.order, channel=channel, items=result.items, fund_transfer_ids=result.fund_transfer_ids
    )
    # Then the documented OrderOut has exactly its keys, and accepts it
    assert set(wire) == set(OrderOut.model_fields)
    OrderOut.model_validate(wire)


def test_an_answer_and_an_error_match_their_documented_models(api, seed_body):
    # Given a created order and a refused one
    created = api.create_order(seed_body)
    refused = api.create_order({"order": {}, "order_item": []})
    # When their bodies are read against OrderOut and ErrorOut
    # Then both validate
    OrderOut.model_validate(created.json())
    ErrorOut.model_validate(refused.json())


def test_every_page_field_is_documented_on_the_request_models():
    # Given the page's 47 order fields and 34 item fields (the seed request), plus the fields
    # Omnitron's own client sends
    seed = json.loads(SEED_REQUEST_TEXT)
    # When they are compared with the request models
    # Then every one is a field of OrderIn or OrderItemIn (the item's `order` is read-only)
    assert len(seed["order"]) == 47 and len(seed["order_item"][0]) == 34
    assert set(seed["order"]) <= set(OrderIn.model_fields)
    assert set(seed["order_item"][0]) - {"order"} <= set(OrderItemIn.model_fields)
    assert {"net_shipping_amount"} <= set(OrderIn.model_fields)
    assert {"attributes_kwargs", "delivered_date", "tracking_number"} <= set(OrderItemIn.model_fields)


def test_every_operation_taking_an_idempotency_key_documents_its_422(document):
    # Given the operations that take an Idempotency-Key (schemathesis found the bulk route's 422
    # undocumented)
    keyed = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    ]
    assert {path for path, _, _ in keyed} >= {CREATE, CREATE + "bulk/"}
    # Then each documents 422 with the error body
    for path, method, operation in keyed:
        schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorOut"), (path, method)


def _refs(node) -> list[str]:
    """Every $ref under `node`."""
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [
            ref for value in node.values() for ref in _refs(value)
        ]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _untyped_object(schema: dict) -> bool:
    """An object the document gives no fields: `{}`, `{"type": "object"}`, additionalProperties only."""
    shaped = {"properties", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "items"}
    kind = schema.get("type")
    return (kind in (None, "object")) and not shaped & set(schema)


def test_every_ref_in_the_document_resolves(document):
    # Given every $ref of the document (request bodies included: CancelIn and OrderItemUpdateIn
    # were named and not defined)
    refs = set(_refs(document))
    schemas = document["components"]["schemas"]
    # When each is looked up among the component schemas
    missing = sorted(ref for ref in refs if ref.removeprefix("#/components/schemas/") not in schemas)
    # Then every one is defined
    assert refs and not missing


def test_every_2xx_answer_is_a_schema_with_fields(document):
    # Given the schema of every 2xx answer with a body
    schemas = document["components"]["schemas"]
    answers = [
        (f"{method.upper()} {path} {status}", response["content"]["application/json"]["schema"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if str(status).startswith("2") and "content" in response
    ]
    untyped = []
    for answer, root in answers:
        # When it and every schema it refers to, walked to the end, are read
        pending, seen = [root], set()
        while pending:
            schema = pending.pop()
            ref = schema.get("$ref")
            if ref in seen:
                continue
            if ref:
                seen.add(ref)
                schema = schemas[ref.removeprefix("#/components/schemas/")]
            if _untyped_object(schema):
                untyped.append(f"{answer}: {ref or 'the answer'}")
            pending += [{"$ref": nested} for nested in _refs(schema)]
    # Then none is an object without fields
    assert untyped == []


def _answers(cls=None):
    for sub in (cls or Answer).__subclasses__():
        yield sub
        yield from _answers(sub)


def test_every_documented_answer_names_the_keys_its_renderer_writes(document):
    # Given every answer schema the document defines (an Answer renders its own wire dict)
    components = document["components"]["schemas"]
    documented = [schema for schema in _answers() if schema.__name__ in components]
    assert documented, "no Answer schema found in the document"
    # When its documented properties are set beside the keys its renderer writes
    wrong = {}
    for schema in documented:
        wire = {
            field.serialization_alias or field.alias or name for name, field in schema.model_fields.items()
        }
        properties = set(components[schema.__name__].get("properties", {}))
        if properties != wire:
            wrong[schema.__name__] = sorted(properties ^ wire)
    # Then they are the same names (an alias documented by its Python name, `from_` for the wire's
    # `from`, made a generated client read a key that never comes)
    assert wrong == {}
