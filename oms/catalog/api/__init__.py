"""The catalog over HTTP: products, prices and stock for the catalog team (writes need the shared
grant), and the channel's price and stock lists for Omnitron's channel clients."""

from oms.catalog.api import lists, products  # noqa: F401  (registers their routes)
from oms.catalog.api.router import router

__all__ = ["router"]
