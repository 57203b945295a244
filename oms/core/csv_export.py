"""CSV export of an admin list: the rows the list shows, with its current filters, search and
order, as its columns show them; streamed, so 100,000 rows never sit in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime

from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst

CHUNK = 2000
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"): order
# numbers and names are client text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """csv.writer's file: hands each written line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


class CsvExportMixin:
    """A ModelAdmin mixin: `<list>/export/` answers the list as CSV; the list links it
    (admin/change_list_export.html) with the current query string."""

    change_list_template = "admin/change_list_export.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export/", self.admin_site.admin_view(self.export_csv), name=name)
        return [export, *super().get_urls()]

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)  # the list's filters, search and order
        columns = [name for name in changelist.list_display if name != "action_checkbox"]
        rows = changelist.get_queryset(request).iterator(chunk_size=CHUNK)
        response = StreamingHttpResponse(self._lines(columns, rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}s-{stamp}.csv"'
        return response

    def _lines(self, columns: list[str], rows) -> Iterator[str]:
        writer = csv.writer(_Line())
        yield writer.writerow([capfirst(label_for_field(name, self.model, self)) for name in columns])
        for obj in rows:
            yield writer.writerow([_cell(lookup_field(name, obj, self)[2]) for name in columns])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
