from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "oms.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks

        from oms.core.ratelimit import check_rate_limit_settings

        checks.register(check_rate_limit_settings)
