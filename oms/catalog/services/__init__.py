"""The catalog's use cases: products (shared by every channel), the rows of price and stock lists,
and their bulk upserts by natural key (product `sku`; price and stock by `(list, product)`).

Writing is for keys with the `shared` grant; reading a list's rows needs that grant or the list's
channel. Import the services from here.
"""

from oms.catalog.services.bulk import (
    BulkResult,
    RowResult,
    RowStatus,
    bulk_upsert_prices,
    bulk_upsert_products,
    bulk_upsert_stocks,
)
from oms.catalog.services.grants import require_shared_grant
from oms.catalog.services.lists import (
    create_price,
    create_stock,
    delete_price,
    delete_stock,
    get_price,
    get_price_list,
    get_stock,
    get_stock_list,
    list_price_lists,
    list_prices,
    list_stock_lists,
    list_stocks,
    update_price,
    update_stock,
)
from oms.catalog.services.products import (
    create_product,
    delete_product,
    get_product,
    list_products,
    update_product,
)

__all__ = [
    "BulkResult",
    "RowResult",
    "RowStatus",
    "bulk_upsert_prices",
    "bulk_upsert_products",
    "bulk_upsert_stocks",
    "create_price",
    "create_product",
    "create_stock",
    "delete_price",
    "delete_product",
    "delete_stock",
    "get_price",
    "get_price_list",
    "get_product",
    "get_stock",
    "get_stock_list",
    "list_price_lists",
    "list_prices",
    "list_products",
    "list_stock_lists",
    "list_stocks",
    "require_shared_grant",
    "update_price",
    "update_product",
    "update_stock",
]
