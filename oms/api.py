"""The NinjaAPI: authentication, the one error body for every failure, routers mounted."""

from __future__ import annotations

import logging
import re

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader

from oms.access.api import router as access_router
from oms.access.services import Principal, authenticate_key, spend_rate_limit
from oms.catalog.api import router as catalog_router
from oms.channels.api import router as channels_router
from oms.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Problem,
    RateLimited,
    ValidationFailed,
)
from oms.core.http import UnsupportedMediaType, error_response
from oms.core.openapi import add_body_schemas, add_error_responses
from oms.core.wire import code_for, message_for
from oms.customers.api import router as customers_router
from oms.events.api import router as events_router
from oms.idempotency.services import IdempotencyKeyReused
from oms.integrations.api import router as integrations_router
from oms.integrations.services.batches import BatchTransitionRefused
from oms.locations.api import router as locations_router
from oms.orders.api import create_router as orders_create_router
from oms.orders.api import erp_router as orders_erp_router
from oms.orders.api import router as orders_router
from oms.orders.api.bulk import orders_sent

log = logging.getLogger(__name__)


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <key>` (Django REST framework's form, used by Omnitron) or the bare key;
    the request is charged to the key's rate limit here, before anything else is done for it."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal:
        principal = authenticate_key(key or "")
        cost = _COSTS.get(request.resolver_match.url_name if request.resolver_match else None)
        spend_rate_limit(request.META, principal, cost=cost(request) if cost else 1)
        return principal


# Routes whose requests cost more than one token: a bulk create, one per order it sends.
_COSTS = {"create_orders_bulk": orders_sent}


# Path parameters that are ids: `pk` and `<noun>_id`.
_ID_PARAMETER = re.compile(r"<(pk|\w+_id)>")


class OmsAPI(NinjaAPI):
    def _get_urls(self) -> list:
        # An id in a path is ASCII digits, as every number is (wire.parse_integer): ninja matches
        # `{pk}` as any text and Pydantic reads "1_0" from it as 10; Django's int converter matches
        # [0-9]+ only, so anything else is an unknown path (404).
        return [_with_integer_ids(url) for url in super()._get_urls()]

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        add_error_responses(schema)
        add_body_schemas(schema)
        return schema


def _with_integer_ids(url: URLPattern | URLResolver) -> URLPattern | URLResolver:
    route = getattr(url.pattern, "_route", None)
    if isinstance(url, URLPattern) and route and _ID_PARAMETER.search(route):
        return path(_ID_PARAMETER.sub(r"<int:\1>", route), url.callback, name=url.name)
    return url


api = OmsAPI(
    title="oms",
    version="1",
    description="Order management service: Akinon Omnitron's sales-channel order API. "
    "Every 4xx answer is {detail, errors: [{path, code, message}]}.",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)

_STATUS: list[tuple[type[DomainError], int]] = [
    (ValidationFailed, 400),
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (UnsupportedMediaType, 415),
    (IdempotencyKeyReused, 422),
    (BatchTransitionRefused, 406),
    (RateLimited, 429),
]


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = next(code for cls, code in _STATUS if isinstance(exc, cls))
    response = error_response(status, exc.problems, exc.detail, **exc.extra)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@api.exception_handler(NinjaValidationError)
def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # Query and path parameters, and the bodies ninja parses itself (login, some writes).
    problems = [
        Problem(_ninja_path(err), code_for(err.get("type", "")), message_for(err)) for err in exc.errors
    ]
    return error_response(400, problems)


def _ninja_path(err: dict) -> str:
    # ("query", "limit") -> "limit"; ("body", "<parameter name>", "username") -> "username": the
    # body parameter's name is not on the wire.
    loc = list(err.get("loc", ()))
    parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
    return ".".join(str(part) for part in parts)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401,
        [
            Problem(
                "Authorization", ErrorCode.NOT_AUTHENTICATED, "Authentication credentials were not provided."
            )
        ],
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, [Problem("", ErrorCode.NOT_FOUND, "Not found.")])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413, [Problem("", ErrorCode.TOO_LARGE, "The request body is too large.")])


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, [Problem("", ErrorCode.INVALID, str(exc))])


api.add_router("/", orders_create_router)
api.add_router("/", access_router)
# Before orders: its orders/updates/ and orders/{pk}/ share a prefix, and the first pattern wins.
api.add_router("/", integrations_router)
api.add_router("/", orders_router)
api.add_router("/", orders_erp_router)
api.add_router("/", customers_router)
api.add_router("/", locations_router)
api.add_router("/", channels_router)
api.add_router("/", catalog_router)
api.add_router("/", events_router)
