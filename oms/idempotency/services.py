"""Idempotency-Key (the IETF draft's semantics, as Stripe practises them).

A keyed request first claims its key: a row inserted in its own short transaction, unique per
(API key, channel, key). The database decides who owns a key, so two concurrent requests with
one key never both run: the loser reads the winner's row and is told the key is in use, or gets
the stored answer once the winner has finished. A crash between claim and answer leaves a
claimed row with no answer; it is abandoned once older than OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from oms.core.errors import Conflict, DomainError, ErrorCode, Problem
from oms.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
# A claim lost to a concurrent take-over or purge is retried this many times before giving up.
_CLAIM_ATTEMPTS = 3


class IdempotencyKeyReused(DomainError):
    """The key was first used for a different request (422)."""


class IdempotencyKeyInUse(Conflict):
    """The key's first request is still running (409)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The caller owns the key and runs the request; it ends with `store_answer` or `release_key`."""

    row_id: int
    token: uuid.UUID


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The answer the key's first request got, to be replayed as it was."""

    status: int
    body: bytes
    headers: dict[str, str]


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body, key order and whitespace aside."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body  # not JSON: the endpoint refuses it, and nothing is stored
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def claim_key(*, api_key_id: int, channel_id: int, key: str, fingerprint: str) -> Claim | StoredAnswer:
    """Claim `key` for a request with `fingerprint`, or return the answer its first request got.

    Raises IdempotencyKeyReused when the key was used for another request, IdempotencyKeyInUse
    while the first request runs. An expired key (older than OMS_IDEMPOTENCY_TTL_SECONDS) is free
    again; an abandoned claim of the same request is taken over. Commits on its own: call it
    outside any transaction, so that concurrent requests see the claim at once.
    """
    scope = {"api_key_id": api_key_id, "channel_id": channel_id, "key": key}
    for _ in range(_CLAIM_ATTEMPTS):
        now = timezone.now()
        token = uuid.uuid4()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    **scope, fingerprint=fingerprint, claim_token=token, created_date=now
                )
            return Claim(row.pk, token)
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(**scope).first()
        if existing is None:
            continue  # purged since the insert failed; claim again
        if existing.created_date <= now - timedelta(seconds=settings.OMS_IDEMPOTENCY_TTL_SECONDS):
            if _take_over(existing, fingerprint=fingerprint, token=token, now=now):
                return Claim(existing.pk, token)
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                Problem(
                    HEADER,
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    f'Idempotency-Key "{key}" was already used for a different request; '
                    "send a new key for a new request.",
                )
            )
        if existing.status_code is not None:
            return StoredAnswer(
                existing.status_code, bytes(existing.response_body), existing.response_headers
            )
        if existing.created_date <= now - timedelta(seconds=settings.OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS):
            # Its request died before answering (a crash): nothing of it was stored under the key.
            if _take_over(existing, fingerprint=fingerprint, token=token, now=now):
                return Claim(existing.pk, token)
            continue
        break
    raise IdempotencyKeyInUse(
        Problem(
            HEADER,
            ErrorCode.IDEMPOTENCY_KEY_IN_USE,
            f'A request with Idempotency-Key "{key}" is still being processed; retry in a moment.',
        )
    )


def _take_over(existing: IdempotencyKey, *, fingerprint: str, token: uuid.UUID, now: datetime) -> bool:
    # Conditional on the old token: of several requests taking over the same row, one wins.
    return _update_claimed(
        existing.pk,
        existing.claim_token,
        fingerprint=fingerprint,
        claim_token=token,
        status_code=None,
        response_body=b"",
        response_headers={},
        created_date=now,
        completed_date=None,
    )


def store_answer(claim: Claim, *, status: int, body: bytes, headers: dict[str, str]) -> bool:
    """Store the answer of the claimed request; False when the claim was taken over meanwhile."""
    return _update_claimed(
        claim.row_id,
        claim.token,
        status_code=status,
        response_body=body,
        response_headers=headers,
        completed_date=timezone.now(),
    )


def _update_claimed(row_id: int, token: uuid.UUID, **values: Any) -> bool:
    """Update the key row while it still holds `token`; False when another request holds it."""
    with transaction.atomic():
        return bool(IdempotencyKey.objects.filter(pk=row_id, claim_token=token).update(**values))


def release_key(claim: Claim) -> None:
    """Forget the claim: the request failed without writing anything, so the key may be used again."""
    with transaction.atomic():
        IdempotencyKey.objects.filter(pk=claim.row_id, claim_token=claim.token).delete()


def purge_expired_keys(*, batch_size: int = 1000) -> int:
    """Delete keys older than OMS_IDEMPOTENCY_TTL_SECONDS, in short batches; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.OMS_IDEMPOTENCY_TTL_SECONDS)
    purged = 0
    while True:
        # One short transaction per batch, so SQLite's write lock is never held for long.
        with transaction.atomic():
            ids = list(
                IdempotencyKey.objects.filter(created_date__lte=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return purged
            purged += IdempotencyKey.objects.filter(id__in=ids).delete()[0]
