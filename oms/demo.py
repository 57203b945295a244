"""Demo data: two channels and, in channel 1, every row the page's example request points at
(each with id 1), so that the example body works verbatim. Idempotent: rows are created only
when missing, earlier orders are kept."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction

from oms.access.models import ApiKey
from oms.access.services import KEY_PREFIX, hash_key
from oms.catalog.models import Datasource, PriceList, Product, ProductPrice, ProductStock, StockList
from oms.channels import models as channel_models
from oms.customers.models import Address, Customer
from oms.customers.services.addresses import address_fingerprint
from oms.locations.models import City, Country, District, Township
from oms.orders.models import Order, OrderHistory, OrderItem
from oms.orders.services import create_order

DEMO_ORDER_NUMBER = "DEMO-0001"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoCredentials:
    token: str
    admin_username: str
    admin_password: str | None  # None when the operator has changed it since


def derived_secret(purpose: str, length: int = 40) -> str:
    """A per-installation secret derived from SECRET_KEY, so the demo prints the same one each run."""
    return hmac.new(settings.SECRET_KEY.encode(), f"oms-demo:{purpose}".encode(), hashlib.sha256).hexdigest()[
        :length
    ]


def load_demo() -> DemoCredentials:
    with transaction.atomic():
        channels = _reference_rows()
        _reset_sequences()
    _demo_order(channels[0])
    return DemoCredentials(_demo_token(channels[0]), ADMIN_USERNAME, _admin_password())


def _get(model: type[models.Model], pk: int, **fields) -> models.Model:
    return model.objects.get_or_create(pk=pk, defaults=fields)[0]


def _reference_rows() -> list[channel_models.Channel]:
    channels = [
        _get(channel_models.Channel, 1, name="Demo web store", code="web"),
        _get(channel_models.Channel, 2, name="Demo marketplace", code="marketplace"),
    ]
    country = _get(Country, 1, name="Türkiye", code="tr")
    city = _get(City, 1, country=country, name="İstanbul", code="34")
    township = _get(Township, 1, city=city, name="Kadıköy", code="kadikoy")
    district = _get(District, 1, city=city, township=township, name="Caferağa", code="caferaga")
    _get(channel_models.CargoCompany, 1, name="Yurtiçi Kargo", code="yurtici", erp_code="YK")
    _get(channel_models.CargoCompany, 2, name="UPS", code="ups", erp_code="UPS")
    _get(channel_models.CheckoutProvider, 1, name="Demo checkout", slug="demo-checkout")
    _get(Datasource, 1, name="Demo shop", code="demo-shop")
    products = [
        _get(Product, 1, sku="DEMO-TSHIRT-M", name="Demo T-shirt, M", base_code="DEMO-TSHIRT"),
        _get(Product, 2, sku="DEMO-MUG", name="Demo mug", base_code="DEMO-MUG"),
        _get(Product, 3, sku="DEMO-CAP", name="Demo cap", base_code="DEMO-CAP"),
    ]
    for channel in channels:
        n = channel.pk
        customer = _get(
            Customer,
            n,
            channel=channel,
            email=f"customer{n}@example.com",
            first_name="Demo",
            last_name=f"Customer {n}",
            phone_number=f"+90555000000{n}",
        )
        address = _get(
            Address,
            n,
            customer=customer,
            title="Home",
            first_name="Demo",
            last_name=f"Customer {n}",
            line="Moda Cd. 1",
            postcode="34710",
            country=country,
            city=city,
            township=township,
            district=district,
            phone_number=customer.phone_number,
            email=customer.email,
        )
        if not address.hash_data:
            # The fingerprint the API gives addresses, so re-posting this one is a duplicate.
            Address.objects.filter(pk=address.pk).update(hash_data=address_fingerprint(address))
        _get(
            channel_models.PaymentOption,
            n,
            channel=channel,
            name="Credit card",
            slug="credit_card",
            first_refund_strategy="refund_to_payment_method",
        )
        _get(channel_models.OrderExternalStatus, n, channel=channel, name="Created", code="created")
        _get(
            channel_models.ShippingOptionGroup, n, channel=channel, name="Standard delivery", code="standard"
        )
        _get(channel_models.Reconciliation, n, channel=channel, name=f"Settlement {n}", code=f"REC-{n}")
        _get(
            channel_models.FundsTransferTransaction,
            n,
            channel=channel,
            reference=f"FTT-{n}",
            amount=Decimal("100.00"),
        )
        price_list = _get(PriceList, n, channel=channel, name=f"{channel.name} prices", code=f"prices-{n}")
        stock_list = _get(StockList, n, channel=channel, name=f"{channel.name} stock", code=f"stock-{n}")
        if channel.stock_list_id is None:  # where items naming no stock list reserve their units
            channel.stock_list = stock_list
            channel.save(update_fields=["stock_list", "modified_date"])
        for product in products:
            ProductPrice.objects.get_or_create(
                price_list=price_list,
                product=product,
                defaults={"price": Decimal("100.00"), "tax_rate": Decimal("10")},
            )
            ProductStock.objects.get_or_create(
                stock_list=stock_list, product=product, defaults={"stock": 100}
            )
    return channels


def _reset_sequences(demo_models: list[type[models.Model]] | None = None) -> None:
    # Rows were created with explicit ids; PostgreSQL's sequences must move past them.
    demo_models = demo_models or [
        channel_models.Channel,
        Country,
        City,
        Township,
        District,
        channel_models.CargoCompany,
        channel_models.CheckoutProvider,
        Datasource,
        Product,
        Customer,
        Address,
        channel_models.PaymentOption,
        channel_models.OrderExternalStatus,
        channel_models.ShippingOptionGroup,
        channel_models.Reconciliation,
        channel_models.FundsTransferTransaction,
        PriceList,
        StockList,
    ]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), demo_models):
            cursor.execute(sql)


def _demo_order(channel: channel_models.Channel) -> None:
    """An earlier order, so that the example's `parent: 1` (order item 1) exists."""
    if Order.objects.filter(channel=channel, number=DEMO_ORDER_NUMBER).exists():
        return
    created = create_order(
        channel=channel,
        payload={
            "order": {
                "number": DEMO_ORDER_NUMBER,
                "status": "approved",
                "date_placed": "2025-01-01T00:00:00Z",
                "customer": 1,
                "shipping_address": 1,
                "billing_address": 1,
                "currency": "try",
                "amount": "110.00",
                "shipping_amount": "10.00",
                "payment_option": 1,
                "cargo_company": 1,
            },
            "order_item": [
                {"product": 1, "price": "100.00", "price_list": 1, "stock_list": 1, "datasource": 1}
            ],
        },
    )
    # The example needs order item 1; on a database whose sequences have moved on, give it that id.
    if not OrderItem.objects.filter(pk=1).exists():
        with transaction.atomic():
            OrderItem.objects.filter(pk=created.items[0].pk).update(id=1)
            OrderHistory.objects.filter(item_id=created.items[0].pk).update(item_id=1)
            _reset_sequences([OrderItem])


def _demo_token(channel: channel_models.Channel) -> str:
    token = KEY_PREFIX + derived_secret("api-token")
    api_key, _ = ApiKey.objects.get_or_create(
        key_hash=hash_key(token), defaults={"name": "demo", "prefix": token[:12]}
    )
    api_key.channels.add(channel)
    return token


def _admin_password() -> str | None:
    password = derived_secret("admin-password", 16)
    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user_model.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", password)
        return password
    return password if user.check_password(password) else None
