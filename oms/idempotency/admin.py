"""Idempotency keys, read-only: which answer a keyed request got, for support questions."""

from django.contrib import admin

from oms.idempotency.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["id", "key", "api_key", "channel", "status_code", "created_date", "completed_date"]
    list_filter = ["channel", "status_code"]
    list_select_related = ["api_key", "channel"]
    search_fields = ["=key"]
    exclude = ["response_body"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
