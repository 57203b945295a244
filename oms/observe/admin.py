"""The admin says it is oms's, and links the operator dashboard from its index."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from oms.observe.dashboard import DAYS, dashboard_panels
from oms.observe.refusals import flush_refusals

admin.site.site_header = "oms administration"
admin.site.site_title = "oms admin"
admin.site.index_title = "Orders, channels and operations"
admin.site.index_template = "observe/admin_index.html"


def dashboard(request: HttpRequest) -> HttpResponse:
    """The operator dashboard (admin/dashboard/, for staff: wrapped by admin_view in oms/urls.py)."""
    flush_refusals()  # this process's latest counts, so a refusal just made shows
    context = {
        **admin.site.each_context(request),
        "title": f"Operator dashboard: the last {DAYS} days",
        "panels": dashboard_panels(),
    }
    return TemplateResponse(request, "observe/dashboard.html", context)
