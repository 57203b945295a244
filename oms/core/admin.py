"""The admin of a plain table, declared in one call: what the list shows, filters and searches.

Every such admin fetches the related rows its list shows with the page (`list_select_related`:
the foreign keys among the columns and filters), and shows the timestamps read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model

STAMPS = ("created_date", "modified_date")


def register_table(
    model: type[Model],
    display: Sequence[str],
    *,
    filters: Sequence[str] = (),
    search: Sequence[str] = (),
    base: type[admin.ModelAdmin] = admin.ModelAdmin,
    **options: Any,
) -> type[admin.ModelAdmin]:
    """Register `model` with an admin listing `display`, filtered by `filters` and searched by
    `search`; `options` are further ModelAdmin attributes."""
    related = [name for name in dict.fromkeys([*display, *filters]) if _is_foreign_key(model, name)]
    attributes = {
        "list_display": list(display),
        "list_filter": list(filters),
        "search_fields": list(search),
        "readonly_fields": [name for name in STAMPS if _has_field(model, name)],
        **({"list_select_related": related} if related else {}),
        **options,
    }
    model_admin = type(f"{model.__name__}Admin", (base,), {"__module__": base.__module__, **attributes})
    admin.site.register(model, model_admin)
    return model_admin


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _is_foreign_key(model: type[Model], name: str) -> bool:
    return _has_field(model, name) and isinstance(model._meta.get_field(name), ForeignKey)


class ShownInline(admin.TabularInline):
    """Rows shown under their parent, each linking to its own page; added and changed there only."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Sequence[str]:
        return self.fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False
