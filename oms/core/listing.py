"""A list endpoint in one call: the declared filters (oms.core.filters), then one page
(oms.core.pagination); and the same list described for the OpenAPI document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from pydantic import BaseModel, Field, create_model

from oms.core.filters import Filter, openapi_parameters
from oms.core.pagination import Present, paginate

# The sorts of a reference list: by id (the default), and by last change where rows have one.
ID_SORTS = {"id": "pk", "-id": "-pk"}
CHANGE_SORTS = {**ID_SORTS, "modified_date": "modified_date", "-modified_date": "-modified_date"}


def list_page(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    filters: Sequence[Filter],
    present: Present,
    sorts: Mapping[str, str] = CHANGE_SORTS,
    default_sort: str = "id",
) -> dict[str, Any]:
    """One page of `queryset` narrowed by `filters`; ValidationFailed (400) naming every bad
    parameter at once, filters and pagination alike."""
    return paginate(
        request, queryset, filters=filters, present=present, sorts=sorts, default_sort=default_sort
    )


def list_openapi(filters: Sequence[Filter], sorts: Mapping[str, str] = CHANGE_SORTS) -> dict[str, Any]:
    """`openapi_extra` of a list operation: its filters and the pagination parameters."""
    pagination = [
        _param("page", "integer", "Page number, from 1 (DRF's page-number pagination)."),
        _param("limit", "integer", "Rows per page, 1 to 100 (default 10)."),
        _param("cursor", "string", "Keyset pagination instead of page: empty for the first page."),
        _param("sort", "string", "The order of the rows (default id).", enum=list(sorts)),
    ]
    return {"parameters": openapi_parameters(filters) + pagination}


def _param(name: str, kind: str, description: str, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind} | ({"enum": enum} if enum else {})
    return {"in": "query", "name": name, "required": False, "schema": schema, "description": description}


def page_of(schema: type[BaseModel]) -> type[BaseModel]:
    """The OpenAPI shape of a page of `schema` rows."""
    return create_model(
        f"{schema.__name__}Page",
        count=(int | None, Field(None, description="Rows in all pages (absent in cursor mode).")),
        next=(str | None, Field(None, description="The next page's URL; null on the last page.")),
        previous=(str | None, None),
        results=(list[schema], ...),
    )
