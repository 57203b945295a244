"""Reading the location tables: shared by every channel, filtered as Omnitron's address lookups
ask (`name__iexact`, `code__exact`, `country`, `city`, `township`, `is_active`)."""

from __future__ import annotations

from django.db.models import Model, QuerySet

from oms.core.lookup import get_row
from oms.locations.models import City, Country, District, Township


def list_countries() -> QuerySet[Country]:
    return Country.objects.all()


def list_cities() -> QuerySet[City]:
    return City.objects.all()


def list_townships() -> QuerySet[Township]:
    return Township.objects.select_related("city")


def list_districts() -> QuerySet[District]:
    return District.objects.select_related("city")


def get_location(queryset: QuerySet, pk: int) -> Model:
    """Row `pk` of a location queryset above; NotFound otherwise."""
    return get_row(queryset, pk, label=queryset.model._meta.verbose_name.capitalize())
