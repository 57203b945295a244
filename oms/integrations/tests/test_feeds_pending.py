"""The product feeds read only the catalog items still due (`CatalogItem.pending`, kept by
oms.integrations.services.pending and the product table's trigger): what each write does to the
flag, seen through the feeds, and the partial index their queries use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from oms.catalog.models import Product
from oms.channels.models import Channel
from oms.core.pagination import count_rows
from oms.integrations.models import CatalogItem, IntegrationAction
from oms.integrations.services import feeds
from oms.integrations.tests.given import delete
from oms.integrations.tests.test_api_feeds import CH, catalog, pks, send  # noqa: F401 (a fixture)

# Channel 1's catalog of products 1 and 2 (test_api_feeds' fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]


def pending() -> list[int]:
    return sorted(CatalogItem.objects.filter(pending=True).values_list("product_id", flat=True))


def test_a_done_batch_clears_what_it_delivered_and_any_change_of_the_product_marks_it_again(api):
    # Given channel 1's catalog of products 1 and 2, both due
    assert pending() == [1, 2]

    # When a run delivers both: nothing is due
    assert send(api, "products/inserts/") == [1, 2]
    assert pending() == []

    # When product 2 changes by a queryset update (no save(), no service: a bulk path)
    Product.objects.filter(pk=2).update(modified_date=F("modified_date") + timedelta(seconds=5))

    # Then it is due again, and an update
    assert pending() == [2]
    assert pks(api.get(CH + "products/updates/", page=1, limit=100)) == [2]
    assert api.get(CH + "products/updates/", page=1, limit=100).json()["count"] == 1

    # When a run that fails takes it: it stays due, and comes back
    assert send(api, "products/updates/", status="fail") == [2]
    assert pending() == [2]
    assert pks(api.get(CH + "products/updates/")) == [2]


def test_a_link_deleted_by_hand_makes_the_product_an_insert_again(api):
    # Given both products delivered
    send(api, "products/inserts/")
    assert pending() == []

    # When the channel's link of product 1 is deleted
    link = IntegrationAction.objects.get(channel_id=1, object_id=1, content_type__model="product")
    assert delete(api, f"{CH}integration_actions/{link.pk}/").status_code == 204

    # Then product 1 is due again, as an insert
    assert pending() == [1]
    assert pks(api.get(CH + "products/inserts/", page=1, limit=100)) == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the speed goal is PostgreSQL's")
def test_the_product_feeds_read_the_pending_items_index():
    # Given a catalog of 2,000 more products, all delivered but products 1 and 2, with the
    # planner's statistics taken
    web = CatalogItem.objects.get(product_id=1).catalog
    made = Product.objects.bulk_create(Product(sku=f"MANY-{n}", name=f"Many {n}") for n in range(2000))
    CatalogItem.objects.bulk_create(CatalogItem(catalog=web, product=p, pending=False) for p in made)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product, integrations_catalogitem, integrations_integrationaction")
    channel = Channel.objects.get(pk=1)

    # Then each product feed's page, and its count, reads the pending items through their partial
    # index, so its cost follows what is due, not what was sent
    for rows in (
        feeds.list_product_inserts,
        feeds.list_product_updates,
        feeds.list_product_inserts_or_updates,
    ):
        queryset = rows(channel=channel).order_by("pk")
        with CaptureQueriesContext(connection) as queries:
            list(queryset[:101])
            count_rows(queryset)
        assert len(queries) == 2
        for query in queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "catalogitem_pending_idx" in plan, plan
