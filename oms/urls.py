from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from oms.api import api
from oms.core.views import healthz, readyz
from oms.observe.admin import dashboard
from oms.observe.metrics import metrics

# The ERP's routes (oms/orders/api/erp.py) are served under /api/i1/ too: the prefix Omnitron's
# ERP documentation uses. The same views: authentication and error bodies as under /api/v1/.
ERP_ROUTES = [url for url in api.urls[0] if str(url.pattern).startswith(("orders/", "order_items/"))]

urlpatterns = [
    # The API first: every request walks this list until a prefix matches.
    path("api/v1/", api.urls),
    path("api/i1/", include((ERP_ROUTES, "api_i1"))),
    # Before admin/: the admin reads any other admin/<name>/ as an app's index.
    path("admin/dashboard/", admin.site.admin_view(dashboard), name="oms-dashboard"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("readyz", readyz, name="readyz"),
    # The interactive API docs, also at the short address integrators try first.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
