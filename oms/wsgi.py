"""The WSGI application `oms serve` serves (granian, or gunicorn): Django's handler, behind the lanes OMS_WSGI_LANES names
(the create-order fast lane), with request bodies read first (oms/core/bodies.py) and forwarded
headers believed only from trusted proxies (oms/core/proxy.py); a thread's database connections
close when the server retires the thread (oms/core/threads.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
django_application = get_wsgi_application()


def _application():
    from django.conf import settings
    from django.utils.module_loading import import_string

    from oms.access.services import authenticate_key
    from oms.core.bodies import RequestBodies
    from oms.core.environ import ProcessEnvironmentDropped
    from oms.core.proxy import TrustedProxies
    from oms.core.threads import ConnectionsClosedAtThreadExit
    from oms.observe.requests import ObservedRequests

    app = django_application
    for lane in reversed(settings.OMS_WSGI_LANES):  # needs the apps loaded, as above
        app = import_string(lane)(app)
    # Every answer, the body layer's refusals included, is logged, counted and carries its
    # X-Request-ID.
    app = ObservedRequests(RequestBodies(app, authenticate=authenticate_key))
    if settings.OMS_TRUSTED_PROXIES:  # outermost: no layer sees a forwarded header we do not believe
        app = TrustedProxies(app, settings.OMS_TRUSTED_PROXIES)
    # granian copies the process environment into each request's: dropped before anything reads it.
    return ProcessEnvironmentDropped(ConnectionsClosedAtThreadExit(app))


application = _application()
