from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "oms.channels"
    label = "channels"
    verbose_name = "Channels and their configuration"
