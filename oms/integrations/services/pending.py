"""Which catalog items the product feeds read: the pending ones.

`CatalogItem.pending` is false only while the channel has the product at its current version (an
integration action not in flight, whose `delivered_version` is at least the product's
`modified_date`); every other item, never sent, in flight, failed or changed since, is pending.
The product feeds (`inserts/`, `updates/`, `inserts_or_updates/`) read the pending items alone
through a partial index and still apply their exact conditions, so a pending flag set too often
costs a row read, never a wrong answer; one missing would hide a product, so every write that can
make a product due marks it, in the transaction of that write:

- a change of the product (any write that moves its `modified_date`: a save, a bulk or queryset
  update): a database trigger on the product table (migration 0003) marks its items, so no write
  path, present or future, can forget it;
- a change of a product's integration action (a batch's commit, done or fail, an action created,
  changed or deleted by hand or in the admin): `refresh_pending` recomputes the flag from the
  action;
- a new catalog item: pending unless the channel has the product already (`refresh_pending`).

Price and stock rows have no flag: their feeds compare `modified_date` with the delivered
version per row, so a reservation that moves a stock row's `modified_date` is seen without one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from oms.catalog.models import Product
from oms.integrations.kinds import content_types
from oms.integrations.models import CatalogItem, IntegrationAction


def pending_items(channel_id: int) -> QuerySet[CatalogItem]:
    return CatalogItem.objects.filter(catalog__channel_id=channel_id, pending=True)


def refresh_pending(*, channel_id: int, product_ids: Iterable[int]) -> None:
    """Recompute the channel's items of these products from their integration actions. Call it
    after the actions' write, in its transaction.

    The products are locked first (in id order) and their `modified_date` read then: a change
    of one committing meanwhile either finished before (and is seen here) or waits for this
    transaction and marks its items after it."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    modified = dict(
        Product.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "modified_date")
    )
    delivered = IntegrationAction.objects.filter(
        channel_id=channel_id,
        content_type=content_types()["product"],
        object_id__in=ids,
        delivered_version__isnull=False,
    ).exclude(status=IntegrationAction.Status.PROCESSING)
    current = [
        pk
        for pk, version in delivered.values_list("object_id", "delivered_version")
        if pk in modified and version >= modified[pk]
    ]
    items = CatalogItem.objects.filter(catalog__channel_id=channel_id, product_id__in=ids)
    items.filter(product_id__in=current, pending=True).update(pending=False)
    items.exclude(product_id__in=current).filter(pending=False).update(pending=True)
