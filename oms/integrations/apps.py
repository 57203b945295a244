from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "oms.integrations"
    label = "integrations"
    verbose_name = "channel integrations"
