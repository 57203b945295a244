from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "oms.events"
    label = "events"
