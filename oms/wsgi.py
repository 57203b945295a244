"""The WSGI application gunicorn serves: Django's handler, behind the create-order fast lane,
with chunked request bodies read whole first."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
django_application = get_wsgi_application()


def _application():
    from django.conf import settings

    from oms.core.chunked import ChunkedBodies
    from oms.orders.api.lane import CreateOrderLane  # needs the apps loaded, as above

    app = CreateOrderLane(django_application) if settings.OMS_CREATE_LANE else django_application
    largest = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.OMS_MAX_BULK_BODY_BYTES)
    return ChunkedBodies(app, max_bytes=largest)


application = _application()
