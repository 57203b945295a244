"""The catalog's router, and what its two route modules share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from oms.core.http import read_json

router = Router(tags=["catalog"])

SHARED = "Writing needs a key with the shared grant."


def bulk_body(request: HttpRequest) -> Any:
    """A bulk upsert's body: up to 1,000 rows may exceed the 1 MiB every other body is held to."""
    return read_json(request, max_bytes=settings.OMS_MAX_BULK_BODY_BYTES)
