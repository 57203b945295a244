from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "oms.access"
    label = "access"
