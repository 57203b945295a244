import factory

from oms.catalog.models import PriceList, Product, StockList
from oms.channels.tests.factories import ChannelFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    channel = factory.SubFactory(ChannelFactory)
    name = factory.Sequence(lambda n: f"Prices {n}")


class StockListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockList

    channel = factory.SubFactory(ChannelFactory)
    name = factory.Sequence(lambda n: f"Stock {n}")
