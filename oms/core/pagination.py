"""Pagination of list endpoints, in Django REST framework's page-number shape plus a keyset cursor.

Page-number mode (`page`, from 1, and `limit`, default 10, at most 100) answers
`{"count", "next", "previous", "results"}` exactly as DRF's PageNumberPagination does, which is what
Omnitron's SDK walks: it asks for `page + 1` while `next` is set, so `next` is null on the last page.
A page past the end is answered as an empty page (next null, previous the last page) rather than
DRF's 404 "Invalid page.", which crashes the SDK's iterator. A full page costs a COUNT of the
filtered rows, as DRF's does, exact up to OMS_EXACT_COUNT_LIMIT rows and cached for
OMS_COUNT_CACHE_SECONDS beyond (see count_rows); a short page (a lookup, the last page) gets its
count for free. `next` is set when a row exists past the page, never from the count.

Cursor mode (`cursor`, empty for the first page) answers `{"next", "previous", "results"}` with no
count: each link carries an opaque cursor holding the sort key of the row it continues from, so
page 1,000 costs an index range scan, not an OFFSET over 10,000 rows. `page` and `cursor` cannot be
combined. Sort fields must be non-null columns; ties are broken by the primary key, in the same
direction, so the order is total and no row is skipped or repeated between pages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, QueryDict

from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.filters import Filter, narrow

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 1_000_000_000
# From this offset on, a page is read in two steps (see _slice).
DEFERRED_JOIN_OFFSET = 1000
PAGINATION_PARAMS = ("page", "limit", "cursor", "sort")

Present = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Ordering:
    """A wire `sort` value resolved: the model field (`pk` for id) and its direction."""

    name: str
    field: str
    descending: bool

    @property
    def order_by(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{self.field}"] if self.field == "pk" else [f"{sign}{self.field}", f"{sign}pk"]


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    present: Present,
    sorts: Mapping[str, str],
    default_sort: str,
    filters: Sequence[Filter] = (),
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = MAX_LIMIT,
) -> dict[str, Any]:
    """One page of `queryset` as a wire dict, each row turned into a dict by `present`.

    `sorts` maps the accepted `sort` values to model fields (`{"id": "pk", "-id": "-pk",
    "modified_date": "modified_date"}`); `filters` (oms.core.filters) narrow the rows first.
    Raises ValidationFailed (400) naming every bad parameter at once: filters, `page`, `limit`,
    `cursor`, `sort`. Prefetching belongs on `queryset`: it runs once per page.
    """
    params = request.GET
    queryset, problems = narrow(queryset, params, filters)
    limit = _limit(params, default_limit, max_limit, problems)
    ordering = _ordering(params, sorts, default_sort, problems)
    cursor_mode = "cursor" in params
    if cursor_mode and "page" in params:
        problems.append(Problem("cursor", ErrorCode.INVALID, "Send either page or cursor, not both."))
    page = None if cursor_mode else _page(params, problems)
    cursor = None
    if cursor_mode and ordering is not None:
        cursor = _decode_cursor(params.get("cursor", ""), queryset.model, ordering, problems)
    if problems:
        raise ValidationFailed(problems)
    links = _Links(request)
    if cursor_mode:
        return _cursor_page(queryset, ordering, limit, cursor, present, links)
    return _number_page(queryset.order_by(*ordering.order_by), page, limit, present, links)


# --- page-number mode -------------------------------------------------------------------------------


def _number_page(
    queryset: QuerySet, page: int, limit: int, present: Present, links: _Links
) -> dict[str, Any]:
    offset = (page - 1) * limit
    rows = _slice(queryset, offset, limit + 1)
    # One row more than the page tells whether a next page exists, whatever the count says.
    more, rows = len(rows) > limit, rows[:limit]
    # A short page tells the count without a COUNT query (a number lookup, the last page).
    if (rows and not more) or (page == 1 and not rows):
        count = offset + len(rows)
    else:  # a cached count may lag behind what this page has just seen
        count = max(count_rows(queryset), offset + len(rows) + more if rows else 0)
    last = max(1, -(-count // limit))
    if page > last and not rows:
        previous = links.with_page(last) if count else None
    else:
        previous = links.with_page(page - 1) if page > 1 else None
    return {
        "count": count,
        "next": links.with_page(page + 1) if more else None,
        "previous": previous,
        "results": [present(row) for row in rows],
    }


def count_rows(queryset: QuerySet) -> int:
    """The number of rows, exact up to OMS_EXACT_COUNT_LIMIT; past it, the exact count taken at
    most OMS_COUNT_CACHE_SECONDS ago for the same filters, since counting a million rows costs
    more than the page itself. Paging never depends on it: `next` comes from the rows."""
    queryset = queryset.order_by()
    cap = settings.OMS_EXACT_COUNT_LIMIT
    counted = queryset[: cap + 1].count()
    if counted <= cap:
        return counted
    sql, params = queryset.query.sql_with_params()
    key = "oms:count:" + hashlib.sha256(f"{queryset.db}:{sql}:{params!r}".encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, settings.OMS_COUNT_CACHE_SECONDS)
    return max(count, counted)


def _slice(queryset: QuerySet, offset: int, limit: int) -> list[Model]:
    """Rows offset..offset+limit. Deep pages skip by primary key first (a scan of the sort index
    alone) and then read only the page's rows, instead of reading every skipped row whole."""
    if offset < DEFERRED_JOIN_OFFSET:
        return list(queryset[offset : offset + limit])
    pks = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    by_pk = queryset.in_bulk(pks) if pks else {}
    return [by_pk[pk] for pk in pks if pk in by_pk]


# --- cursor mode ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: str
    value: Any  # the sort field's value of the row to continue from (the pk when sorting by id)
    pk: int
    backwards: bool  # a `previous` link: the rows before (value, pk)


