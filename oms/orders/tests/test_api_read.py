"""Reading orders through HTTP: the list (filters, sorts, pages, cursors), one order, order items."""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ApiClient
from oms.orders.models import Order
from oms.orders.tests.given import make_order, order_url, patch
from oms.orders.tests.payloads import every_kind_body, minimal_body

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/channel/{}/orders/"
ITEMS = "/api/v1/channel/{}/order_items/"


def get_link(api, url: str):
    parts = urlsplit(url)
    params = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    return api.get(parts.path, **params)


def ids(response) -> list[int]:
    return [row["pk"] for row in response.json()["results"]]


def error_paths(response) -> list[str]:
    return [error["path"] for error in response.json()["errors"]]


# --- the list ------------------------------------------------------------------------------------


def test_each_row_is_the_order_exactly_as_create_answered_it(api, seed_body):
    # Given an order created from the page's example
    created = api.create_order(seed_body).json()
    # When the list is read
    response = api.get(ORDERS.format(1), number=created["number"])
    # Then its row is the create answer, field for field
    assert response.status_code == 200
    assert response.json()["results"] == [created]


def test_list_is_drf_page_shape_newest_first(api):
    # Given three orders besides the demo one
    made = [make_order(f"L-{n}").pk for n in range(3)]
    # When the list is read without parameters
    response = api.get(ORDERS.format(1))
    # Then it is DRF's page shape, newest first, one page
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    assert ids(response)[:3] == sorted(made, reverse=True)


def test_walks_pages_by_number_until_next_is_null(api):
    # Given 25 orders
    made = {make_order(f"P-{n}").pk for n in range(24)} | set(Order.objects.values_list("pk", flat=True))
    # When the pages are walked as Omnitron's SDK does, page by page while next is set
    seen, page, links = [], 1, []
    while True:
        response = api.get(ORDERS.format(1), page=page, limit=10)
        assert response.status_code == 200
        seen += ids(response)
        links.append(response.json()["previous"])
        if response.json()["next"] is None:
            break
        page += 1
    # Then three pages cover every order once; page 2 points back to page 1 as DRF writes it
    assert page == 3 and len(seen) == 25 and set(seen) == made
    assert links[0] is None and "page=" not in links[1] and "page=2" in links[2]


def test_past_the_exact_count_limit_the_count_is_cached_and_paging_still_exact(api, settings):
    # Given 7 orders, a count limit of 3 and a count cache of a minute
    from django.core.cache import cache

    cache.clear()
    settings.OMS_EXACT_COUNT_LIMIT, settings.OMS_COUNT_CACHE_SECONDS = 3, 60
    for n in range(6):
        make_order(f"CC-{n}")
    first = api.get(ORDERS.format(1), limit=2).json()
    # When two more orders arrive and the pages are walked again
    make_order("CC-6")
    make_order("CC-7")
    seen, page = [], 1
    while True:
        body = api.get(ORDERS.format(1), limit=2, page=page).json()
        seen += [row["pk"] for row in body["results"]]
        if body["next"] is None:
            break
        page += 1
    # Then the count of a full page is the one counted a moment ago, but the walk reaches every
    # order: `next` follows the rows, not the count
    assert first["count"] == 7 and body["count"] == 9
    assert api.get(ORDERS.format(1), limit=2).json()["count"] == 7
    assert len(seen) == len(set(seen)) == Order.objects.filter(channel_id=1).count() == 9
    cache.clear()
    assert api.get(ORDERS.format(1), limit=2).json()["count"] == 9


def test_next_link_keeps_the_filters_and_limit(api):
    # Given 3 approved orders
    for n in range(3):
        make_order(f"N-{n}")
    # When page 1 of approved orders is read 2 at a time
    response = api.get(ORDERS.format(1), status="approved", limit=2)
    # Then the next link carries the filter, the limit and page 2, and leads to the rest
    query = parse_qs(urlsplit(response.json()["next"]).query)
    assert query == {"status": ["approved"], "limit": ["2"], "page": ["2"]}
    assert response.json()["next"].startswith("http://testserver/api/v1/channel/1/orders/")
    assert len(get_link(api, response.json()["next"]).json()["results"]) == 2


def test_a_page_past_the_end_is_an_empty_page_not_a_404(api):
    # Given one order (the demo's) in the channel
    # When page 5 is asked for
    response = api.get(ORDERS.format(1), page=5)
    # Then the answer is an empty page whose next is null (DRF would answer 404 "Invalid page.",
    # which crashes the SDK's iterator) and whose previous is the last page
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [] and body["next"] is None and body["count"] == 1
    assert "page=" not in body["previous"]


