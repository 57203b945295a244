"""Webhooks in the admin: subscriptions (added through the same service as the API, the secret
shown once), their deliveries (event, attempts, last status, latency, next try), and actions
to ping, rotate the secret, redeliver and re-enable."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from oms.core.admin import ShownInline
from oms.core.errors import DomainError
from oms.core.render import wire_datetime
from oms.events import webhooks
from oms.events.models import Delivery, Event, Webhook
from oms.events.safety import UnsafeURL, check_url
from oms.events.schemas import SUBSCRIBABLE

_DELIVERY_FIELDS = [
    "event",
    "status",
    "attempts",
    "last_status_code",
    "latency_ms",
    "last_error",
    "next_attempt_at",
    "delivered_at",
]


class DeliveryInline(ShownInline):
    model = Delivery
    fields = _DELIVERY_FIELDS
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(t, t) for t in SUBSCRIBABLE], required=False, help_text="None chosen: every type."
    )

    class Meta:
        model = Webhook
        fields = ["channel", "url", "events", "is_active"]

    def clean_url(self) -> str:
        # The service checks again on save; here the refusal is shown on the form.
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL as error:
            raise forms.ValidationError(str(error)) from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["id", "channel", "url", "is_active", "disabled_reason", "failing_since"]
    list_filter = ["channel", "is_active"]
    readonly_fields = ["disabled_reason", "failing_since", "created_date", "modified_date"]
    inlines = [DeliveryInline]
    actions = ["ping", "rotate_secret", "redeliver_last_day", "enable"]

    def save_model(self, request, obj, form, change):
        # Through the services, as the API: the URL's safety check, the secret made and shown once.
        payload = {"url": obj.url, "events": form.cleaned_data["events"], "is_active": obj.is_active}
        try:
            if change:
                webhooks.update_webhook(webhook=obj, payload=payload)
            else:
                created, secret = webhooks.create_webhook(channel=obj.channel, payload=payload)
                obj.pk = created.pk
                self.message_user(request, f"Signing secret (shown once): {secret}", messages.WARNING)
        except DomainError as error:
            raise forms.ValidationError(error.detail) from error

    def _each(self, request, queryset, action, done: str) -> None:
        for webhook in queryset:
            try:
                result = action(webhook)
            except DomainError as error:
                self.message_user(request, f"Webhook {webhook.pk}: {error.detail}", messages.ERROR)
                continue
            self.message_user(request, done.format(webhook=webhook, result=result), messages.SUCCESS)

    @admin.action(description="Send a ping")
    def ping(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda w: webhooks.ping_webhook(webhook=w),
            "Ping queued for webhook {webhook.pk}.",
        )

    @admin.action(description="Rotate the signing secret (the old one signs for 24 more hours)")
    def rotate_secret(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda w: webhooks.rotate_secret(webhook=w),
            "Webhook {webhook.pk}: new signing secret (shown once): {result}",
        )

    @admin.action(description="Redeliver the last 24 hours of events")
    def redeliver_last_day(self, request, queryset):
        since = wire_datetime(timezone.now() - timedelta(days=1))
        self._each(
            request,
            queryset,
            lambda w: webhooks.redeliver(webhook=w, payload={"since": since}),
            "Webhook {webhook.pk}: {result} deliveries queued.",
        )

    @admin.action(description="Enable again")
    def enable(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda w: webhooks.update_webhook(webhook=w, payload={"is_active": True}),
            "Webhook {webhook.pk} enabled.",
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "webhook", *_DELIVERY_FIELDS]
    list_filter = ["status", "webhook"]
    list_select_related = ["event", "webhook"]
    readonly_fields = [
        "webhook",
        "subject",
        "created_date",
        "last_attempt_at",
        "locked_until",
        *_DELIVERY_FIELDS,
    ]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "channel", "subject", "occurred_at"]
    list_filter = ["type", "channel"]
    search_fields = ["subject"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
