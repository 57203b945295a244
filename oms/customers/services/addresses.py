"""Addresses of a channel's customers, each with its `hash_data` fingerprint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from oms.channels.models import Channel
from oms.core.deletion import delete_unreferenced
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import get_row
from oms.core.payload import parse_payload
from oms.customers.models import Address, Customer
from oms.customers.schemas import ADDRESS_READ_ONLY, AddressIn
from oms.customers.services.common import required_problems, sent_values
from oms.locations.models import City, Country, District, Township

# What describes the place and the person: written from the body, and covered by the fingerprint.
_DESCRIPTION = (
    "address_type",
    "title",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "line",
    "postcode",
    "notes",
    "company_name",
    "tax_office",
    "tax_no",
    "e_bill_taxpayer",
    "identity_number",
)
_ADDRESS_FIELDS = (*_DESCRIPTION, "is_active")
# The content an address fingerprint covers: who it belongs to and everything that describes the
# place and the person, not its bookkeeping (is_active, dates).
FINGERPRINT_FIELDS = ("customer_id", *_DESCRIPTION, "country_id", "city_id", "township_id", "district_id")


def address_fingerprint(address: Address) -> str:
    """`hash_data`: SHA-256 (hex) of the address content, normalised so that case and runs of
    whitespace do not make two addresses different: a canonical JSON object of FINGERPRINT_FIELDS,
    text trimmed, inner whitespace collapsed to one space and case-folded, empty for null."""
    canonical = {name: _normalise(getattr(address, name)) for name in FINGERPRINT_FIELDS}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _normalise(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def list_addresses(*, channel: Channel) -> QuerySet[Address]:
    return Address.objects.filter(customer__channel=channel)


def get_address(*, channel: Channel, pk: int) -> Address:
    """The address `pk` of one of the channel's customers; NotFound otherwise."""
    return get_row(
        list_addresses(channel=channel).select_related("customer__channel"),
        pk,
        label="Address",
        where=f" in channel {channel.pk}",
    )


@transaction.atomic
def create_address(*, channel: Channel, payload: Any) -> Address:
    """Create an address of one of the channel's customers, with its `hash_data` fingerprint.

    Raises ValidationFailed with every problem at once: the schema's, a missing customer,
    country, city or line, references unknown or outside the channel, locations that do not nest
    (a city of another country...). An address whose fingerprint the customer already has is
    refused as Omnitron refuses it: `non_field_errors` is `"hash_data:<hash> ..."` (a string,
    which is what Omnitron's client parses to find the existing address by `?hash_data=`).
    """
    parsed = parse_payload(
        AddressIn, payload, strict_fields=channel.strict_fields, read_only=ADDRESS_READ_ONLY
    )
    data = parsed.readable
    if data is not None:
        parsed.add(required_problems(data, ("customer", "country", "city", "line")))
        refs, problems = _resolve(channel, data, parsed.given, current=None)
        parsed.add(problems)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    address = Address(**sent_values(parsed.data, parsed.given, _ADDRESS_FIELDS), **refs.as_fields())
    _save_address(address)
    return address


@transaction.atomic
def update_address(*, address: Address, payload: Any) -> Address:
    """Change the fields sent (PATCH and PUT are both partial) and recompute `hash_data`; the
    same checks as create, on the address as it would become."""
    channel = address.customer.channel
    parsed = parse_payload(
        AddressIn, payload, strict_fields=channel.strict_fields, read_only=ADDRESS_READ_ONLY
    )
    data = parsed.readable
    if data is not None:
        parsed.add(
            [
                Problem(name, ErrorCode.REQUIRED, "This field may not be null.")
                for name in ("customer", "country", "city", "line")
                if name in parsed.given and not getattr(data, name)
            ]
        )
        refs, problems = _resolve(channel, data, parsed.given, current=address)
        parsed.add(problems)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    values = {**sent_values(parsed.data, parsed.given, _ADDRESS_FIELDS), **refs.as_fields()}
    for name, value in values.items():
        setattr(address, name, value)
    _save_address(address, update_fields=[*values, "hash_data", "modified_date"])
    return address


