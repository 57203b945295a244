"""Customers of a channel: unique by email within it, invisible to other channels."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from oms.channels.models import Channel
from oms.core.deletion import delete_unreferenced
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter
from oms.core.payload import parse_payload
from oms.customers.models import Customer
from oms.customers.schemas import CUSTOMER_READ_ONLY, CustomerIn
from oms.customers.services.common import channel_problems, sent_values

_CUSTOMER_FIELDS = (
    "email",
    "phone_number",
    "first_name",
    "last_name",
    "channel_code",
    "erp_code",
    "extra_field",
    "is_active",
)


def list_customers(*, channel: Channel) -> QuerySet[Customer]:
    return Customer.objects.filter(channel=channel)


get_customer = channel_row_getter(list_customers, "Customer")


@transaction.atomic
def create_customer(*, channel: Channel, payload: Any) -> Customer:
    """Create a customer of `channel`. Raises ValidationFailed with every problem at once: the
    schema's, a body channel other than the URL's, no email nor phone number, an email the
    channel already has (decided by the database's unique constraint)."""
    data, given = _parse_customer(channel, payload, creating=True)
    customer = Customer(channel=channel, **sent_values(data, given, _CUSTOMER_FIELDS))
    _save_customer(customer)
    return customer


@transaction.atomic
def update_customer(*, customer: Customer, payload: Any) -> Customer:
    """Change the fields sent (PATCH and PUT are both partial); the same checks as create."""
    data, given = _parse_customer(customer.channel, payload, creating=False)
    values = sent_values(data, given, _CUSTOMER_FIELDS)
    for name, value in values.items():
        setattr(customer, name, value)
    if not customer.email and not customer.phone_number:
        raise ValidationFailed(_contactrequired_problems())
    _save_customer(customer, update_fields=[*values, "modified_date"])
    return customer


def delete_customer(*, customer: Customer) -> None:
    """Delete a customer no address or order points at (else Conflict naming them)."""
    delete_unreferenced(customer, label=f"Customer {customer.pk}")


def _parse_customer(channel: Channel, payload: Any, *, creating: bool) -> tuple[CustomerIn, set[str]]:
    parsed = parse_payload(
        CustomerIn, payload, strict_fields=channel.strict_fields, read_only=CUSTOMER_READ_ONLY
    )
    data = parsed.readable
    if data is not None:
        parsed.add(channel_problems(data.channel, channel))
        if creating and not data.email and not data.phone_number:
            parsed.add([_contactrequired_problems()])
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    return parsed.data, parsed.given


def _contactrequired_problems() -> Problem:
    return Problem("email", ErrorCode.REQUIRED, "A customer needs an email or a phone number.")


def _save_customer(customer: Customer, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError:
        # The only unique constraint of a customer: (channel, email).
        raise ValidationFailed(
            Problem(
                "email",
                ErrorCode.DUPLICATE,
                f"A customer with email {customer.email} already exists in channel {customer.channel_id}.",
            )
        ) from None
