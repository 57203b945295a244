"""The addresses endpoints through HTTP, including Omnitron's duplicate-address round trip."""

import pytest

from conftest import ApiClient
from oms.customers.models import Address
from oms.locations.models import City, Country, District, Township

pytestmark = pytest.mark.django_db
ADDRESSES = "/api/v1/channel/{}/addresses/"
ADDRESS = "/api/v1/channel/{}/addresses/{}/"

# What omnisdk posts (docs/akinon-clients.md §4.2), for the demo customer 1 in Istanbul.
CLIENT_BODY = {
    "city": 1,
    "company_name": None,
    "country": 1,
    "customer": 1,
    "district": None,
    "e_bill_taxpayer": False,
    "email": "customer1@example.com",
    "extra_field": {},
    "first_name": "dummy",
    "identity_number": None,
    "last_name": "dummy",
    "line": "dummy 3 dummy cd",
    "notes": None,
    "phone_number": "05540000000",
    "postcode": None,
    "remote_id": None,
    "tax_no": None,
    "tax_office": None,
    "title": None,
    "township": None,
}


def test_creates_an_address_as_omnitron_client_sends_it(api):
    # Given the body Omnitron's client posts (nulls for what the channel did not give)
    # When it is posted
    response = api.post(ADDRESSES.format(1), CLIENT_BODY)
    # Then the address is created with its fingerprint
    assert response.status_code == 201, response.content
    body = response.json()
    address = Address.objects.get(pk=body["pk"])
    assert (address.customer_id, address.city_id, address.line, address.notes) == (
        1,
        1,
        "dummy 3 dummy cd",
        "",
    )
    assert len(body["hash_data"]) == 64 and body["hash_data"] == address.hash_data
    assert body["address_type"] == "customer" and body["township"] is None


def test_a_duplicate_is_refused_the_way_omnitrons_client_parses_it(api):
    # Given an address posted once (the client posts shipping and billing separately)
    first = api.post(ADDRESSES.format(1), CLIENT_BODY).json()
    count = Address.objects.count()
    # When the same address is posted again
    response = api.post(ADDRESSES.format(1), CLIENT_BODY)
    # Then it is refused with non_field_errors as a string "hash_data:<hash> ..." in the error body
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == "duplicate"
    assert isinstance(body["non_field_errors"], str)
    token = body["non_field_errors"].split()[0].split(":")  # exactly what channel-app does
    assert token == ["hash_data", first["hash_data"]]
    assert Address.objects.count() == count
    # And ?hash_data= finds exactly the existing address
    found = api.get(ADDRESSES.format(1), hash_data=token[1]).json()["results"]
    assert [row["pk"] for row in found] == [first["pk"]]


def test_the_fingerprint_ignores_case_and_runs_of_whitespace(api):
    # Given an address
    api.post(ADDRESSES.format(1), CLIENT_BODY)
    # When the same address is posted in other case and spacing
    response = api.post(ADDRESSES.format(1), {**CLIENT_BODY, "line": "  Dummy 3   DUMMY cd ", "notes": ""})
    # Then it is the same address
    assert response.status_code == 400
    assert response.json()["non_field_errors"].startswith("hash_data:")


def test_the_same_content_for_another_customer_is_another_address(api, key_for):
    # Given an address of customer 1 in channel 1
    first = api.post(ADDRESSES.format(1), CLIENT_BODY).json()
    # When customer 2 of channel 2 gets the same content
    response = ApiClient(key_for(2)).post(ADDRESSES.format(2), {**CLIENT_BODY, "customer": 2})
    # Then it is created with its own fingerprint
    assert response.status_code == 201, response.content
    assert response.json()["hash_data"] != first["hash_data"]


def test_a_customer_of_another_channel_is_not_found(api):
    # Given customer 2, of channel 2
    # When an address for it is posted to channel 1
    response = api.post(ADDRESSES.format(1), {**CLIENT_BODY, "customer": 2})
    # Then the customer is unknown there, and nothing is written
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "customer", "code": "not_found", "message": "Customer 2 does not exist in channel 1."}
    ]
    assert not Address.objects.filter(line=CLIENT_BODY["line"]).exists()


def test_locations_must_exist_and_nest(api, demo):
    # Given a second country with a city, and a township and district of Istanbul's
    germany = Country.objects.create(name="Germany", code="de")
    berlin = City.objects.create(country=germany, name="Berlin")
    other_township = Township.objects.create(city=berlin, name="Mitte")
    # When addresses with a city of another country, a township of another city and an unknown
    # district are posted
    response = api.post(
        ADDRESSES.format(1),
        {**CLIENT_BODY, "city": berlin.pk, "township": other_township.pk, "district": 999},
    )
    # Then every problem is named
    assert response.status_code == 400
    assert {(e["path"], e["code"]) for e in response.json()["errors"]} == {
        ("city", "mismatch"),
        ("district", "not_found"),
    }
    nested = api.post(ADDRESSES.format(1), {**CLIENT_BODY, "township": other_township.pk})
    assert [(e["path"], e["code"]) for e in nested.json()["errors"]] == [("township", "mismatch")]


