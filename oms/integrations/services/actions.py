"""Integration actions: which remote id the channel knows each of our objects by.

They are written two ways. An operator or an integration maps objects one at a time (products to
the channel's product ids: `create_integration_action`); and a batch request records every
object it carries (`record_objects`, called by the batch request services), which is how orders
and their items get linked to the channel's order and line ids, since channel-app never writes
those links itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter
from oms.integrations.kinds import content_types, kind_by_content_type_id, missing_objects
from oms.integrations.models import BatchRequest, IntegrationAction
from oms.integrations.schemas import INTEGRATION_ACTION_READ_ONLY, IntegrationActionIn
from oms.integrations.services.common import parse, resolve_kind
from oms.integrations.services.pending import refresh_pending
from oms.integrations.transitions import S as BatchStatus

Status = IntegrationAction.Status
# What the channel feeds hand out (oms.integrations.services.feeds): one open batch at a time each.
FEED_KINDS = frozenset({"product", "productprice", "productstock"})
_UNIQUE = ["channel", "content_type", "object_id"]


def list_integration_actions(*, channel: Channel) -> QuerySet[IntegrationAction]:
    return IntegrationAction.objects.filter(channel=channel).select_related("batch_request")


get_integration_action = channel_row_getter(list_integration_actions, "Integration action")


@transaction.atomic
def create_integration_action(*, channel: Channel, payload: Any) -> IntegrationAction:
    """Link one object to its remote id. ValidationFailed (400) with every problem at once: the
    schema's, a content type integrations do not use, an object that does not exist or belongs to
    another channel, an object the channel has already linked (decided by the unique constraint)."""
    data, _ = parse(IntegrationActionIn, payload, channel=channel, read_only=INTEGRATION_ACTION_READ_ONLY)
    problems: list[Problem] = []
    kind = _kind_of(data, problems)
    if kind is None and data.content_type is None and data.content_type_id is None:
        problems.append(Problem("content_type", ErrorCode.REQUIRED, "This field is required."))
    if data.object_id is None:
        problems.append(Problem("object_id", ErrorCode.REQUIRED, "This field is required."))
    elif kind is not None:
        problems += _object_problems(channel, kind, data.object_id)
    if problems:
        raise ValidationFailed(problems)
    action = IntegrationAction(
        channel=channel,
        content_type=content_types()[kind],
        object_id=data.object_id,
        remote_id=data.remote_id,
        version_date=data.version_date,
        state=data.state or {},
        status=data.status or Status.SUCCESS,
        failed_reason_type=data.failed_reason_type or "",
    )
    _mark_delivered(action)
    _save(action)
    refresh_linked_products(action.channel_id, [(action.content_type_id, action.object_id)])
    return action


@transaction.atomic
def update_integration_action(*, action: IntegrationAction, payload: Any) -> IntegrationAction:
    """Change the fields sent; the same checks as create for a new content type or object."""
    channel = action.channel
    linked = (action.content_type_id, action.object_id)
    data, given = parse(IntegrationActionIn, payload, channel=channel, read_only=INTEGRATION_ACTION_READ_ONLY)
    problems: list[Problem] = []
    kind = _kind_of(data, problems) or kind_by_content_type_id()[action.content_type_id]
    if "object_id" in given and data.object_id is None:
        problems.append(Problem("object_id", ErrorCode.INVALID_TYPE, "May not be null."))
    if given & {"content_type", "content_type_id", "object_id"} and not problems:
        action.content_type = content_types()[kind]
        action.object_id = data.object_id or action.object_id
        problems += _object_problems(channel, kind, action.object_id)
    if problems:
        raise ValidationFailed(problems)
    for name in ("remote_id", "version_date"):
        if name in given:
            setattr(action, name, getattr(data, name))
    if "state" in given:
        action.state = data.state or {}
    if "status" in given and data.status is not None:
        action.status = data.status
    if "failed_reason_type" in given:
        action.failed_reason_type = data.failed_reason_type or ""
    if given & {"status", "version_date"}:
        _mark_delivered(action)
    _save(action)
    refresh_linked_products(channel.pk, [linked, (action.content_type_id, action.object_id)])
    return action


@transaction.atomic
def delete_integration_action(*, action: IntegrationAction) -> None:
    action.delete()
    refresh_linked_products(action.channel_id, [(action.content_type_id, action.object_id)])


def refresh_linked_products(channel_id: int, links: Sequence[tuple[int | None, int | None]]) -> None:
    """A product's link (content type id, object id) decides whether the product feeds read its
    catalog items (services.pending); other links are skipped."""
    product = content_types()["product"].pk
    refresh_pending(
        channel_id=channel_id, product_ids=[object_id for kind, object_id in links if kind == product]
    )


def _kind_of(data: IntegrationActionIn, problems: list[Problem]) -> str | None:
    if data.content_type is not None:
        return resolve_kind(data.content_type, path="content_type", problems=problems)
    if data.content_type_id is not None:
        return resolve_kind(data.content_type_id, path="content_type_id", problems=problems)
    return None


def _object_problems(channel: Channel, kind: str, object_id: int) -> list[Problem]:
    if missing_objects(channel, {kind: [object_id]}):
        return [
            Problem(
                "object_id",
                ErrorCode.NOT_FOUND,
                f"There is no {kind} {object_id} in channel {channel.pk}.",
            )
        ]
    return []


def _mark_delivered(action: IntegrationAction) -> None:
    # A link written by hand as a success says the channel has the object at its version_date.
    if action.status == Status.SUCCESS and action.version_date is not None:
        action.delivered_version = action.version_date


def _save(action: IntegrationAction) -> None:
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        # The only unique constraint: one action per object and channel.
        raise ValidationFailed(
            Problem(
                "object_id",
                ErrorCode.DUPLICATE,
                f"{action.content_type.model} {action.object_id} is already linked in channel "
                f"{action.channel_id}; change that integration action instead.",
            )
        ) from None


# --- recorded by batch requests ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchObject:
    """One object of a batch request, its kind resolved and its channel checked."""

    kind: str
    object_id: int
    remote_id: str | None
    version_date: datetime | None
    failed_reason_type: str | None


def record_objects(*, batch: BatchRequest, objects: Sequence[BatchObject]) -> None:
    """Upsert the integration action of every object for the batch's (new) status.

    While the batch runs, its objects are `processing`; when it ends they become `success` (done)
    or `error` (fail), as does every object of the batch still processing. An object the
    integration marks failed (`failed_reason_type`) is `error`. A null remote id or version date
    keeps the stored one: channel-app commits orders it fetched without their remote ids.
    Repeated objects (channel-app repeats them in its final update) count once, the last wins.
    Inserted or updated in one statement per combination of sent fields (ON CONFLICT DO UPDATE),
    so two batches recording the same object cannot collide.
    """
    final = batch.status if batch.status in (BatchStatus.DONE, BatchStatus.FAIL) else None
    by_object = {(obj.kind, obj.object_id): obj for obj in objects}
    kinds = content_types()
    groups: dict[tuple[bool, bool], list[IntegrationAction]] = defaultdict(list)
    # Sorted, so that runs recording overlapping objects take the row locks in the same order.
    for obj in sorted(by_object.values(), key=lambda entry: (entry.kind, entry.object_id)):
        row = IntegrationAction(
            channel_id=batch.channel_id,
            content_type=kinds[obj.kind],
            object_id=obj.object_id,
            remote_id=obj.remote_id,
            version_date=obj.version_date,
            status=_status_for(obj, final),
            failed_reason_type=obj.failed_reason_type or "",
            batch_request=batch,
        )
        groups[(obj.remote_id is not None, obj.version_date is not None)].append(row)
    for (has_remote_id, has_version), rows in groups.items():
        fields = ["status", "failed_reason_type", "batch_request", "modified_date"]
        fields += ["remote_id"] * has_remote_id + ["version_date"] * has_version
        IntegrationAction.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=_UNIQUE, update_fields=fields
        )
    if final is not None:
        IntegrationAction.objects.filter(batch_request=batch, status=Status.PROCESSING).update(
            status=Status.SUCCESS if final == BatchStatus.DONE else Status.ERROR, modified_date=timezone.now()
        )
    if final == BatchStatus.DONE:
        # What the channel now has: the feeds hand an object out again once it changes after this.
        IntegrationAction.objects.filter(batch_request=batch, status=Status.SUCCESS).update(
            delivered_version=F("version_date")
        )
    # The batch's products: in flight now, or delivered, or due again (services.pending).
    refresh_pending(
        channel_id=batch.channel_id,
        product_ids=IntegrationAction.objects.filter(
            batch_request=batch, content_type=kinds["product"]
        ).values_list("object_id", flat=True),
    )


def lock_channel_feeds(channel: Channel) -> None:
    """Serialise the channel's commits of feed objects (the channel row's lock), so the check of
    held objects and the upsert that takes them happen with no other commit in between."""
    Channel.objects.select_for_update().filter(pk=channel.pk).first()


def held_elsewhere(*, batch: BatchRequest, objects: Sequence[BatchObject]) -> list[Problem]:
    """The feed objects among `objects` that another open batch holds (`processing` in it), each
    a problem at its `objects.<i>.pk`: two runs of a feed never send the same object at once.
    Call it with the channel locked (`lock_channel_feeds`), so no other commit slips in between."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for obj in objects:
        if obj.kind in FEED_KINDS:
            wanted[obj.kind].add(obj.object_id)
    if not wanted:
        return []
    kinds = content_types()
    condition = Q()
    for kind, ids in wanted.items():
        condition |= Q(content_type=kinds[kind], object_id__in=ids)
    held = {
        (kind_by_content_type_id()[content_type_id], object_id): batch_id
        for content_type_id, object_id, batch_id in IntegrationAction.objects.filter(
            condition, channel_id=batch.channel_id, status=Status.PROCESSING
        )
        .exclude(batch_request=batch)
        .values_list("content_type_id", "object_id", "batch_request_id")
    }
    return [
        Problem(
            f"objects.{index}.pk",
            ErrorCode.IN_USE,
            f"{obj.kind} {obj.object_id} is being sent by batch request {held[(obj.kind, obj.object_id)]}, "
            "which has not ended; it is handed out again if that batch fails.",
        )
        for index, obj in enumerate(objects)
        if (obj.kind, obj.object_id) in held
    ]


def _status_for(obj: BatchObject, final: str | None) -> str:
    if obj.failed_reason_type or final == BatchStatus.FAIL:
        return Status.ERROR
    return Status.SUCCESS if final == BatchStatus.DONE else Status.PROCESSING
