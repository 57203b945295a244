"""Location tables that addresses point at: country, city, township, district."""

from django.db import models


class Country(models.Model):
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=8, unique=True, help_text="ISO 3166-1 alpha-2, e.g. tr")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities")
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=32, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="townships")
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=32, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="districts", null=True)
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=32, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
