"""The WSGI application gunicorn serves: Django's handler, behind the create-order fast lane,
with request bodies read first (oms/core/bodies.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
django_application = get_wsgi_application()


def _application():
    from django.conf import settings

    from oms.access.services import authenticate_key
    from oms.core.bodies import RequestBodies
    from oms.orders.api.lane import CreateOrderLane  # needs the apps loaded, as above

    app = CreateOrderLane(django_application) if settings.OMS_CREATE_LANE else django_application
    return RequestBodies(app, authenticate=authenticate_key)


application = _application()
