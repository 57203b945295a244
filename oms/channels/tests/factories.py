import factory

from oms.channels.models import CargoCompany, Channel, PaymentOption


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Channel {n}")
    code = factory.Sequence(lambda n: f"channel-{n}")


class PaymentOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentOption

    channel = factory.SubFactory(ChannelFactory)
    name = "Credit card"
    slug = "credit_card"


class CargoCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CargoCompany

    name = factory.Sequence(lambda n: f"Cargo {n}")
    code = factory.Sequence(lambda n: f"cargo-{n}")
