"""Location tables: listed, searched by code and name, edited by operators."""

from django.contrib import admin

from oms.locations.models import City, Country, District, Township


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "country", "is_active"]
    list_filter = ["is_active", "country"]
    list_select_related = ["country"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["country"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "city", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["city"]
    search_fields = ["code", "name", "city__name"]
    autocomplete_fields = ["city"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "township", "city", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["city", "township"]
    search_fields = ["code", "name", "township__name", "city__name"]
    autocomplete_fields = ["city", "township"]
