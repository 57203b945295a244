"""The location endpoints through HTTP, queried the way Omnitron's address lookup does."""

import pytest

from conftest import ApiClient
from oms.locations.models import City, Country, District, Township

pytestmark = pytest.mark.django_db
BASE = "/api/v1/channel/1/"


def only_pk(response) -> int:
    """The one row of the first page, as the client requires."""
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == 1, results
    return results[0]["pk"]


def test_resolves_an_address_the_way_omnitrons_client_does(api):
    # Given the demo locations: country 1 > city 1 > township 1 > district 1
    # When they are looked up with the client's parameters (is_active as "True")
    by_code = api.get(BASE + "countries/", code__exact="Türkiye", is_active="True")
    country = only_pk(api.get(BASE + "countries/", name__exact="Türkiye", is_active="True"))
    city = only_pk(api.get(BASE + "cities/", name__iexact="İSTANBUL", country=country, is_active="True"))
    township = only_pk(
        api.get(BASE + "townships/", name__iexact="kadıköy", country=country, city=city, is_active="True")
    )
    district = only_pk(
        api.get(
            BASE + "districts/",
            name__exact="Caferağa",
            country=country,
            city=city,
            township=township,
            is_active="True",
        )
    )
    # Then each step finds exactly one row (after the code lookup found none, as for the mock)
    assert by_code.json()["results"] == []
    assert (country, city, township, district) == (1, 1, 1, 1)


def test_rows_name_what_they_nest_in(api, demo):
    # Given the demo district
    # When it and its township are retrieved
    district = api.get(BASE + "districts/1/").json()
    township = api.get(BASE + "townships/1/").json()
    # Then they carry their country, city and township ids
    assert district == {
        "pk": 1,
        "id": 1,
        "name": "Caferağa",
        "code": "caferaga",
        "is_active": True,
        "country": 1,
        "city": 1,
        "township": 1,
    }
    assert (township["country"], township["city"]) == (1, 1)


def test_filters_narrow_by_parent_and_activity(api, demo):
    # Given a second city in another country and an inactive city in Türkiye
    germany = Country.objects.create(name="Germany", code="de")
    City.objects.create(country=germany, name="Berlin")
    City.objects.create(country_id=1, name="Ankara", is_active=False)
    # When cities are listed by country and activity
    turkish = api.get(BASE + "cities/", country="1").json()["results"]
    active_turkish = api.get(BASE + "cities/", country="1", is_active="true").json()["results"]
    german = api.get(BASE + "cities/", country=str(germany.pk)).json()["results"]
    # Then each filter applies
    assert [row["name"] for row in turkish] == ["İstanbul", "Ankara"]
    assert [row["name"] for row in active_turkish] == ["İstanbul"]
    assert [row["name"] for row in german] == ["Berlin"]


def test_a_township_filter_by_country_goes_through_its_city(api, demo):
    # Given a township of a German city
    berlin = City.objects.create(country=Country.objects.create(name="Germany", code="de"), name="Berlin")
    Township.objects.create(city=berlin, name="Mitte")
    District.objects.create(city=berlin, name="Tiergarten")
    # When townships and districts of Türkiye are listed
    townships = api.get(BASE + "townships/", country="1").json()["results"]
    districts = api.get(BASE + "districts/", country="1").json()["results"]
    # Then only Turkish ones appear
    assert [row["name"] for row in townships] == ["Kadıköy"]
    assert [row["name"] for row in districts] == ["Caferağa"]


def test_a_bad_filter_value_is_a_400_naming_it(api):
    # Given a country filter that is not an id
    # When cities are listed with it
    response = api.get(BASE + "cities/", country="Türkiye", is_active="maybe")
    # Then the parameters are named
    assert response.status_code == 400
    assert {(e["path"], e["code"]) for e in response.json()["errors"]} == {
        ("country", "invalid_type"),
        ("is_active", "invalid_type"),
    }


def test_an_unknown_location_is_not_found(api):
    # Given no country 99
    # When it is retrieved
    response = api.get(BASE + "countries/99/")
    # Then it is a 404 in the error body
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_locations_need_a_key_granted_the_channel(api, demo):
    # Given no key, and the demo key (channel 1 only)
    # When countries are listed without a key and through channel 2
    anonymous = ApiClient(None).get(BASE + "countries/")
    other_channel = api.get("/api/v1/channel/2/countries/")
    # Then they are refused; channel 2 is answered as if it did not exist
    assert anonymous.status_code == 401
    assert other_channel.status_code == 404
    assert other_channel.json()["errors"] == [
        {"path": "channel_id", "code": "not_found", "message": "Channel 2 does not exist."}
    ]


def test_locations_sort_by_id_only(api, demo):
    # Given a second country
    Country.objects.create(name="Germany", code="de")
    # When countries are listed newest first, and by last change (which locations do not keep)
    newest = api.get(BASE + "countries/", sort="-id")
    by_change = api.get(BASE + "countries/", sort="modified_date")
    # Then the first is sorted and the second refused, naming the parameter
    assert [row["code"] for row in newest.json()["results"]] == ["de", "tr"]
    assert by_change.status_code == 400
    assert [(e["path"], e["code"]) for e in by_change.json()["errors"]] == [("sort", "invalid_choice")]
