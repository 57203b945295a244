from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "oms.customers"
    label = "customers"
