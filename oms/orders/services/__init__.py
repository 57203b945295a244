"""Order use cases; import the services from here."""

from oms.orders.services.create import OrderCreated, create_order

__all__ = ["OrderCreated", "create_order"]