def delete_address(*, address: Address) -> None:
    """Delete an address no order points at (else Conflict naming the orders)."""
    delete_unreferenced(address, label=f"Address {address.pk}")


@dataclass(frozen=True, slots=True)
class _AddressRefs:
    customer: Customer
    country: Country
    city: City
    township: Township | None
    district: District | None

    def as_fields(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "country": self.country,
            "city": self.city,
            "township": self.township,
            "district": self.district,
        }


def _resolve(
    channel: Channel, data: AddressIn, given: set[str], *, current: Address | None
) -> tuple[_AddressRefs | None, list[Problem]]:
    """The address's customer and locations as they will be (sent, else current), checked to
    exist, to be in the channel and to nest: one query per model."""

    def wanted(name: str) -> int | None:
        if name in given:
            return getattr(data, name)
        return getattr(current, f"{name}_id") if current is not None else None

    ids = {name: wanted(name) for name in ("customer", "country", "city", "township", "district")}
    rows: dict[str, Any] = {
        "customer": _one(Customer.objects.filter(channel=channel), ids["customer"]),
        "country": _one(Country.objects.all(), ids["country"]),
        "city": _one(City.objects.all(), ids["city"]),
        "township": _one(Township.objects.all(), ids["township"]),
        "district": _one(District.objects.all(), ids["district"]),
    }
    problems = []
    for name, pk in ids.items():
        if pk is not None and rows[name] is None:
            where = f" in channel {channel.pk}" if name == "customer" else ""
            problems.append(
                Problem(name, ErrorCode.NOT_FOUND, f"{name.capitalize()} {pk} does not exist{where}.")
            )
    problems += _nesting_problems(rows)
    if problems or rows["customer"] is None or rows["country"] is None or rows["city"] is None:
        return None, problems
    return _AddressRefs(**rows), problems


def _nesting_problems(rows: Mapping[str, Any]) -> list[Problem]:
    country, city, township, district = rows["country"], rows["city"], rows["township"], rows["district"]
    problems = []
    if city is not None and country is not None and city.country_id != country.pk:
        problems.append(_mismatch("city", f"City {city.pk} is not in country {country.pk}."))
    if township is not None and city is not None and township.city_id != city.pk:
        problems.append(_mismatch("township", f"Township {township.pk} is not in city {city.pk}."))
    if district is not None and city is not None and district.city_id != city.pk:
        problems.append(_mismatch("district", f"District {district.pk} is not in city {city.pk}."))
    elif (
        district is not None
        and township is not None
        and district.township_id is not None
        and district.township_id != township.pk
    ):
        problems.append(_mismatch("district", f"District {district.pk} is not in township {township.pk}."))
    return problems


def _mismatch(path: str, message: str) -> Problem:
    return Problem(path, ErrorCode.MISMATCH, message)


def _one(queryset: QuerySet, pk: int | None) -> Any:
    return queryset.filter(pk=pk).first() if pk is not None else None


def _save_address(address: Address, update_fields: list[str] | None = None) -> None:
    address.hash_data = address_fingerprint(address)
    try:
        with transaction.atomic():
            address.save(update_fields=update_fields)
    except IntegrityError:
        # The only unique constraint of an address: (customer, hash_data).
        existing = (
            Address.objects.filter(customer_id=address.customer_id, hash_data=address.hash_data)
            .values_list("pk", flat=True)
            .first()
        )
        raise ValidationFailed(
            Problem(
                "non_field_errors",
                ErrorCode.DUPLICATE,
                f"Customer {address.customer_id} already has this address (address {existing}).",
            ),
            non_field_errors=f"hash_data:{address.hash_data} Address already exists (address {existing}).",
        ) from None
