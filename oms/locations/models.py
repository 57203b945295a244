"""Location tables that addresses point at: country, city, township, district."""

from django.db import models

from oms.core.models import Named


class Place(Named):
    """What every location table has: a name, shown as the row, and whether it is offered."""

    name = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)

    class Meta(Named.Meta):
        abstract = True


class Country(Place):
    code = models.CharField(max_length=8, unique=True, help_text="ISO 3166-1 alpha-2, e.g. tr")

    class Meta(Place.Meta):
        verbose_name_plural = "countries"


class City(Place):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities")
    code = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta(Place.Meta):
        verbose_name_plural = "cities"


class Township(Place):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="townships")
    code = models.CharField(max_length=32, blank=True, db_index=True)


class District(Place):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="districts", null=True)
    code = models.CharField(max_length=32, blank=True, db_index=True)