def test_a_district_must_be_in_the_township(api, demo):
    # Given a second township of Istanbul with its own district
    township = Township.objects.create(city_id=1, name="Beşiktaş")
    district = District.objects.create(city_id=1, township=township, name="Levent")
    # When an address pairs township 1 with that district
    response = api.post(ADDRESSES.format(1), {**CLIENT_BODY, "township": 1, "district": district.pk})
    # Then the district is refused
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("district", "mismatch")]


def test_required_fields_are_named_at_once(api):
    # Given a body with no customer nor line, a country of the wrong type, an unknown city and a
    # bad address type
    body = {"title": "Home", "address_type": "office", "country": "Türkiye", "city": 999}
    # When it is posted
    response = api.post(ADDRESSES.format(1), body)
    # Then the schema's and the database's problems are named together, once per field
    assert response.status_code == 400
    assert {(e["path"], e["code"]) for e in response.json()["errors"]} == {
        ("address_type", "invalid_choice"),
        ("country", "invalid_type"),
        ("customer", "required"),
        ("city", "not_found"),
        ("line", "required"),
    }


def test_patch_changes_the_fields_sent_and_the_fingerprint(api):
    # Given an address
    first = api.post(ADDRESSES.format(1), CLIENT_BODY).json()
    # When its line is changed, with PUT as partial as PATCH
    patched = api.patch(ADDRESS.format(1, first["pk"]), {"line": "Bağdat Cd. 5", "township": 1})
    put = api.put(ADDRESS.format(1, first["pk"]), {"title": "Work"})
    # Then the sent fields changed, the others stayed, and the fingerprint follows the content
    assert patched.status_code == 200, patched.content
    assert put.status_code == 200, put.content
    address = Address.objects.get(pk=first["pk"])
    assert (address.line, address.township_id, address.title, address.phone_number) == (
        "Bağdat Cd. 5",
        1,
        "Work",
        "05540000000",
    )
    assert put.json()["hash_data"] not in {first["hash_data"], patched.json()["hash_data"]}


def test_a_patch_that_makes_a_duplicate_is_refused(api):
    # Given two addresses of customer 1
    first = api.post(ADDRESSES.format(1), CLIENT_BODY).json()
    second = api.post(ADDRESSES.format(1), {**CLIENT_BODY, "line": "other street 1"}).json()
    # When the second is changed into the first
    response = api.patch(ADDRESS.format(1, second["pk"]), {"line": CLIENT_BODY["line"]})
    # Then it is refused, naming the first, and left as it was
    assert response.status_code == 400
    assert response.json()["non_field_errors"].startswith(f"hash_data:{first['hash_data']} ")
    assert Address.objects.get(pk=second["pk"]).line == "other street 1"


def test_another_channels_address_is_not_found(api):
    # Given address 2, of channel 2's customer
    # When it is read, changed or deleted through channel 1
    answers = [
        api.get(ADDRESS.format(1, 2)),
        api.patch(ADDRESS.format(1, 2), {"title": "X"}),
        api.delete(ADDRESS.format(1, 2)),
    ]
    # Then it does not exist there
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert Address.objects.get(pk=2).title == "Home"


def test_lists_the_channels_addresses_by_customer(api, key_for):
    # Given a second address of customer 1, and demo address 2 in channel 2
    api.post(ADDRESSES.format(1), CLIENT_BODY)
    both = ApiClient(key_for(1, 2))
    # When channel 1's addresses are listed, all and by customer
    listed = both.get(ADDRESSES.format(1)).json()
    by_customer = both.get(ADDRESSES.format(1), customer="2").json()
    # Then only channel 1's appear
    assert {row["customer"] for row in listed["results"]} == {1} and listed["count"] == 2
    assert by_customer["results"] == []


def test_deleting_an_address_an_order_uses_is_a_conflict(api):
    # Given the demo address 1, shipping and billing address of the demo order
    # When it is deleted
    response = api.delete(ADDRESS.format(1, 1))
    # Then it is refused, naming the order
    assert response.status_code == 409
    assert response.json()["referenced_by"] == {"orders.order": 1}
    assert Address.objects.filter(pk=1).exists()


def test_deleting_an_unused_address(api):
    # Given a new address
    pk = api.post(ADDRESSES.format(1), CLIENT_BODY).json()["pk"]
    # When it is deleted
    response = api.delete(ADDRESS.format(1, pk))
    # Then it is gone
    assert response.status_code == 204
    assert not Address.objects.filter(pk=pk).exists()
