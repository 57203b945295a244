"""The catalog flowing out to a channel: its products, their prices and their stock, as
channel-app's product, price and stock services fetch them.

What the channel sells is its catalogs' products (`CatalogItem`); their prices are the rows of
each catalog's price list, their stock the rows of its stock list. What the channel has is
tracked by the integration actions channel-app's batch requests write (one per object and
channel): a batch's commit marks the objects it took `processing`; when the batch ends `done`
they become `success` and `delivered_version` records the version sent (`version_date`, the
object's modified_date when fetched); when it ends `fail` they become `error` and keep the
delivered version they had. So, for each kind of object:

- in flight: `processing` in an open batch. Never handed out again until that batch ends, and a
  second batch's commit of it is refused (`services.actions.held_elsewhere`);
- known to the channel: it has a remote id, or a delivered version;
- `inserts/`: not known, not in flight: never sent, or sent only in batches that failed;
- `updates/`: known, not in flight, and changed since the delivered version (or none recorded);
- `inserts_or_updates/`: both, i.e. not in flight and not up to date;
- deleted: products the channel received that left every catalog of the channel.

Every list is ordered by id and keyset-paged (`cursor=`); each condition is one `EXISTS` probe of
the integration actions' (channel, content type, object) unique index per row. The product feeds
probe only the catalog items still pending (`services.pending`: a partial index), so their pages
and counts cost what is due, not the size of the catalog.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from oms.catalog.models import Product, ProductPrice, ProductStock
from oms.channels.models import Channel
from oms.core.errors import ErrorCode, NotFound, Problem
from oms.core.lookup import bounded
from oms.integrations.kinds import channel_stocks, content_types
from oms.integrations.models import CatalogItem, IntegrationAction
from oms.integrations.services.pending import pending_items

PROCESSING = IntegrationAction.Status.PROCESSING
SUCCESS = IntegrationAction.Status.SUCCESS
KNOWN = Q(remote_id__isnull=False) | Q(delivered_version__isnull=False)
STALE = Q(delivered_version__isnull=True) | Q(delivered_version__lt=OuterRef("modified_date"))
CURRENT = Q(delivered_version__gte=OuterRef("modified_date"))


def _links(channel: Channel, kind: str, ref: str = "pk") -> QuerySet[IntegrationAction]:
    """The channel's integration action of the outer row (one at most: unique per object)."""
    return IntegrationAction.objects.filter(
        channel=channel, content_type=content_types()[kind], object_id=OuterRef(ref)
    )


def _in_catalog(channel: Channel, **lists: str) -> Exists:
    """The outer row's product is in a catalog of the channel (whose price or stock list is the
    outer row's, when `lists` names the list column)."""
    items = CatalogItem.objects.filter(
        catalog__channel=channel, product_id=OuterRef(lists.pop("product", "pk"))
    )
    return Exists(items.filter(**{f"catalog__{name}": OuterRef(column) for name, column in lists.items()}))


def _inserts(rows: QuerySet, channel: Channel, kind: str) -> QuerySet:
    return rows.filter(~Exists(_links(channel, kind).filter(KNOWN | Q(status=PROCESSING))))


def _updates(rows: QuerySet, channel: Channel, kind: str) -> QuerySet:
    return rows.filter(Exists(_links(channel, kind).filter(KNOWN, STALE).exclude(status=PROCESSING)))


def _inserts_or_updates(rows: QuerySet, channel: Channel, kind: str) -> QuerySet:
    return rows.filter(~Exists(_links(channel, kind).filter(Q(status=PROCESSING) | CURRENT)))


# --- products --------------------------------------------------------------------------------------


def list_sold_products(*, channel: Channel) -> QuerySet[Product]:
    """The products the channel sells: those in any of its catalogs (what the feeds hand out)."""
    return Product.objects.filter(_in_catalog(channel))


def list_channel_products(*, channel: Channel) -> QuerySet[Product]:
    """The products the channel sells, and those it received and still has to delete: channel-app
    looks a deleted product's link up by `products/?pk__in=` (for its sku) before deleting it."""
    received = _links(channel, "product").filter(delivered_version__isnull=False)
    return Product.objects.filter(_in_catalog(channel) | Exists(received))


