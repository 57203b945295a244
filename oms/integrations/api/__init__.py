"""Integration routes, one module per group of endpoints, all on one router."""

from oms.integrations.api import (  # noqa: F401  (registers their routes)
    actions,
    batches,
    cancellations,
    feeds,
    reference,
    reports,
    shipping,
    updates,
)
from oms.integrations.api.router import router

__all__ = ["router"]