@pytest.mark.parametrize(
    ("params", "path", "code"),
    [
        ({"limit": "1000"}, "limit", "out_of_range"),
        ({"limit": "0"}, "limit", "out_of_range"),
        ({"limit": "ten"}, "limit", "invalid_type"),
        ({"page": "0"}, "page", "out_of_range"),
        ({"page": "-1"}, "page", "invalid_type"),
        ({"page": "99999999999"}, "page", "out_of_range"),
        ({"page": "1" * 40}, "page", "invalid_type"),
        ({"status": "foo"}, "status", "invalid_choice"),
        ({"status__in": "approved,foo"}, "status__in", "invalid_choice"),
        ({"date_placed__gte": "notadate"}, "date_placed__gte", "invalid_format"),
        ({"modified_date__gt": "2025-13-45T10:00:00Z"}, "modified_date__gt", "invalid_format"),
        ({"created_date__lte": "0001-01-01T00:00:00+01:00"}, "created_date__lte", "out_of_range"),
        ({"pk__in": "1,x"}, "pk__in", "invalid_type"),
        ({"customer": "99999999999999999999"}, "customer", "invalid_type"),
        ({"customer": "9223372036854775808"}, "customer", "out_of_range"),
        ({"number": "A\x00B"}, "number", "invalid_format"),
        ({"sort": "amount"}, "sort", "invalid_choice"),
        ({"cursor": "not-a-cursor"}, "cursor", "invalid_format"),
        ({"cursor": "", "page": "2"}, "cursor", "invalid"),
    ],
)
def test_bad_parameter_values_are_400_naming_the_parameter(api, params, path, code):
    # Given a list request with one bad parameter
    # When it is sent
    response = api.get(ORDERS.format(1), **params)
    # Then it is refused with the one error body naming that parameter
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [{"path": path, "code": code, "message": response.json()["detail"]}]


def test_every_bad_parameter_is_named_at_once(api):
    # Given a request with three bad parameters
    # When it is sent
    response = api.get(ORDERS.format(1), status="foo", date_placed__gte="notadate", limit="1000")
    # Then all three are answered together
    assert response.status_code == 400
    assert sorted(error_paths(response)) == ["date_placed__gte", "limit", "status"]


# --- filters -------------------------------------------------------------------------------------


def test_number_lookup_as_omnitron_checks_for_a_duplicate(api):
    # Given orders with similar numbers
    wanted = make_order("1001")
    make_order("10011")
    # When the client looks the number up as channel-app does (channel_id is ignored: the URL scopes)
    found = api.get(ORDERS.format(1), number="1001", channel_id="1", page="1")
    missing = api.get(ORDERS.format(1), number="100", channel_id="1", page="1")
    # Then only the exact number matches
    assert ids(found) == [wanted.pk] and found.json()["next"] is None
    assert missing.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_filters_by_pk_list_status_name_or_code_and_customer(api):
    # Given orders in several statuses
    approved = make_order("F-1")
    shipped = make_order("F-2", status="shipped")
    waiting = make_order("F-3", status="waiting")
    # When filtering by a pk list, a status name, a status code, a status list, a repeated status
    by_pk = api.get(ORDERS.format(1), pk__in=f"{approved.pk},{shipped.pk}", limit=2)
    by_name = api.get(ORDERS.format(1), status="shipped")
    by_code = api.get(ORDERS.format(1), status="500")
    by_list = api.get(ORDERS.format(1), status__in="shipped,200")
    repeated = api.client.get(ORDERS.format(1) + "?status=shipped&status=waiting", **api.auth)
    by_customer = api.get(ORDERS.format(1), customer=1, pk__in=f"{waiting.pk}")
    # Then each answers exactly the matching orders
    assert ids(by_pk) == [shipped.pk, approved.pk]
    assert ids(by_name) == ids(by_code) == [shipped.pk]
    assert ids(by_list) == ids(repeated) == [waiting.pk, shipped.pk]
    assert ids(by_customer) == [waiting.pk]


def test_filters_by_date_placed_and_created_date(api):
    # Given orders placed on different days
    early = make_order("D-1", date_placed="2025-01-01T10:00:00Z")
    late = make_order("D-2", date_placed="2025-03-01T10:00:00+03:00")
    # When filtering by date_placed bounds (dates, datetimes with offsets) and created_date
    after = api.get(ORDERS.format(1), date_placed__gte="2025-02-01")
    before = api.get(ORDERS.format(1), date_placed__lte="2025-01-01T10:00:00Z", number="D-1")
    created = api.get(
        ORDERS.format(1), created_date__gte="2000-01-01", created_date__lte="2999-01-01", limit=100
    )
    # Then the bounds are inclusive and read with their offset
    assert ids(after) == [late.pk]
    assert ids(before) == [early.pk]
    assert {early.pk, late.pk} <= set(ids(created))


