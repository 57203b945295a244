"""Batch requests: an integration's runs, moved through `oms.integrations.transitions`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from oms.channels.models import Channel
from oms.core.errors import Conflict, DomainError, ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter, get_row
from oms.integrations.kinds import kind_by_content_type_id, missing_objects
from oms.integrations.models import BatchRequest, IntegrationAction
from oms.integrations.schemas import BATCH_REQUEST_READ_ONLY, BatchRequestIn
from oms.integrations.services.actions import (
    FEED_KINDS,
    BatchObject,
    held_elsewhere,
    lock_channel_feeds,
    record_objects,
)
from oms.integrations.services.common import content_type_id, parse
from oms.integrations.transitions import FINAL, REFUSED_TRANSITION_CODE, S, can_move


class BatchTransitionRefused(DomainError):
    """The batch request may not move to the status asked, or has finished (406, answered with
    Omnitron's `error_code` batch_request_status_100_1, which channel-app looks for)."""


def list_batch_requests(*, channel: Channel) -> QuerySet[BatchRequest]:
    """The channel's batch requests with their objects' integration actions (one query each)."""
    return (
        BatchRequest.objects.filter(channel=channel)
        .select_related("content_type")
        .prefetch_related(Prefetch("integration_actions", queryset=IntegrationAction.objects.order_by("pk")))
    )


get_batch_request = channel_row_getter(list_batch_requests, "Batch request")


@transaction.atomic
def create_batch_request(*, channel: Channel, payload: Any) -> BatchRequest:
    """Open a run: a batch request in `initialized` with a new local_batch_id. Objects are
    recorded by the updates that follow, not here."""
    data, _ = parse(BatchRequestIn, payload, channel=channel, read_only=BATCH_REQUEST_READ_ONLY)
    problems = []
    if data.status not in (None, S.INITIALIZED):
        problems.append(Problem("status", ErrorCode.INVALID, "A batch request starts in initialized."))
    if data.objects:
        problems.append(
            Problem(
                "objects", ErrorCode.INVALID, "Objects are recorded by updating the batch request (commit)."
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return BatchRequest.objects.create(
        channel=channel,
        content_type_id=content_type_id(data.content_type) if data.content_type else None,
        remote_batch_id=data.remote_batch_id or "",
    )


@transaction.atomic
def update_batch_request(*, channel: Channel, pk: int, payload: Any) -> BatchRequest:
    """Move the batch to the status sent (if any) and record the objects sent (if any).

    The batch row is locked first, so concurrent updates of one batch apply one after the other
    and the transition is checked against the stored status. Raises BatchTransitionRefused (406)
    for a move the transition table does not allow, including any change to a finished batch,
    before looking at the objects; ValidationFailed (400) for the body's problems, an object of
    an unknown kind or one the channel does not have; Conflict (409) for a product, price or
    stock another open batch of the channel holds (the channel row is locked while that is
    checked and recorded, so two commits cannot both take an object). Nothing is written on a
    refusal.
    """
    batch = get_row(
        BatchRequest.objects.select_for_update().filter(channel=channel),
        pk,
        label="Batch request",
        where=f" in channel {channel.pk}",
    )
    data, given = parse(BatchRequestIn, payload, channel=channel, read_only=BATCH_REQUEST_READ_ONLY)
    target = data.status or batch.status
    if not can_move(batch.status, target):
        raise _refused(batch, target)
    if "content_type" in given and data.content_type:
        batch.content_type_id = content_type_id(data.content_type)
    objects = _batch_objects(channel, batch, data)
    if any(obj.kind in FEED_KINDS for obj in objects):
        lock_channel_feeds(channel)
        held = held_elsewhere(batch=batch, objects=objects)
        if held:
            raise Conflict(held)
    if "remote_batch_id" in given:
        batch.remote_batch_id = data.remote_batch_id or ""
    batch.status = target
    batch.save()
    record_objects(batch=batch, objects=objects)
    return get_batch_request(channel=channel, pk=batch.pk)


def _batch_objects(channel: Channel, batch: BatchRequest, data: BatchRequestIn) -> list[BatchObject]:
    default_kind = kind_by_content_type_id().get(batch.content_type_id)
    problems: list[Problem] = []
    objects: list[BatchObject] = []
    paths: dict[tuple[str, int], list[str]] = {}
    for index, entry in enumerate(data.objects or []):
        kind = entry.content_type or default_kind
        if kind is None:
            problems.append(
                Problem(
                    f"objects.{index}.content_type",
                    ErrorCode.REQUIRED,
                    "Name the object's model, or give the batch request a content_type.",
                )
            )
            continue
        objects.append(
            BatchObject(kind, entry.pk, entry.remote_id, entry.version_date, entry.failed_reason_type)
        )
        paths.setdefault((kind, entry.pk), []).append(f"objects.{index}.pk")
    wanted: dict[str, set[int]] = {}
    for obj in objects:
        wanted.setdefault(obj.kind, set()).add(obj.object_id)
    for kind, ids in missing_objects(channel, wanted).items():
        for object_id in sorted(ids):
            problems += [
                Problem(path, ErrorCode.NOT_FOUND, f"There is no {kind} {object_id} in channel {channel.pk}.")
                for path in paths[(kind, object_id)]
            ]
    if problems:
        raise ValidationFailed(sorted(problems, key=lambda problem: _index(problem.path)))
    return objects


def _index(path: str) -> int:
    return int(path.split(".")[1])


def _refused(batch: BatchRequest, target: str) -> BatchTransitionRefused:
    if batch.status in FINAL:
        message = f"Batch request {batch.pk} is {batch.status}; a finished batch request does not change."
    else:
        message = f"Batch request {batch.pk} cannot move from {batch.status} to {target}."
    return BatchTransitionRefused(
        Problem("status", ErrorCode.INVALID_TRANSITION, message), error_code=REFUSED_TRANSITION_CODE
    )