def encode_cursor(*, sort: str, value: Any, pk: int, backwards: bool = False) -> str:
    """The opaque token of a `cursor` link; also used by benchmarks to jump to a deep page."""
    data = {"s": sort, "v": _jsonable(value), "k": pk, "b": backwards}
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_page(
    queryset: QuerySet,
    ordering: Ordering,
    limit: int,
    cursor: Cursor | None,
    present: Present,
    links: _Links,
) -> dict[str, Any]:
    backwards = cursor is not None and cursor.backwards
    descending = ordering.descending != backwards
    walk = Ordering(ordering.name, ordering.field, descending)
    if cursor is not None:
        queryset = queryset.filter(_beyond(ordering.field, cursor.value, cursor.pk, descending))
    rows = list(queryset.order_by(*walk.order_by)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    # Moving forward there is something behind us (we came from it), and vice versa.
    has_next = (more and not backwards) or backwards
    has_previous = (more and backwards) or (cursor is not None and not backwards)
    return {
        "next": links.with_cursor(_cursor_at(ordering, rows[-1], backwards=False))
        if has_next and rows
        else None,
        "previous": (
            links.with_cursor(_cursor_at(ordering, rows[0], backwards=True))
            if has_previous and rows
            else None
        ),
        "results": [present(row) for row in rows],
    }


def _beyond(field: str, value: Any, pk: int, descending: bool) -> Q:
    """Rows after (value, pk) in the walk's direction. Written as `field >= v AND (field > v OR
    pk > k)` rather than a plain OR, so the planner can range-scan the (field, id) index."""
    if field == "pk":
        return Q(pk__lt=pk) if descending else Q(pk__gt=pk)
    if descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=pk))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))


def _cursor_at(ordering: Ordering, row: Model, *, backwards: bool) -> str:
    value = row.pk if ordering.field == "pk" else getattr(row, ordering.field)
    return encode_cursor(sort=ordering.name, value=value, pk=row.pk, backwards=backwards)


def _decode_cursor(
    token: str, model: type[Model], ordering: Ordering, problems: list[Problem]
) -> Cursor | None:
    token = token.strip()
    if not token:
        return None
    invalid = Problem(
        "cursor", ErrorCode.INVALID_FORMAT, "Not a cursor of this list; use the next or previous link."
    )
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        sort, raw, pk, backwards = data["s"], data["v"], data["k"], data["b"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        problems.append(invalid)
        return None
    if not (isinstance(sort, str) and isinstance(backwards, bool) and _is_id(pk)):
        problems.append(invalid)
        return None
    if sort != ordering.name:
        problems.append(
            Problem(
                "cursor",
                ErrorCode.MISMATCH,
                f'This cursor continues sort "{sort[:32]}", not "{ordering.name}"; '
                "keep the sort of the link it came from.",
            )
        )
        return None
    try:
        value = pk if ordering.field == "pk" else model._meta.get_field(ordering.field).to_python(raw)
        if isinstance(value, datetime):
            value.astimezone(UTC)  # a forged year-1 value overflows here, not in the database
    except (ValueError, TypeError, OverflowError, DjangoValidationError, FieldDoesNotExist):
        value = None
    if value is None:
        problems.append(invalid)
        return None
    return Cursor(sort=sort, value=value, pk=pk, backwards=backwards)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**63 - 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- parameters ---------------------------------------------------------------------------------------


def _limit(params: QueryDict, default: int, maximum: int, problems: list[Problem]) -> int:
    raw = params.get("limit", "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        problems.append(Problem("limit", ErrorCode.INVALID_TYPE, f'"{raw[:32]}" is not a positive integer.'))
        return default
    limit = int(raw)
    if not 1 <= limit <= maximum:
        problems.append(Problem("limit", ErrorCode.OUT_OF_RANGE, f"limit must be between 1 and {maximum}."))
    return limit


def _page(params: QueryDict, problems: list[Problem]) -> int:
    raw = params.get("page", "").strip()
    if not raw:
        return 1
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        problems.append(
            Problem("page", ErrorCode.INVALID_TYPE, f'"{raw[:32]}" is not a page number (1, 2, ...).')
        )
        return 1
    page = int(raw)
    if not 1 <= page <= MAX_PAGE:
        problems.append(Problem("page", ErrorCode.OUT_OF_RANGE, f"page must be between 1 and {MAX_PAGE}."))
    return page


def _ordering(
    params: QueryDict, sorts: Mapping[str, str], default: str, problems: list[Problem]
) -> Ordering | None:
    name = params.get("sort", "").strip() or default
    if name not in sorts:
        problems.append(
            Problem(
                "sort",
                ErrorCode.INVALID_CHOICE,
                f'"{name[:32]}" is not a sort of this list; expected one of: {", ".join(sorts)}.',
            )
        )
        return None
    target = sorts[name]
    return Ordering(name=name, field=target.lstrip("-"), descending=target.startswith("-"))


class _Links:
    """Absolute URLs of sibling pages: the request's own query with `page` or `cursor` replaced."""

    def __init__(self, request: HttpRequest):
        self.request = request

    def with_page(self, page: int) -> str:
        query = self.request.GET.copy()
        query.pop("cursor", None)
        if page <= 1:
            query.pop("page", None)  # as DRF writes the link to page 1
        else:
            query["page"] = str(page)
        return self._url(query)

    def with_cursor(self, token: str) -> str:
        query = self.request.GET.copy()
        query.pop("page", None)
        query["cursor"] = token
        return self._url(query)

    def _url(self, query: QueryDict) -> str:
        encoded = query.urlencode()
        return self.request.build_absolute_uri(self.request.path + (f"?{encoded}" if encoded else ""))
