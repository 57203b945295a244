import pytest

from oms.customers.models import Address

pytestmark = pytest.mark.django_db


def test_reposting_a_demo_address_is_the_hash_data_duplicate(api):
    # Given demo address 1, with the fingerprint the API gives addresses
    address = Address.objects.get(pk=1)
    body = {
        "customer": 1,
        "title": address.title,
        "first_name": address.first_name,
        "last_name": address.last_name,
        "line": address.line,
        "postcode": address.postcode,
        "phone_number": address.phone_number,
        "email": address.email,
        "country": address.country_id,
        "city": address.city_id,
        "township": address.township_id,
        "district": address.district_id,
    }
    # When the same content is posted again
    response = api.post("/api/v1/channel/1/addresses/", body)
    # Then it is refused as Omnitron refuses it, pointing at the stored address
    assert response.status_code == 400, response.content
    assert response.json()["non_field_errors"].startswith(f"hash_data:{address.hash_data}")