def test_polling_modified_date_gt_sees_only_what_changed(api):
    # Given two orders, and the newest modified_date a poller has seen
    changed, untouched = make_order("M-1"), make_order("M-2")
    seen = api.get(ORDERS.format(1), sort="-modified_date", limit=1).json()["results"][0]["modified_date"]
    # When an item of one order changes and the poller asks what changed since
    patch(api, f"/api/v1/channel/1/order_items/{changed.orderitem_set.get().pk}/", {"status": "preparing"})
    response = api.get(ORDERS.format(1), modified_date__gt=seen, sort="modified_date")
    # Then only that order is answered, with its new modified_date
    assert ids(response) == [changed.pk]
    assert response.json()["results"][0]["modified_date"] > seen
    assert untouched.pk not in ids(response)


def test_an_offset_sent_with_an_unencoded_plus_still_parses(api):
    # Given an order, and a poll written by hand with "+00:00" unencoded (it arrives as a space)
    order = make_order("U-1")
    # When the list is polled with such a value
    response = api.client.get(
        ORDERS.format(1) + f"?modified_date__gte=2000-01-01T00:00:00+00:00&number={order.number}", **api.auth
    )
    # Then it is read as the offset it was meant to be
    assert response.status_code == 200 and ids(response) == [order.pk]


def test_sorts_by_id_date_placed_and_modified_date(api):
    # Given orders placed out of id order
    first = make_order("S-1", date_placed="2025-02-01T00:00:00Z")
    second = make_order("S-2", date_placed="2025-01-15T00:00:00Z")
    mine = {first.pk, second.pk}
    # When sorted each way
    by_id = [pk for pk in ids(api.get(ORDERS.format(1), sort="id")) if pk in mine]
    by_placed = [pk for pk in ids(api.get(ORDERS.format(1), sort="date_placed")) if pk in mine]
    by_placed_desc = [pk for pk in ids(api.get(ORDERS.format(1), sort="-date_placed")) if pk in mine]
    # Then the order follows the sort
    assert by_id == [first.pk, second.pk]
    assert by_placed == [second.pk, first.pk]
    assert by_placed_desc == [first.pk, second.pk]


def test_orders_of_another_channel_are_not_listed(api, key_for):
    # Given an order in channel 2
    other = make_order("C2-1", channel_id=2)
    # When channel 1's list is read with a pk filter naming it
    response = api.get(ORDERS.format(1), pk=other.pk)
    # Then it is not there
    assert response.json()["count"] == 0


# --- cursor mode -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["-id", "id", "date_placed", "-modified_date"])
def test_cursor_walk_visits_every_order_once_even_with_equal_sort_values(api, sort):
    # Given 23 orders, all placed at the same instant (ties broken by id)
    made = {make_order(f"K-{n}").pk for n in range(22)} | set(Order.objects.values_list("pk", flat=True))
    # When the list is walked by its next links in cursor mode
    response = api.get(ORDERS.format(1), cursor="", limit=10, sort=sort)
    pages = [response]
    while response.json()["next"]:
        response = get_link(api, response.json()["next"])
        pages.append(response)
    seen = [pk for page in pages for pk in ids(page)]
    # Then every order is seen once, in three pages, without a count
    assert len(pages) == 3 and len(seen) == 23 and set(seen) == made
    assert all("count" not in page.json() for page in pages)
    assert pages[0].json()["previous"] is None and pages[-1].json()["next"] is None


def test_cursor_previous_link_returns_the_page_before(api):
    # Given 12 orders
    for n in range(11):
        make_order(f"B-{n}")
    # When page 2 is reached by cursor, then its previous link is followed
    first = api.get(ORDERS.format(1), cursor="", limit=5)
    second = get_link(api, first.json()["next"])
    back = get_link(api, second.json()["previous"])
    # Then the rows are page 1's again, and page 1 reached backwards has no previous
    assert ids(back) == ids(first)
    assert back.json()["previous"] is None and back.json()["next"]


