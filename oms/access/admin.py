"""API keys: operators see, rename, grant channels to and revoke keys. A key is created with
`oms token create` (or by logging in), since its clear value is shown once and never stored."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from oms.access.models import ApiKey
from oms.access.throttle import login_attempt
from oms.core.errors import RateLimited


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form under the API login's throttle: past the limits the form shows the
    refusal as its error (200, no Retry-After: a browser form, not a client that retries)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # nothing to hash: the form reports the missing field
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        try:
            with login_attempt(username=username, address=address, failures=(ValidationError,)):
                return super().clean()
        except RateLimited as exc:
            raise ValidationError(exc.detail, code=str(exc.problems[0].code)) from None


admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "prefix", "user", "shared", "rate_limit", "is_active", "created_date"]
    list_filter = ["is_active", "shared", "channels"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    filter_horizontal = ["channels"]
    fields = ["name", "prefix", "user", "channels", "shared", "rate_limit", "is_active", "created_date"]
    readonly_fields = ["prefix", "user", "created_date"]

    def has_add_permission(self, request) -> bool:
        return False
