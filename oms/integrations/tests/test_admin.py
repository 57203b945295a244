"""The integration admin: every list renders, and cancellation requests are decided from it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from oms.catalog.models import Product
from oms.integrations.models import (
    BatchRequest,
    CancellationRequest,
    Catalog,
    CatalogItem,
    CategoryNode,
    CategoryTree,
    ChannelConf,
    IntegrationAction,
)
from oms.integrations.services.actions import BatchObject, record_objects
from oms.integrations.services.feeds import list_product_inserts
from oms.integrations.tests.given import make_order
from oms.orders.models import CancellationReason

pytestmark = pytest.mark.django_db
MODELS = [
    "channelconf",
    "catalog",
    "catalogitem",
    "categorytree",
    "categorynode",
    "productcategory",
    "integrationaction",
    "batchrequest",
    "errorreport",
    "locationerrorreport",
    "operationalevent",
    "cancellationrequest",
    "ordershippinginfo",
]


@pytest.fixture
def admin_client(demo):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password")
    client = Client()
    client.force_login(user)
    return client


def test_every_integration_list_renders(admin_client):
    # Given a configured channel and a catalog
    ChannelConf.objects.create(channel_id=1, conf={"cancellation_reason_id": 1})
    Catalog.objects.create(channel_id=1, name="Marketplace", price_list_id=1, stock_list_id=1)
    # When an operator opens each list
    answers = {model: admin_client.get(f"/admin/integrations/{model}/").status_code for model in MODELS}
    # Then each renders
    assert answers == dict.fromkeys(MODELS, 200)


def test_an_operator_approves_cancellation_requests_in_bulk(admin_client):
    # Given a request waiting for approval and one already rejected
    reason = CancellationReason.objects.create(reason="Changed mind", code="changed-mind")
    first, second = make_order("MP-1", lines=("L-1", "L-2")).orderitem_set.order_by("pk")
    waiting = CancellationRequest.objects.create(
        channel_id=1, order_item=first, reason=reason, remote_id="CR-1"
    )
    rejected = CancellationRequest.objects.create(
        channel_id=1, order_item=second, reason=reason, remote_id="CR-2", status="rejected"
    )
    # When both are approved from the list
    response = admin_client.post(
        "/admin/integrations/cancellationrequest/",
        {"action": "approve", "_selected_action": [waiting.pk, rejected.pk]},
        follow=True,
    )
    # Then the waiting one is approved, and the rejected one stays rejected with a warning
    assert response.status_code == 200
    waiting.refresh_from_db()
    rejected.refresh_from_db()
    assert (waiting.status, rejected.status) == ("approved", "rejected")
    assert "cannot become approved" in response.content.decode()


def test_a_catalog_with_another_channels_lists_is_refused(admin_client):
    # Given channel 2's price list
    # When a catalog of channel 1 is saved with it
    response = admin_client.post(
        "/admin/integrations/catalog/add/",
        {"channel": 1, "name": "Wrong", "price_list": 2, "stock_list": 1},
    )
    # Then the form answers the mistake and nothing is saved
    assert response.status_code == 200
    assert "belongs to another channel" in response.content.decode()
    assert not Catalog.objects.exists()


def test_an_operator_puts_a_product_in_a_catalog_and_finds_it_by_sku(admin_client):
    # Given channel 1's catalog
    catalog = Catalog.objects.create(channel_id=1, name="Web", price_list_id=1, stock_list_id=1)
    # When an operator adds product 2 to it
    response = admin_client.post(
        "/admin/integrations/catalogitem/add/", {"catalog": catalog.pk, "product": 2}
    )
    # Then the catalog holds it, and a search by its sku finds it
    assert response.status_code == 302
    assert list(CatalogItem.objects.values_list("catalog_id", "product_id")) == [(catalog.pk, 2)]
    found = admin_client.get("/admin/integrations/catalogitem/", {"q": "DEMO-MUG"})
    assert "DEMO-MUG" in found.content.decode()


def test_an_operator_adds_category_nodes_numbered_under_their_parent(admin_client):
    # Given a tree with its root
    tree = CategoryTree.objects.create(name="Marketplace")
    admin_client.post("/admin/integrations/categorynode/add/", {"tree": tree.pk, "name": "All"})
    root = CategoryNode.objects.get()
    # When an operator adds two nodes under the root
    for name in ("Shirts", "Mugs"):
        response = admin_client.post(
            "/admin/integrations/categorynode/add/", {"tree": tree.pk, "parent": root.pk, "name": name}
        )
        assert response.status_code == 302
    # Then each is numbered under the root's path
    assert list(CategoryNode.objects.order_by("path").values_list("name", "path")) == [
        ("All", "0001"),
        ("Shirts", "00010001"),
        ("Mugs", "00010002"),
    ]


def test_an_operator_fails_a_dead_runs_batch_and_its_products_are_handed_out_again(admin_client):
    # Given a catalog product held by an open batch (a run that died after its commit), and a done batch
    catalog = Catalog.objects.create(channel_id=1, name="Web", price_list_id=1, stock_list_id=1)
    CatalogItem.objects.create(catalog=catalog, product_id=1)
    held = BatchRequest.objects.create(channel_id=1, status=BatchRequest.Status.COMMIT)
    finished = BatchRequest.objects.create(channel_id=1, status=BatchRequest.Status.DONE)
    record_objects(batch=held, objects=[BatchObject("product", 1, None, None, None)])
    assert not list_product_inserts(channel=catalog.channel)

    # When an operator fails both from the list
    response = admin_client.post(
        "/admin/integrations/batchrequest/",
        {"action": "fail", "_selected_action": [held.pk, finished.pk]},
        follow=True,
    )

    # Then the open one failed, its product is an insert again, and the finished one is untouched, with a warning
    held.refresh_from_db()
    finished.refresh_from_db()
    assert (held.status, finished.status) == ("fail", "done")
    assert [product.pk for product in list_product_inserts(channel=catalog.channel)] == [1]
    assert "does not change" in response.content.decode()


def test_an_operator_removing_or_editing_a_products_link_hands_the_product_out_again(admin_client):
    # Given catalog products 1 and 2 that the channel received at their current version
    catalog = Catalog.objects.create(channel_id=1, name="Web", price_list_id=1, stock_list_id=1)
    CatalogItem.objects.bulk_create([CatalogItem(catalog=catalog, product_id=pk) for pk in (1, 2)])
    done = BatchRequest.objects.create(channel_id=1, status=BatchRequest.Status.DONE)
    versions = dict(Product.objects.filter(pk__in=[1, 2]).values_list("pk", "modified_date"))
    record_objects(
        batch=done, objects=[BatchObject("product", pk, f"R-{pk}", versions[pk], None) for pk in (1, 2)]
    )
    assert not list_product_inserts(channel=catalog.channel)
    links = {action.object_id: action for action in IntegrationAction.objects.filter(batch_request=done)}

    # When an operator deletes product 1's link, and moves product 2's to product 3 (not sold here)
    response = admin_client.post(
        f"/admin/integrations/integrationaction/{links[1].pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    link = links[2]
    response = admin_client.post(
        f"/admin/integrations/integrationaction/{link.pk}/change/",
        {
            "channel": 1,
            "content_type": link.content_type_id,
            "object_id": 3,
            "remote_id": link.remote_id,
            "status": link.status,
            "failed_reason_type": "",
            "state": "{}",
            "batch_request": done.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # Then both are inserts again: the channel has no link to either
    assert [product.pk for product in list_product_inserts(channel=catalog.channel)] == [1, 2]
