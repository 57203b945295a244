"""The shop's ERP: it reads every channel's orders, marks those it picked up (`is_send`), and maps
each item to its own line (`create_mapping`), which gives the item's reserved units back."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from oms.access.services import Principal, require_grant
from oms.core.errors import Conflict, ErrorCode, NotFound, Problem, ValidationFailed
from oms.core.lookup import bounded
from oms.core.payload import parse_payload
from oms.events.models import EventType
from oms.orders.models import IntegrationMapping, Order, OrderItem
from oms.orders.schemas_manage import MappingIn, OrderSentIn
from oms.orders.services.events import record_order_event
from oms.orders.services.manage.changes import Actor, Changes, Kind, item_not_found, lock_order
from oms.orders.services.reservations import release_items


def require_erp_grant(*, principal: Principal) -> None:
    """The ERP routes see every channel: only a key with the `erp` grant may use them."""
    require_grant(principal=principal, grant="erp", needed_for="The ERP routes")


def mark_order_sent(*, order_id: int, payload: Any, actor: Actor) -> Order:
    """Record that the ERP picked the order up (`is_send` true; sending it again changes nothing).

    Raises NotFound for an unknown order and ValidationFailed for any body but `{"is_send": true}`.
    """
    parsed = parse_payload(OrderSentIn, payload, strict_fields=True)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    with transaction.atomic():
        order, _ = lock_order(None, order_id)
        if not order.is_send:
            changes = Changes(order=order, actor=actor, now=timezone.now())
            changes.record(Kind.UPDATE, changes={"is_send": {"from": False, "to": True}})
            order.is_send, order.modified_date = True, changes.now
            order.save(update_fields=["is_send", "modified_date"])
            changes.save()
            record_order_event(
                EventType.ORDER_UPDATED,
                order=order,
                channel=order.channel,
                items=list(order.orderitem_set.all()),
            )
    return order


def create_mapping(*, item_id: int, payload: Any, actor: Actor) -> IntegrationMapping:
    """Record the ERP's `code` for an order item and, with `update_stock`, release the item's
    reservation: exactly once, however often the ERP retries (the same mapping is answered and
    nothing is released again).

    Raises NotFound for an unknown item, ValidationFailed for a bad body, Conflict (`duplicate`)
    when the item is already mapped to another code.
    """
    parsed = parse_payload(MappingIn, payload, strict_fields=True)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    data: MappingIn = parsed.data
    order_id = OrderItem.objects.filter(pk=bounded(item_id)).values_list("order_id", flat=True).first()
    if order_id is None:
        raise item_not_found(item_id, any_channel=True)
    content_type = ContentType.objects.get_for_model(OrderItem)
    with transaction.atomic():
        # The order's lock orders this call after any other change of its items (a cancel, a
        # retry of this call): the second finds the mapping and the item released.
        order, items = lock_order(None, order_id)
        item = next((item for item in items if item.pk == item_id), None)
        if item is None:
            raise item_not_found(item_id, any_channel=True)
        mapping = _mapping(content_type, item, data.code)
        if data.update_stock:
            changes = Changes(order=order, actor=actor, now=timezone.now())
            if release_items([item], changes, why="confirmed by the ERP (create_mapping)"):
                item.modified_date = changes.now
                item.save(update_fields=["stock_released", "modified_date"])
                order.save(update_fields=["modified_date"])
            changes.save()
    return mapping


def _mapping(content_type: ContentType, item: OrderItem, code: str) -> IntegrationMapping:
    existing = IntegrationMapping.objects.filter(
        content_type=content_type,
        object_id=item.pk,
        integration_type=IntegrationMapping.IntegrationType.EXTERNAL_COMPANY,
    ).first()
    if existing is None:  # the order's lock keeps a retry from creating a second one meanwhile
        return IntegrationMapping.objects.create(content_type=content_type, object_id=item.pk, code=code)
    if existing.code != code:
        raise Conflict(
            Problem(
                "code",
                ErrorCode.DUPLICATE,
                f"Item {item.pk} is already mapped to {existing.code!r}; it cannot be mapped again.",
            )
        )
    return existing


def get_order_any_channel(*, order_id: int) -> Order:
    """One order of any channel (the ERP's view), or NotFound."""
    order = Order.objects.select_related("channel").filter(pk=bounded(order_id)).first()
    if order is None:
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Order {order_id} does not exist."))
    return order
