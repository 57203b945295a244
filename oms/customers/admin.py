"""Customers and their addresses. An address saved here gets its `hash_data` fingerprint
recomputed, as through the API, and a duplicate of another address of the customer is refused."""

import copy

from django import forms
from django.contrib import admin
from django.forms.models import construct_instance

from oms.core.admin import ShownInline
from oms.customers.models import Address, Customer
from oms.customers.schemas import ADDRESS_READ_ONLY, AddressOut
from oms.customers.services import address_fingerprint


class AddressInline(ShownInline):
    model = Address
    fields = ["title", "address_type", "line", "city", "country", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("city", "country")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "phone_number", "first_name", "last_name", "channel", "is_active"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["channel"]
    search_fields = ["=id", "email", "phone_number", "channel_code", "erp_code", "last_name"]
    readonly_fields = ["created_date", "modified_date"]
    inlines = [AddressInline]


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        # What a client may write, as the API's answer names it.
        fields = [name for name in AddressOut.model_fields if name not in ADDRESS_READ_ONLY]

    def clean(self):
        cleaned = super().clean()
        # The address as this form would save it (the instance itself is updated after clean()).
        candidate = construct_instance(self, copy.copy(self.instance))
        if candidate.customer_id and candidate.country_id and candidate.city_id:
            fingerprint = address_fingerprint(candidate)
            duplicate = (
                Address.objects.filter(customer_id=candidate.customer_id, hash_data=fingerprint)
                .exclude(pk=candidate.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if duplicate is not None:
                raise forms.ValidationError(
                    f"This customer already has this address (address {duplicate}), hash_data {fingerprint}."
                )
        return cleaned


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    form = AddressForm
    list_display = ["id", "title", "customer", "line", "city", "country", "address_type", "is_active"]
    list_filter = ["address_type", "is_active", "country"]
    list_select_related = ["customer", "city", "country"]
    search_fields = ["=id", "=hash_data", "customer__email", "line", "phone_number"]
    autocomplete_fields = ["customer", "country", "city", "township", "district"]
    readonly_fields = ["hash_data", "created_date", "modified_date"]

    def save_model(self, request, obj: Address, form, change) -> None:
        obj.hash_data = address_fingerprint(obj)
        super().save_model(request, obj, form, change)
