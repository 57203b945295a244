"""What changed since the channel last received it: `orders/updates/` and
`cancellation_requests/updates/`.

An object is up to date for the channel when its integration action records a version (the
object's modified_date when the integration fetched it) at least as recent as the object's
modified_date. channel-app commits what it fetched with that version, so an object is listed
once per change, not on every poll, and comes back as soon as it changes again.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from oms.channels.models import Channel
from oms.integrations.kinds import content_types
from oms.integrations.models import CancellationRequest, IntegrationAction
from oms.integrations.services.cancellations import list_cancellation_requests
from oms.orders import selectors as order_selectors
from oms.orders.models import Order


def list_order_updates(*, channel: Channel) -> QuerySet[Order]:
    """The channel's orders it has not received in their current version."""
    return order_selectors.list_orders(channel=channel).filter(~Exists(_synced(channel, "order")))


def list_cancellation_request_updates(*, channel: Channel) -> QuerySet[CancellationRequest]:
    """The channel's cancellation requests changed since the channel last received them."""
    return list_cancellation_requests(channel=channel).filter(
        ~Exists(_synced(channel, "cancellationrequest"))
    )


def _synced(channel: Channel, kind: str) -> QuerySet[IntegrationAction]:
    return IntegrationAction.objects.filter(
        channel=channel,
        content_type=content_types()[kind],
        object_id=OuterRef("pk"),
        version_date__gte=OuterRef("modified_date"),
    )
