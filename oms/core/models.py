"""Shared model building blocks: one money precision and timestamps for the whole project."""

from decimal import Decimal

from django.db import models

from oms.core.ratelimit import validate_limit

# Money: at most 12 digits with 2 decimals (up to 9,999,999,999.99), Decimal end to end.
MONEY = {"max_digits": 12, "decimal_places": 2}
# Rates are percentages from 0 to 100 with 2 decimals.
RATE = {"max_digits": 5, "decimal_places": 2}


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(**MONEY, **_decimal_default(kwargs))


def rate_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(**RATE, **_decimal_default(kwargs))


def rate_limit_field(*, help_text: str) -> models.CharField:
    """A request rate limit as oms.core.ratelimit reads it ("50/s", "3000/m burst 200", "off"),
    or empty: the one inherited (a channel's, OMS_RATE_LIMIT)."""
    return models.CharField(max_length=64, blank=True, validators=[validate_limit], help_text=help_text)


def _decimal_default(kwargs: dict) -> dict:
    # An unsaved instance must hold a Decimal too, so a default of 0 becomes Decimal("0.00").
    if isinstance(kwargs.get("default"), int):
        kwargs["default"] = Decimal(kwargs["default"]).quantize(Decimal("0.01"))
    return kwargs


class Named(models.Model):
    """A reference row that operators know by its name: shown as its name, listed in id order.
    Put it first among a model's bases, so that its Meta is the one the model inherits."""

    name: str  # each model declares the field, with its own place among the columns

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Timestamped(models.Model):
    created_date = models.DateTimeField(auto_now_add=True, db_index=True)
    modified_date = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
