import factory

from oms.locations.models import City, Country


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    name = "Türkiye"
    code = "tr"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"City {n}")
