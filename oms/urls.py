from django.contrib import admin
from django.urls import path

from oms.api import api
from oms.core.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
]
