"""Customers and addresses as answered on the wire (the shapes of CustomerOut and AddressOut)."""

from __future__ import annotations

from typing import Any

from oms.core.render import wire_datetime
from oms.customers.models import Address, Customer


def customer_to_wire(customer: Customer) -> dict[str, Any]:
    return {
        "pk": customer.pk,
        "id": customer.pk,
        "channel": customer.channel_id,
        # Omnitron's client compares these with what the channel sent, null when unknown.
        "email": customer.email or None,
        "phone_number": customer.phone_number or None,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "channel_code": customer.channel_code,
        "erp_code": customer.erp_code,
        "extra_field": customer.extra_field,
        "is_active": customer.is_active,
        "created_date": wire_datetime(customer.created_date),
        "modified_date": wire_datetime(customer.modified_date),
    }


def address_to_wire(address: Address) -> dict[str, Any]:
    return {
        "pk": address.pk,
        "id": address.pk,
        "customer": address.customer_id,
        "address_type": address.address_type,
        "title": address.title,
        "first_name": address.first_name,
        "last_name": address.last_name,
        "email": address.email,
        "phone_number": address.phone_number,
        "line": address.line,
        "postcode": address.postcode,
        "notes": address.notes,
        "company_name": address.company_name,
        "tax_office": address.tax_office,
        "tax_no": address.tax_no,
        "e_bill_taxpayer": address.e_bill_taxpayer,
        "identity_number": address.identity_number,
        "country": address.country_id,
        "city": address.city_id,
        "township": address.township_id,
        "district": address.district_id,
        "hash_data": address.hash_data,
        "is_active": address.is_active,
        "created_date": wire_datetime(address.created_date),
        "modified_date": wire_datetime(address.modified_date),
    }
