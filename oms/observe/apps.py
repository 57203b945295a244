from django.apps import AppConfig


class ObserveConfig(AppConfig):
    name = "oms.observe"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from oms.observe.requests import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="oms.observe.queries")
