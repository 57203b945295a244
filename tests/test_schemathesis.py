"""schemathesis against the service's own OpenAPI document: no answer is a 5xx, and every answer
matches what the document says (status, content type, body schema, headers).

Runs in `make test` on both databases, with a bounded number of examples per operation: more for
create_orders, whose body is the richest, fewer for the rest.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CREATE_ORDERS = r"/create_orders/$"

CONFIG = SchemathesisConfig.from_dict(
    {
        # Requests aimed at the demo rows; otherwise nearly every case stops at "channel not found".
        "parameters": {"channel_id": 1, "price_list_id": 1, "stock_list_id": 1},
        # The coverage phase sends ~1,400 boundary cases for create_orders alone: too slow for
        # `make test`. Positive and negative fuzzing stay on.
        "phases": {"coverage": {"enabled": False}},
        "generation": {"mode": "all", "database": "none"},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)
# schemathesis makes each operation an item of the one test's node id, and xdist runs a node id
# once: `make test` runs this module alone, outside its parallel workers.
pytestmark = pytest.mark.serial


@pytest.fixture
def same_connection(demo):
    """The demo data, and requests served on the test's own database connection.

    Django's WSGI handler closes the connection at each request's start and end, which would
    lose the transaction every test runs (and rolls back) in; Django's test client disconnects
    the same signal handler.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )


@schema.include(path_regex=CREATE_ORDERS).parametrize()
@_fuzz_settings(60)
def test_create_orders_answers_match_the_document_and_none_is_a_5xx(case, token, same_connection):
    # Given a create_orders request generated from the service's own OpenAPI document
    # When it is sent with the demo key
    # Then the answer is no 5xx and matches the documented status, media type, headers and schema
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


@schema.exclude(path_regex=CREATE_ORDERS).parametrize()
@_fuzz_settings(5)
def test_every_other_operation_answers_as_documented_and_never_5xx(case, token, same_connection):
    # Given a request for any other operation, generated from the document
    # When it is sent with the demo key
    # Then the answer is no 5xx and matches the document
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
