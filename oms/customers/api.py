"""Customers and addresses of a channel, as Omnitron's channel clients create them before an order."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from oms.access.services import get_channel_for
from oms.core.filters import Filter, boolean, choice, datetime_filters, id_filters, text
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.openapi import json_body
from oms.customers import services
from oms.customers.models import Address
from oms.customers.presenters import address_to_wire, customer_to_wire
from oms.customers.schemas import AddressIn, AddressOut, CustomerIn, CustomerOut

router = Router(tags=["customers"])

CUSTOMERS = "/channel/{channel_id}/customers/"
CUSTOMER = "/channel/{channel_id}/customers/{pk}/"
ADDRESSES = "/channel/{channel_id}/addresses/"
ADDRESS = "/channel/{channel_id}/addresses/{pk}/"

CUSTOMER_FILTERS = [
    Filter("email", "email", text, description="Exact email (case-sensitive)."),
    Filter("phone_number", "phone_number", text, description="Exact phone number."),
    Filter("channel_code", "channel_code", text, description="Exact id in the channel."),
    Filter("erp_code", "erp_code", text, description="Exact ERP code."),
    Filter("is_active", "is_active", boolean, description="true or false."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]
ADDRESS_FILTERS = [
    Filter("hash_data", "hash_data", text, description="Exact fingerprint, as named by a duplicate refusal."),
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
]


@router.get(
    CUSTOMERS,
    response={200: page_of(CustomerOut)},
    summary="List the channel's customers",
    openapi_extra=list_openapi(CUSTOMER_FILTERS),
)
def list_customers(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_customers(channel=channel)
    return json_response(list_page(request, queryset, filters=CUSTOMER_FILTERS, present=customer_to_wire))


@router.post(
    CUSTOMERS,
    response={201: CustomerOut},
    summary="Create a customer (unique email per channel)",
    openapi_extra=json_body(CustomerIn),
)
def create_customer(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    customer = services.create_customer(channel=channel, payload=read_json(request))
    return json_response(customer_to_wire(customer), status=201)


@router.get(CUSTOMER, response={200: CustomerOut}, summary="Retrieve a customer")
def get_customer(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(customer_to_wire(services.get_customer(channel=channel, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    CUSTOMER,
    response={200: CustomerOut},
    summary="Update a customer (PATCH and PUT both change only the fields sent)",
    openapi_extra=json_body(CustomerIn),
)
def update_customer(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    customer = services.get_customer(channel=channel, pk=pk)
    customer = services.update_customer(customer=customer, payload=read_json(request))
    return json_response(customer_to_wire(customer))


@router.delete(CUSTOMER, response={204: None}, summary="Delete a customer no address or order refers to")
def delete_customer(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    services.delete_customer(customer=services.get_customer(channel=channel, pk=pk))
    return HttpResponse(status=204)


@router.get(
    ADDRESSES,
    response={200: page_of(AddressOut)},
    summary="List the addresses of the channel's customers",
    openapi_extra=list_openapi(ADDRESS_FILTERS),
)
def list_addresses(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_addresses(channel=channel)
    return json_response(list_page(request, queryset, filters=ADDRESS_FILTERS, present=address_to_wire))


@router.post(
    ADDRESSES,
    response={201: AddressOut},
    summary="Create an address; a duplicate is refused with non_field_errors: hash_data:<hash>",
    openapi_extra=json_body(AddressIn),
)
def create_address(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    address = services.create_address(channel=channel, payload=read_json(request))
    return json_response(address_to_wire(address), status=201)


@router.get(ADDRESS, response={200: AddressOut}, summary="Retrieve an address")
def get_address(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(address_to_wire(services.get_address(channel=channel, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    ADDRESS,
    response={200: AddressOut},
    summary="Update an address (PATCH and PUT both change only the fields sent)",
    openapi_extra=json_body(AddressIn),
)
def update_address(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    address = services.get_address(channel=channel, pk=pk)
    address = services.update_address(address=address, payload=read_json(request))
    return json_response(address_to_wire(address))


@router.delete(ADDRESS, response={204: None}, summary="Delete an address no order refers to")
def delete_address(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    services.delete_address(address=services.get_address(channel=channel, pk=pk))
    return HttpResponse(status=204)
