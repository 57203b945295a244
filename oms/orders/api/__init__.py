"""Order routes, one module per group of endpoints, all on one router."""

from oms.orders.api import create  # noqa: F401  (registers its routes)
from oms.orders.api.router import router

__all__ = ["router"]