def test_a_cursor_with_another_sort_is_refused(api):
    # Given a next link of the list sorted by id
    for n in range(2):
        make_order(f"X-{n}")
    link = api.get(ORDERS.format(1), cursor="", limit=1, sort="id").json()["next"]
    cursor = parse_qs(urlsplit(link).query)["cursor"][0]
    # When its cursor is sent with another sort
    response = api.get(ORDERS.format(1), cursor=cursor, sort="-modified_date")
    # Then it is refused, naming the cursor
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "cursor"
    assert response.json()["errors"][0]["code"] == "mismatch"


# --- one order -------------------------------------------------------------------------------------


def test_detail_is_the_order_with_its_items(api, seed_body):
    # Given an order created from the page's example
    created = api.create_order(seed_body).json()
    # When it is read
    response = api.get(order_url(created["pk"]))
    # Then it is the create answer plus orderitem_set, each item with its pk
    body = response.json()
    items = body.pop("orderitem_set")
    assert response.status_code == 200 and body == created
    assert len(items) == 1 and items[0]["pk"] == items[0]["id"] and items[0]["order"] == created["pk"]
    assert items[0]["extra_field"] == seed_body["order_item"][0]["extra_field"]


def test_another_channels_order_and_a_channel_not_granted_are_404(api, key_for):
    # Given an order in channel 2 and a key granted only channel 2
    other = make_order("C2-2", channel_id=2)
    channel_two_key = ApiClient(key_for(2))
    # When channel 1's key asks for it under channel 1 and under channel 2
    via_own_channel = api.get(order_url(other.pk, channel_id=1))
    via_its_channel = api.get(order_url(other.pk, channel_id=2))
    # Then it is not found in channel 1, and channel 2 is not found for this key; its own key reads it
    assert via_own_channel.status_code == 404 and error_paths(via_own_channel) == ["pk"]
    assert via_its_channel.status_code == 404 and error_paths(via_its_channel) == ["channel_id"]
    assert channel_two_key.get(order_url(other.pk, channel_id=2)).status_code == 200


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_an_unknown_or_impossible_order_id_is_404(api, pk):
    # Given no such order
    # When it is asked for
    response = api.get(f"/api/v1/channel/1/orders/{pk}/")
    # Then the answer is 404 with the error body
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_lists_need_a_key(demo):
    # Given no key
    anonymous = ApiClient(None)
    # When the list is read
    response = anonymous.get(ORDERS.format(1))
    # Then it is refused as unauthenticated
    assert response.status_code == 401


# --- order items -------------------------------------------------------------------------------------


def test_items_of_an_order_sorted_by_id_as_channel_app_reads_them(api):
    # Given an order with three items
    order = make_order("I-1", items=3)
    # When the items are read as channel-app does after creating an order
    response = api.get(ITEMS.format(1), order=order.pk, sort="id", page=1)
    # Then they come in id order, each with pk, modified_date, extra_field.id and order_number
    rows = response.json()["results"]
    assert [row["pk"] for row in rows] == sorted(order.orderitem_set.values_list("pk", flat=True))
    assert [row["extra_field"]["id"] for row in rows] == ["I-1-0", "I-1-1", "I-1-2"]
    assert all(row["modified_date"] and row["order_number"] == "I-1" for row in rows)
    assert response.json()["next"] is None


def test_item_filters_and_pages(api):
    # Given two orders with items in different statuses
    first = make_order("J-1", items=2)
    second = make_order("J-2", items=2, status="shipped")
    first_items = list(first.orderitem_set.values_list("pk", flat=True))
    # When filtering items by status, by a pk list and paging them
    shipped = api.get(ITEMS.format(1), status="shipped")
    by_pks = api.get(ITEMS.format(1), pk__in=",".join(map(str, first_items)))
    paged = api.get(ITEMS.format(1), order__in=f"{first.pk},{second.pk}", limit=3, sort="-id")
    # Then each answers the matching items
    assert ids(shipped) == sorted(second.orderitem_set.values_list("pk", flat=True))
    assert ids(by_pks) == first_items
    assert paged.json()["count"] == 4 and len(ids(paged)) == 3 and paged.json()["next"]


def test_item_detail_and_scoping(api, key_for):
    # Given an item in channel 1 and one in channel 2
    item = make_order("IT-1").orderitem_set.get()
    other = make_order("IT-2", channel_id=2).orderitem_set.get()
    # When each is read through channel 1
    mine = api.get(f"/api/v1/channel/1/order_items/{item.pk}/")
    theirs = api.get(f"/api/v1/channel/1/order_items/{other.pk}/")
    # Then the own item answers with order_number and the other is not found
    assert mine.status_code == 200 and mine.json()["order_number"] == "IT-1"
    assert theirs.status_code == 404