def list_detailed_products(*, channel: Channel) -> QuerySet[Product]:
    """The channel's products with their price and stock rows in its catalogs' lists."""
    return list_sold_products(channel=channel).prefetch_related(
        Prefetch(
            "prices",
            queryset=ProductPrice.objects.filter(
                _in_catalog(channel, product="product_id", price_list="price_list_id")
            )
            .select_related("price_list")
            .order_by("pk"),
            to_attr="channel_prices",
        ),
        Prefetch(
            "stocks",
            queryset=ProductStock.objects.filter(
                _in_catalog(channel, product="product_id", stock_list="stock_list_id")
            ).order_by("pk"),
            to_attr="channel_stocks",
        ),
    )


def get_mapped_product(*, channel: Channel, pk: int) -> Product:
    """A product of the channel, for its attributes as the channel receives them."""
    product = list_sold_products(channel=channel).filter(pk=bounded(pk)).first()
    if product is None:
        raise NotFound(
            Problem("pk", ErrorCode.NOT_FOUND, f"Product {pk} is not in channel {channel.pk}'s catalog.")
        )
    return product


def _pending_products(channel: Channel) -> QuerySet[Product]:
    """The channel's products that may be due (services.pending): the product feeds read these
    alone, through the pending items' partial index, so a page or a count does not pass over
    what the channel has."""
    return Product.objects.filter(pk__in=pending_items(channel.pk).values("product_id"))


def list_product_inserts(*, channel: Channel) -> QuerySet[Product]:
    return _inserts(_pending_products(channel), channel, "product")


def list_product_updates(*, channel: Channel) -> QuerySet[Product]:
    return _updates(_pending_products(channel), channel, "product")


def list_product_inserts_or_updates(*, channel: Channel) -> QuerySet[Product]:
    return _inserts_or_updates(_pending_products(channel), channel, "product")


def list_deleted_product_links(*, channel: Channel) -> QuerySet[IntegrationAction]:
    """The integration actions of products the channel received (a delivered version) that are
    in none of its catalogs any more, and not in flight. channel-app deletes each once the
    channel has removed the product, which takes it off this list."""
    return (
        IntegrationAction.objects.filter(
            channel=channel, content_type=content_types()["product"], delivered_version__isnull=False
        )
        .exclude(status=PROCESSING)
        .filter(~_in_catalog(channel, product="object_id"))
        .select_related("batch_request")
    )


def list_deleted_products(*, channel: Channel) -> QuerySet[Product]:
    """The products of `list_deleted_product_links`."""
    return Product.objects.filter(pk__in=list_deleted_product_links(channel=channel).values("object_id"))


# --- prices and stock ------------------------------------------------------------------------------


def list_channel_prices(*, channel: Channel) -> QuerySet[ProductPrice]:
    """Every price of the channel's price lists (channel-app looks prices up by product and list)."""
    return ProductPrice.objects.filter(price_list__channel=channel).select_related("price_list")


def list_channel_stocks(*, channel: Channel) -> QuerySet[ProductStock]:
    return channel_stocks(channel)


def _catalog_prices(channel: Channel) -> QuerySet[ProductPrice]:
    return list_channel_prices(channel=channel).filter(
        _in_catalog(channel, product="product_id", price_list="price_list_id")
    )


def _catalog_stocks(channel: Channel) -> QuerySet[ProductStock]:
    return list_channel_stocks(channel=channel).filter(
        _in_catalog(channel, product="product_id", stock_list="stock_list_id")
    )


def _product_received(channel: Channel) -> Exists:
    """The outer price or stock row's product reached the channel (channel-app reports a price or
    stock of a product it has not sent as failed: "Product has not been sent")."""
    return Exists(_links(channel, "product", "product_id").filter(status=SUCCESS, remote_id__isnull=False))


def list_price_inserts(*, channel: Channel) -> QuerySet[ProductPrice]:
    """Prices of catalog products the channel has received, never sent on their own or with them."""
    return _inserts(_catalog_prices(channel), channel, "productprice").filter(_product_received(channel))


def list_price_updates(*, channel: Channel) -> QuerySet[ProductPrice]:
    return _updates(_catalog_prices(channel), channel, "productprice")


def list_stock_inserts(*, channel: Channel) -> QuerySet[ProductStock]:
    return _inserts(_catalog_stocks(channel), channel, "productstock").filter(_product_received(channel))


def list_stock_updates(*, channel: Channel) -> QuerySet[ProductStock]:
    """Stock rows changed since the channel received them: a new quantity, and (through the row's
    modified_date) every reservation and release."""
    return _updates(_catalog_stocks(channel), channel, "productstock")
