"""`@idempotent`: Idempotency-Key handling for a channel-scoped POST route (API layer)."""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from oms.access.services import get_channel_for
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.http import read_body
from oms.idempotency.services import (
    HEADER,
    StoredAnswer,
    claim_key,
    release_key,
    request_fingerprint,
    store_answer,
)

log = logging.getLogger(__name__)

REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

View = Callable[..., HttpResponse]


def idempotent(view: View | None = None, *, max_body_setting: str | None = None) -> View:
    """Honour an optional `Idempotency-Key` header on a POST route with a `channel_id` path parameter.

    Place it under the router's decorator. The key is scoped to the caller's API key and the
    channel. A 2xx answer is stored and replayed byte for byte, with `Idempotent-Replayed: true`,
    to a retry with the same request; any other answer releases the key, since nothing was
    written and the client may correct the request and retry with the same key. The body is read
    under the cap named by `max_body_setting` (DATA_UPLOAD_MAX_MEMORY_SIZE when not given), the
    same cap the view reads it with.
    """
    if view is None:
        return functools.partial(idempotent, max_body_setting=max_body_setting)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
        raw = request.headers.get(HEADER)
        if raw is None:
            return view(request, **kwargs)
        key = parse_key(raw)
        channel = get_channel_for(principal=request.auth, channel_id=kwargs["channel_id"])
        outcome = claim_key(
            api_key_id=request.auth.key_id,
            channel_id=channel.pk,
            key=key,
            fingerprint=request_fingerprint(
                method=request.method,
                path=request.path,
                body=read_body(
                    request, max_bytes=getattr(settings, max_body_setting) if max_body_setting else None
                ),
            ),
        )
        if isinstance(outcome, StoredAnswer):
            return _replay(outcome)
        try:
            response = view(request, **kwargs)
        except BaseException:
            release_key(outcome)
            raise
        if 200 <= response.status_code < 300:
            stored = store_answer(
                outcome, status=response.status_code, body=response.content, headers=dict(response.headers)
            )
            if not stored:
                log.warning("Idempotency-Key %r: claim taken over before the answer was stored", key)
        else:
            release_key(outcome)
        return response

    # Ninja reads the parameters' types from the signature; resolve them in the view's own module.
    wrapper.__signature__ = _resolved_signature(view)
    contribute_operation_callback(wrapper, _document_header)
    return wrapper


def parse_key(raw: str) -> str:
    """The key as sent, bare (Stripe) or as a quoted string (the IETF draft's structured field)."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            Problem(
                HEADER, ErrorCode.TOO_LONG, f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters."
            )
        )
    if not key or not all(" " <= char <= "~" for char in key):
        raise ValidationFailed(
            Problem(
                HEADER,
                ErrorCode.INVALID_FORMAT,
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            )
        )
    return key


def _replay(answer: StoredAnswer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _document_header(operation: Operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), _HEADER_PARAMETER]
    operation.openapi_extra = extra


_HEADER_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "Optional. A retry with the same key and body replays the first 2xx answer "
    "(with `Idempotent-Replayed: true`); the same key with another body is refused with 422, "
    "and while the first request runs with 409. Keys live OMS_IDEMPOTENCY_TTL_SECONDS (24 h).",
}


def _resolved_signature(view: View) -> inspect.Signature:
    hints = typing.get_type_hints(view)
    signature = inspect.signature(view)
    return signature.replace(
        parameters=[
            parameter.replace(annotation=hints.get(name, parameter.annotation))
            for name, parameter in signature.parameters.items()
        ]
    )
