"""Login, as Omnitron's SDK does it before anything else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from oms.access.services import login
from oms.core.http import json_response
from oms.core.wire import ErrorOut, text

router = Router(tags=["auth"])


class LoginIn(Schema):
    username: text(150)
    password: text(4096)


class LoginOut(Schema):
    key: str


@router.post(
    "/auth/login/",
    auth=None,
    response={200: LoginOut, 400: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    summary="Exchange a username and password for an API key",
)
def auth_login(request: HttpRequest, credentials: LoginIn) -> HttpResponse:
    key = login(
        username=credentials.username,
        password=credentials.password,
        # The peer's address; the proxy setting that trusts X-Forwarded-For comes with deployment.
        address=request.META.get("REMOTE_ADDR", ""),
    )
    return json_response({"key": key})
