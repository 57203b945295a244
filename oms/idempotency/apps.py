from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "oms.idempotency"
    label = "idempotency"
