"""Changing orders after creation: item updates, status changes and cancellation.

Each function is the one write path of its use case; the API, the admin and tests call them.
Every change runs in one transaction that first locks the order row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so two concurrent changes
to the same order's items run one after the other and the order status derived from the items
is computed from what is really stored. Each change appends OrderHistory rows and moves the
order's modified_date, which is what `modified_date__gt` polling reads.
"""

from oms.orders.services.manage.cancel import cancel_order
from oms.orders.services.manage.changes import Actor
from oms.orders.services.manage.items import change_order_status, update_order_item

__all__ = ["Actor", "cancel_order", "change_order_status", "update_order_item"]
