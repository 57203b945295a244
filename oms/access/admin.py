"""API keys: operators see, rename, grant channels to and revoke keys. A key is created with
`oms token create` (or by logging in), since its clear value is shown once and never stored."""

from django.contrib import admin

from oms.access.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "prefix", "user", "shared", "is_active", "created_date"]
    list_filter = ["is_active", "shared", "channels"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    filter_horizontal = ["channels"]
    fields = ["name", "prefix", "user", "channels", "shared", "is_active", "created_date"]
    readonly_fields = ["prefix", "user", "created_date"]

    def has_add_permission(self, request) -> bool:
        return False
