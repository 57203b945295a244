"""The wire contract of customers and addresses: what a create or an update may carry.

Create and update share one schema: every field is optional here, and the services decide what a
create requires. Text fields accept null (Omnitron's client sends `"phone_number": null`) and
store it as an empty string.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.validators import validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from oms.core.answers import ChannelRowOut, DateTimeOut, From, RowOut, example
from oms.core.wire import Id, JsonObject, checked_by, choice, nullable_text, text
from oms.customers.models import Address

_email = checked_by(validate_email, "Enter a valid email address.")


Email = Annotated[nullable_text(254, key=True), Field(examples=["ada@example.com"]), AfterValidator(_email)]


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class CustomerIn(ReferenceIn):
    """A customer of the channel; unique by email within the channel (when it has one)."""

    channel: Id | None = Field(None, description="The URL's channel; accepted as a string too.")
    email: Email = None
    phone_number: nullable_text(32) = None
    first_name: nullable_text(128) = None
    last_name: nullable_text(128) = None
    channel_code: nullable_text(128, key=True) = Field(None, description="The customer's id in the channel.")
    erp_code: nullable_text(128, key=True) = None
    extra_field: JsonObject | None = None
    is_active: bool | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "1",
                    "channel_code": "1212",
                    "email": "ada@example.com",
                    "extra_field": {},
                    "first_name": "Ada",
                    "is_active": True,
                    "last_name": "Lovelace",
                    "phone_number": None,
                }
            ]
        }
    )


class AddressIn(ReferenceIn):
    """An address of one of the channel's customers; locations are ids of the location tables."""

    customer: Id | None = None
    address_type: choice(Address.AddressType.values, "address type") = Field(
        None, description="customer (default) or retail_store"
    )
    title: nullable_text(128) = None
    first_name: nullable_text(128) = None
    last_name: nullable_text(128) = None
    email: Email = None
    phone_number: nullable_text(32) = None
    line: nullable_text(1024) = None
    postcode: nullable_text(16) = None
    notes: nullable_text(512) = None
    company_name: nullable_text(255) = None
    tax_office: nullable_text(128) = None
    tax_no: nullable_text(32) = None
    e_bill_taxpayer: bool | None = None
    identity_number: nullable_text(32) = None
    country: Id | None = None
    city: Id | None = None
    township: Id | None = None
    district: Id | None = None
    is_active: bool | None = None
    # Sent by Omnitron's client; there is no retail store table or per-address extra data here.
    extra_field: JsonObject | None = Field(None, description="Accepted and ignored.")
    remote_id: text(128) | None = Field(None, description="Accepted and ignored.")
    retail_store: Id | None = Field(None, description="Accepted and ignored.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer": 1,
                    "city": 1,
                    "country": 1,
                    "township": 1,
                    "district": 1,
                    "email": "ada@example.com",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "line": "Moda Cd. 1",
                    "phone_number": "05540000000",
                    "postcode": "34710",
                    "title": "Home",
                }
            ]
        }
    )


# What a client may send back from an answer: dropped, never "unknown".
CUSTOMER_READ_ONLY = frozenset({"pk", "id", "created_date", "modified_date"})
ADDRESS_READ_ONLY = frozenset({"pk", "id", "hash_data", "created_date", "modified_date"})


# Omnitron's client compares these with what the channel sent, null when unknown.
_NULL_WHEN_BLANK = From(blank_as_null=True)


class CustomerOut(ChannelRowOut):
    email: Annotated[str | None, _NULL_WHEN_BLANK] = Field(description="null when the customer has none")
    phone_number: Annotated[str | None, _NULL_WHEN_BLANK] = Field(
        description="null when the customer has none"
    )
    first_name: str
    last_name: str
    channel_code: str
    erp_code: str
    extra_field: dict[str, Any]
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        7,
        channel=1,
        email="ada@example.com",
        phone_number=None,
        first_name="Ada",
        last_name="Lovelace",
        channel_code="1212",
        erp_code="",
        extra_field={},
        is_active=True,
    )


class AddressOut(RowOut):
    customer: Annotated[int, From("customer_id")]
    address_type: str
    title: str
    first_name: str
    last_name: str
    email: str
    phone_number: str
    line: str
    postcode: str
    notes: str
    company_name: str
    tax_office: str
    tax_no: str
    e_bill_taxpayer: bool
    identity_number: str
    country: Annotated[int, From("country_id")]
    city: Annotated[int, From("city_id")]
    township: Annotated[int | None, From("township_id")]
    district: Annotated[int | None, From("district_id")]
    hash_data: str = Field(description="SHA-256 fingerprint of the address content; `?hash_data=` finds it.")
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        9,
        customer=7,
        address_type="customer",
        title="Home",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone_number="05540000000",
        line="Moda Cd. 1",
        postcode="34710",
        notes="",
        company_name="",
        tax_office="",
        tax_no="",
        e_bill_taxpayer=False,
        identity_number="",
        country=1,
        city=1,
        township=1,
        district=1,
        hash_data="5f0c...e1",
        is_active=True,
    )
