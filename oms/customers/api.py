"""Customers and addresses of a channel, as Omnitron's channel clients create them before an order."""

from __future__ import annotations

from ninja import Router

from oms.core.filters import Filter, boolean, choice, datetime_filters, id_filters, text
from oms.core.resources import Resource
from oms.customers import services
from oms.customers.models import Address
from oms.customers.schemas import AddressIn, AddressOut, CustomerIn, CustomerOut

router = Router(tags=["customers"])

_ACTIVE_AND_CHANGED = [
    Filter("is_active", "is_active", boolean, description="true or false."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]
CUSTOMER_FILTERS = [
    Filter("email", "email", text, description="Exact email (case-sensitive)."),
    Filter("phone_number", "phone_number", text, description="Exact phone number."),
    Filter("channel_code", "channel_code", text, description="Exact id in the channel."),
    Filter("erp_code", "erp_code", text, description="Exact ERP code."),
    *_ACTIVE_AND_CHANGED,
]
_ADDRESS_TYPE = choice({value: value for value in Address.AddressType.values}, "address type")
ADDRESS_FILTERS = [
    Filter("hash_data", "hash_data", text, description="Exact fingerprint, as named by a duplicate refusal."),
    *id_filters("customer", "customer_id", what="customer id"),
    Filter("address_type", "address_type", _ADDRESS_TYPE, description="customer or retail_store."),
    *_ACTIVE_AND_CHANGED,
]
EVERYTHING = "list get create update delete"

Resource.of(
    services,
    "customer",
    CustomerOut,
    EVERYTHING,
    filters=CUSTOMER_FILTERS,
    body=CustomerIn,
    summaries={
        "list": "List the channel's customers",
        "create": "Create a customer (unique email per channel)",
        "delete": "Delete a customer no address or order refers to",
    },
).register(router)
Resource.of(
    services,
    "address",
    AddressOut,
    EVERYTHING,
    plural="addresses",
    filters=ADDRESS_FILTERS,
    body=AddressIn,
    summaries={
        "list": "List the addresses of the channel's customers",
        "create": "Create an address; a duplicate is refused with non_field_errors: hash_data:<hash>",
        "delete": "Delete an address no order refers to",
    },
).register(router)
