from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from oms.api import api
from oms.core.views import healthz, readyz

urlpatterns = [
    # The API first: every request walks this list until a prefix matches.
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # The interactive API docs, also at the short address integrators try first.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
