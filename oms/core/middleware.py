"""Middleware: every answer under /api/ carries the one JSON error body, even those Django makes
itself (an unknown path, a wrong method, an unexpected crash), and the rate limit's headers when
the request was charged; and the admin's middleware is skipped for API requests."""

from __future__ import annotations

import logging

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf

from oms.core.errors import ErrorCode, Problem
from oms.core.http import (
    API_PREFIX,
    AUTH_CHALLENGE,
    INTERNAL_ERROR_MESSAGE,
    JSON,
    database_unavailable,
    error_response,
    unavailable_response,
)
from oms.core.ratelimit import decision_headers

log = logging.getLogger(__name__)

_GENERIC: dict[int, tuple[ErrorCode, str]] = {
    404: (ErrorCode.NOT_FOUND, "Not found."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed."),
    413: (ErrorCode.TOO_LARGE, "The request body is too large."),
    500: (ErrorCode.INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE),
}
_BODY_HEADERS = {"content-type", "content-length"}


class ApiErrorBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith(API_PREFIX):
            return response
        if not response.get("Content-Type", "").startswith(JSON):
            response = self._as_json(request, response)
        if response.status_code == 401:
            response["WWW-Authenticate"] = AUTH_CHALLENGE
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An API view that failed because the database could not be reached answers 503 with
        Retry-After (a restart or failover: the client's to retry); any other failure is left to
        Django's 500."""
        if request.path.startswith(API_PREFIX) and database_unavailable(exception):
            log.error("Database unavailable: %s", request.path, exc_info=exception)
            return unavailable_response()
        return None

    def _as_json(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        code, message = _GENERIC.get(status, (ErrorCode.INVALID, response.reason_phrase or "Error."))
        if status == 405:
            message = f"Method {request.method} not allowed; allowed: {response.get('Allow', '')}."
        replaced = error_response(status, [Problem("", code, message)])
        # Allow, and what the middleware inside this one added (X-Frame-Options...)
        for name, value in response.items():
            if name.lower() not in _BODY_HEADERS:
                replaced[name] = value
        return replaced


class RateLimitHeaders:
    """`RateLimit-Policy` and `RateLimit` (and Retry-After on a refusal) on the answer to a request
    the API's key check charged (oms/core/ratelimit.py), whatever answered it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in decision_headers(request.META):
            response[name] = value
        return response


class _AdminOnly:
    """Runs the middleware for every path but the API's. Sessions, CSRF tokens, the logged-in
    user and messages serve the admin's HTML pages; the API authenticates every request by its
    key and uses none of them. Skipping them saved about a sixth of a create's CPU. They stay
    subclasses of Django's own, so the admin's system checks still find them."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_AdminOnly, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_AdminOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_AdminOnly, messages.MessageMiddleware):
    pass


class CsrfViewMiddleware(_AdminOnly, csrf.CsrfViewMiddleware):
    def process_view(self, request: HttpRequest, callback, callback_args, callback_kwargs):
        # Called by the handler itself, for every view, not through __call__.
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer that has not set its own: the API's answers carry
    customers' names, addresses and orders, which no cache between us and the client may keep.
    After WhiteNoise, so static files keep their caching; the same for every path, so the WSGI
    layers that copy the middleware's headers (oms/core/added_headers.py) add it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
