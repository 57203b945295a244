"""Order routes, one module per group of endpoints, all on one router."""

from oms.orders.api import bulk, create, manage, read  # noqa: F401  (registers their routes)
from oms.orders.api.erp import erp_router
from oms.orders.api.router import create_router, router

__all__ = ["create_router", "erp_router", "router"]
