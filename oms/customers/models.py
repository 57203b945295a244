"""Customers of a channel and their addresses."""

from django.db import models

from oms.channels.models import Channel
from oms.core.models import Timestamped
from oms.locations.models import City, Country, District, Township


class Customer(Timestamped):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="customers")
    email = models.EmailField(max_length=254, blank=True)
    phone_number = models.CharField(max_length=32, blank=True, db_index=True)
    first_name = models.CharField(max_length=128, blank=True)
    last_name = models.CharField(max_length=128, blank=True)
    channel_code = models.CharField(max_length=128, blank=True, help_text="The customer's id in the channel.")
    erp_code = models.CharField(max_length=128, blank=True)
    extra_field = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Unique email per channel; customers known only by phone have an empty email.
            models.UniqueConstraint(
                fields=["channel", "email"],
                condition=~models.Q(email=""),
                name="customer_unique_channel_email",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone_number or f"customer #{self.pk}"


class Address(Timestamped):
    class AddressType(models.TextChoices):
        CUSTOMER = "customer"
        RETAIL_STORE = "retail_store"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="addresses")
    address_type = models.CharField(max_length=16, choices=AddressType.choices, default=AddressType.CUSTOMER)
    title = models.CharField(max_length=128, blank=True)
    first_name = models.CharField(max_length=128, blank=True)
    last_name = models.CharField(max_length=128, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone_number = models.CharField(max_length=32, blank=True)
    line = models.TextField(blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    notes = models.TextField(blank=True)
    company_name = models.CharField(max_length=255, blank=True)
    tax_office = models.CharField(max_length=128, blank=True)
    tax_no = models.CharField(max_length=32, blank=True)
    e_bill_taxpayer = models.BooleanField(default=False)
    identity_number = models.CharField(max_length=32, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    hash_data = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Fingerprint of the address content."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "hash_data"],
                condition=~models.Q(hash_data=""),
                name="address_unique_customer_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'address'} #{self.pk}"