def test_status_codes_channel_answers_codes_in_lists(api, demo):
    # Given channel 1 set to answer status codes
    from oms.channels.models import Channel

    Channel.objects.filter(pk=1).update(status_format=Channel.StatusFormat.CODE)
    order = make_order("SC-1")
    # When its order and items are listed
    orders = api.get(ORDERS.format(1), number="SC-1").json()["results"]
    items = api.get(ITEMS.format(1), order=order.pk).json()["results"]
    # Then statuses are codes
    assert orders[0]["status"] == "400" and items[0]["status"] == "400"


def test_creating_through_the_api_is_visible_in_the_list_at_once(api):
    # Given a new order posted through create_orders
    created = api.create_order(minimal_body("NEW-1")).json()
    # When the list is read, newest first
    first = api.get(ORDERS.format(1), limit=1).json()["results"][0]
    # Then it is the first row
    assert first["pk"] == created["pk"]


@pytest.mark.parametrize(
    ("sort", "payload"),
    [
        ("-id", "[]"),
        ("-id", '{"s": "-id", "v": 1, "k": -5, "b": false}'),
        ("-id", '{"s": "-id", "v": 1, "k": 99999999999999999999999, "b": false}'),
        ("-id", '{"s": "-id", "v": 1, "k": 1, "b": "yes"}'),
        ("modified_date", '{"s": "modified_date", "v": 12, "k": 1, "b": false}'),
        ("modified_date", '{"s": "modified_date", "v": "0001-01-01T00:00:00+14:00", "k": 1, "b": false}'),
        ("modified_date", '{"s": "modified_date", "v": null, "k": 1, "b": false}'),
    ],
)
def test_forged_cursors_are_400_never_500(api, sort, payload):
    # Given a cursor that the server never wrote
    cursor = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    # When it is sent
    response = api.get(ORDERS.format(1), cursor=cursor, sort=sort)
    # Then it is refused as a bad cursor
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "path": "cursor",
        "code": "invalid_format",
        "message": "Not a cursor of this list; use the next or previous link.",
    }


def test_deep_pages_read_in_two_steps_answer_the_same_rows(api, monkeypatch):
    # Given 12 orders, and deep pages (two-step reads) starting from offset 4 instead of 1,000
    for n in range(11):
        make_order(f"DJ-{n}")
    expected = list(
        Order.objects.filter(channel_id=1).order_by("-modified_date", "-pk").values_list("pk", flat=True)
    )
    monkeypatch.setattr("oms.core.pagination.DEFERRED_JOIN_OFFSET", 4)
    # When every page of 4 is read by number, sorted by last change
    pages = [api.get(ORDERS.format(1), page=page, limit=4, sort="-modified_date") for page in (1, 2, 3)]
    # Then the rows, their order and the links are those of a plain offset read
    assert [pk for page in pages for pk in ids(page)] == expected
    assert pages[1].json()["results"][0] == api.get(ORDERS.format(1), pk=expected[4]).json()["results"][0]
    assert [page.json()["next"] is None for page in pages] == [False, False, True]


def test_every_kind_of_column_reads_back_as_create_answered_it(api):
    # Given an order whose fields cover each kind of column the set-based insert writes: JSON
    # holding strings, lists, floats, nulls and nested objects, an IPv6 address, an offset datetime, a date,
    # exact decimals, booleans, and items in a given order
    body = every_kind_body("KINDS-1")
    created = api.create_order(body)
    assert created.status_code == 201, created.content
    # When it is read back
    detail = api.get(order_url(created.json()["pk"])).json()
    # Then the stored row is the answer of the create, and the items keep their order
    assert {key: detail[key] for key in created.json()} == created.json()
    assert [item["extra_field"]["n"] for item in detail["orderitem_set"]] == [0, 1, 2]
    assert detail["extra_field"]["list"] == ["a", 2, None] and detail["remote_addr"] == "2001:db8::1"
    assert detail["orderitem_set"][1]["extra_field"]["deep"] == {"list": [1.5, None, True]}


def test_a_json_field_holding_an_integer_past_64_bits_is_stored_and_answered_exactly(api):
    # Given an order whose extra_field holds an integer too large for 64 bits (valid JSON)
    body = minimal_body("BIG-INT-1", extra_field={"big": 2**70, "small": 1})
    # When it is created and read back
    created = api.create_order(body)
    assert created.status_code == 201, created.content
    detail = api.get(order_url(created.json()["pk"])).json()
    # Then both answers carry the exact integer, and a retry replays it
    assert created.json()["extra_field"] == detail["extra_field"] == {"big": 2**70, "small": 1}
    assert api.create_order(body).status_code == 200
