"""Customers and addresses of a channel, as Omnitron's channel clients create them before an order."""

from __future__ import annotations

from ninja import Router

from oms.core.filters import Filter, boolean, choice, datetime_filters, id_filters, text
from oms.core.resources import Resource
from oms.customers import services
from oms.customers.models import Address
from oms.customers.schemas import AddressIn, AddressOut, CustomerIn, CustomerOut

router = Router(tags=["customers"])

Resource(
    "customers",
    CustomerOut,
    "customer",
    rows=services.list_customers,
    get=services.get_customer,
    filters=[
        Filter("email", "email", text, description="Exact email (case-sensitive)."),
        Filter("phone_number", "phone_number", text, description="Exact phone number."),
        Filter("channel_code", "channel_code", text, description="Exact id in the channel."),
        Filter("erp_code", "erp_code", text, description="Exact ERP code."),
        Filter("is_active", "is_active", boolean, description="true or false."),
        *id_filters("pk", "pk"),
        *datetime_filters("modified_date"),
    ],
    body=CustomerIn,
    create=services.create_customer,
    update=services.update_customer,
    delete=services.delete_customer,
    summaries={
        "list": "List the channel's customers",
        "create": "Create a customer (unique email per channel)",
        "delete": "Delete a customer no address or order refers to",
    },
).register(router)

Resource(
    "addresses",
    AddressOut,
    "address",
    plural="addresses",
    rows=services.list_addresses,
    get=services.get_address,
    filters=[
        Filter(
            "hash_data", "hash_data", text, description="Exact fingerprint, as named by a duplicate refusal."
        ),
        *id_filters("customer", "customer_id", what="customer id"),
        Filter(
            "address_type",
            "address_type",
            choice({value: value for value in Address.AddressType.values}, "address type"),
            description="customer or retail_store.",
        ),
        Filter("is_active", "is_active", boolean, description="true or false."),
        *id_filters("pk", "pk"),
        *datetime_filters("modified_date"),
    ],
    body=AddressIn,
    create=services.create_address,
    update=services.update_address,
    delete=services.delete_address,
    summaries={
        "list": "List the addresses of the channel's customers",
        "create": "Create an address; a duplicate is refused with non_field_errors: hash_data:<hash>",
        "delete": "Delete an address no order refers to",
    },
).register(router)
