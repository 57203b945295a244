"""Customers and addresses of a channel: the one write path of each use case, and the reads that
keep every channel's rows invisible to the others. Import the services from here."""

from oms.customers.services.addresses import (
    FINGERPRINT_FIELDS,
    address_fingerprint,
    create_address,
    delete_address,
    get_address,
    list_addresses,
    update_address,
)
from oms.customers.services.customers import (
    create_customer,
    delete_customer,
    get_customer,
    list_customers,
    update_customer,
)

__all__ = [
    "FINGERPRINT_FIELDS",
    "address_fingerprint",
    "create_address",
    "create_customer",
    "delete_address",
    "delete_customer",
    "get_address",
    "get_customer",
    "list_addresses",
    "list_customers",
    "update_address",
    "update_customer",
]
