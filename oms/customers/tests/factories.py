import factory

from oms.channels.tests.factories import ChannelFactory
from oms.customers.models import Address, Customer
from oms.locations.tests.factories import CityFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    channel = factory.SubFactory(ChannelFactory)
    email = factory.Sequence(lambda n: f"factory-customer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    city = factory.SubFactory(CityFactory)
    country = factory.SelfAttribute("city.country")
    title = "Home"
    line = "Main street 1"
