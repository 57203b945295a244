"""One pattern for the resources a key reaches under a path object (most under its channel).

A resource declares only what differs: where it lives, its answer schema (an `Answer`, which
renders itself), its rows, its filters and sorts, and its write services. `Resource.register`
writes the routes every such resource shares, the same way each time:

- the path object first (`Scope`: the channel through `get_channel_for`, so 404 for a missing
  channel and for one the key is not granted alike), then any write guard;
- the list: the scope's rows, narrowed by the filters, one page (`core.listing.list_page`);
- one row: the resource's `get` service, which answers 404 for another scope's row as if it did
  not exist; create (201), update (PATCH and PUT, both partial) and delete (204) through the
  write services, which raise the domain errors that `oms/api.py` turns into the one error body.

Services are called with keyword arguments (the house style): the scope as its keyword
(`channel=`), `pk=`, `payload=` and `principal=`, each where the service takes it; update and
delete pass the row as their first other keyword (`update_customer(customer=..., payload=...)`).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import BaseModel

from oms.access.services import Principal, get_channel_for
from oms.core.answers import Answer
from oms.core.filters import Filter
from oms.core.http import json_response, read_json
from oms.core.listing import CHANGE_SORTS, list_openapi, list_page, page_of
from oms.core.openapi import json_body

_UPDATE = "Update {} (PATCH and PUT both change only the fields sent)"
# The Resource field of each action whose name differs.
_FIELD = {"list": "rows"}


@dataclass(frozen=True, slots=True)
class Scope:
    """The path object a resource's rows belong to: its URL prefix and parameter, the keyword
    services receive it by, and how a key gets it (raising 404, or 403 for a
    write the key may not make)."""

    prefix: str
    param: str
    keyword: str
    get: Callable[..., Any] | None  # get(principal=, pk=)

    def resolve(self, principal: Principal, path: Mapping[str, Any]) -> dict[str, Any]:
        """The scope's keyword argument for the services ({} for an unscoped resource)."""
        if self.get is None:
            return {}
        return {self.keyword: self.get(principal=principal, pk=path[self.param])}


CHANNEL = Scope(
    "/channel/{channel_id}",
    "channel_id",
    "channel",
    lambda *, principal, pk: get_channel_for(principal=principal, channel_id=pk),
)
UNSCOPED = Scope("", "", "", None)


@dataclass(frozen=True)
class Resource:
    """A resource under `scope`: the list at `{prefix}/{path}/`, a row at `{prefix}/{path}/{pk}/`.

    `rows` and `get` read (a selector and its one-row lookup); `create`, `update` and `delete`
    write, after `guard(principal=)` when set. Only the routes whose callable is set exist.
    `summaries` and `names` (the view names, hence the OpenAPI operation ids) override the
    defaults per action: list, create, get, update, delete.
    Answers are rendered with the scope object in their context (`channel=`), for resolvers.
    """

    path: str
    out: type[Answer]
    noun: str
    rows: Callable[..., QuerySet] | None = None
    get: Callable[..., Any] | None = None
    scope: Scope = CHANNEL
    plural: str = ""
    filters: Sequence[Filter] = ()
    sorts: Mapping[str, str] = field(default_factory=lambda: CHANGE_SORTS)
    default_sort: str = "id"
    body: type[BaseModel] | None = None
    update_body: type[BaseModel] | None = None  # when an update's body is not a create's
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., Any] | None = None
    guard: Callable[..., None] | None = None
    summaries: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    # `create` returns (row, whether it is new): 201 or 200 for a row that existed.
    upsert: bool = False

    @classmethod
    def of(cls, services: Any, noun: str, out: type[Answer], actions: str, **options: Any) -> Resource:
        """The resource whose `services` follow the house names, for the `actions` named
        ("list get create update delete"): `list_<plural>`, `get_<noun>`, `create_<noun>`,
        `update_<noun>`, `delete_<noun>`. Its path is its plural unless `path=` says otherwise."""
        plural = options.get("plural") or f"{noun}s"
        named = {"list": f"list_{plural}", "get": f"get_{noun}"} | {
            verb: f"{verb}_{noun}" for verb in ("create", "update", "delete")
        }
        found = {_FIELD.get(action, action): getattr(services, named[action]) for action in actions.split()}
        return cls(options.pop("path", plural), out, noun, **found, **options)

    @property
    def list_path(self) -> str:
        return f"{self.scope.prefix}/{self.path}/"

    @property
    def row_path(self) -> str:
        return f"{self.scope.prefix}/{self.path}/{{pk}}/"

    def register(self, router: Router) -> None:
        """Add the resource's routes to `router`, named as if written in the caller's module
        (`list_customers`, `get_customer`...: the OpenAPI operation ids stay put)."""
        module = sys._getframe(1).f_globals["__name__"]
        noun, plural = self.noun, self.plural or f"{self.noun}s"
        words = ("an " if noun[0] in "aeiou" else "a ") + noun.replace("_", " ")
        written = {"description": self.description} if self.description else {}
        body = {"openapi_extra": json_body(self.body)} if self.body is not None else {}
        update_body = {"openapi_extra": json_body(self.update_body)} if self.update_body else body
        created = {201: self.out, 200: self.out} if self.upsert else {201: self.out}
        # action: (service, methods, row path?, default summary, what the route documents)
        routes = {
            "list": (
                self.rows,
                ["GET"],
                False,
                f"List the {plural.replace('_', ' ')}",
                {
                    "response": {200: page_of(self.out)},
                    "openapi_extra": list_openapi(self.filters, self.sorts),
                },
            ),
            "create": (
                self.create,
                ["POST"],
                False,
                f"Create {words}",
                {"response": created, **body, **written},
            ),
            "get": (self.get, ["GET"], True, f"Retrieve {words}", {"response": {200: self.out}}),
            "update": (
                self.update,
                ["PATCH", "PUT"],
                True,
                _UPDATE.format(words),
                {
                    "response": {200: self.out},
                    **update_body,
                    **written,
                },
            ),
            "delete": (
                self.delete,
                ["DELETE"],
                True,
                f"Delete {words}",
                {"response": {204: None}, **written},
            ),
        }
        for action, (service, methods, row, summary, options) in routes.items():
            if service is None:
                continue
            name = self.names.get(action) or (f"list_{plural}" if action == "list" else f"{action}_{noun}")
            path = self.row_path if row else self.list_path
            handle = getattr(self, f"_{action}")
            router.api_operation(methods, path, summary=self.summaries.get(action, summary), **options)(
                self._view(module, name, handle, row=row)
            )

    def route(
        self,
        router: Router,
        method: str,
        name: str,
        handle: Callable[[HttpRequest, dict[str, Any], Mapping[str, Any]], HttpResponse],
        *,
        row: bool = False,
        suffix: str = "",
        write: bool = False,
        **options: Any,
    ) -> None:
        """A route of the resource's own at its list or row path (+ `suffix`), for what the five
        do not cover: `handle(request, scoped, path)` gets the scope resolved, after the guard
        when `write`. `options` are ninja's (response, summary, openapi_extra...)."""
        module = sys._getframe(1).f_globals["__name__"]

        def run(request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
            return handle(request, self.owner(request, path, write=write), path)

        where = (self.row_path if row else self.list_path) + suffix
        router.api_operation([method], where, **options)(self._view(module, name, run, row=row))

    def sublist(
        self,
        router: Router,
        suffix: str,
        rows: Callable[..., QuerySet],
        *,
        name: str,
        summary: str,
        out: type[Answer] | None = None,
    ) -> None:
        """Another list of the resource's rows at `{list path}{suffix}` (a feed's `inserts/`), with
        the resource's filters and sorts, answered by `out` (the resource's answer by default).
        Register it before the resource's own routes: `.../{pk}/` would take the suffix as a pk."""
        module = sys._getframe(1).f_globals["__name__"]
        out = out or self.out

        def run(request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
            scoped = self.owner(request, path)
            return json_response(
                self.page(request, call(rows, **scoped, principal=request.auth), out, scoped)
            )

        router.api_operation(
            ["GET"],
            self.list_path + suffix,
            summary=summary,
            response={200: page_of(out)},
            openapi_extra=list_openapi(self.filters, self.sorts),
        )(self._view(module, name, run, row=False))

    # --- what each route does --------------------------------------------------------------------

    def owner(self, request: HttpRequest, path: Mapping[str, Any], *, write: bool = False) -> dict[str, Any]:
        """The scope's keyword argument for the services, after the write guard."""
        if write and self.guard is not None:
            self.guard(principal=request.auth)
        return self.scope.resolve(request.auth, path)

    def row(self, request: HttpRequest, scoped: Mapping[str, Any], pk: int) -> Any:
        """Row `pk` of the scope, by the resource's `get` (404 for another scope's row)."""
        return call(self.get, **scoped, pk=pk, principal=request.auth)

    def answer(self, obj: Any, status: int = 200, **context: Any) -> HttpResponse:
        return json_response(self.out.render(obj, **context), status=status)

    def page(
        self, request: HttpRequest, queryset: QuerySet, out: type[Answer], scoped: Mapping[str, Any]
    ) -> dict[str, Any]:
        """One page of `queryset` under the resource's filters and sorts, rows rendered by `out`."""
        return list_page(
            request,
            queryset,
            filters=self.filters,
            present=out.presenter(**scoped),
            sorts=self.sorts,
            default_sort=self.default_sort,
        )

    def _list(self, request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
        scoped = self.owner(request, path)
        queryset = call(self.rows, **scoped, principal=request.auth)
        return json_response(self.page(request, queryset, self.out, scoped))

    def _create(self, request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
        scoped = self.owner(request, path, write=True)
        created = call(self.create, **scoped, payload=read_json(request), principal=request.auth)
        if self.upsert:  # (row, whether it is new): 200 for a row that was there already
            row, new = created
            return self.answer(row, 201 if new else 200, **scoped)
        return self.answer(created, 201, **scoped)

    def _get(self, request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
        scoped = self.owner(request, path)
        return self.answer(self.row(request, scoped, path["pk"]), **scoped)

    def _update(self, request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
        scoped = self.owner(request, path, write=True)
        row = self.row(request, scoped, path["pk"])
        return self.answer(call_on(self.update, row, payload=read_json(request)), **scoped)

    def _delete(self, request: HttpRequest, path: Mapping[str, Any]) -> HttpResponse:
        scoped = self.owner(request, path, write=True)
        call_on(self.delete, self.row(request, scoped, path["pk"]))
        return HttpResponse(status=204)

    def _view(self, module: str, name: str, handle: Callable, *, row: bool) -> Callable:
        """A view with the path parameters in its signature, as ninja reads them."""

        def view(request: HttpRequest, **path: Any) -> HttpResponse:
            return handle(request, path)

        params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        names = ([self.scope.param] if self.scope.param else []) + (["pk"] if row else [])
        params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=int) for n in names]
        view.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        view.__name__ = view.__qualname__ = name
        view.__module__ = module
        return view


def call(service: Callable[..., Any], **available: Any) -> Any:
    """`service` called with those of `available` it takes (by keyword)."""
    accepted = _keywords(service)
    return service(**{name: value for name, value in available.items() if name in accepted})


def call_on(service: Callable[..., Any], obj: Any, **available: Any) -> Any:
    """`service` called with `obj` as its first keyword that `available` does not fill."""
    accepted = _keywords(service)
    name = next(name for name in accepted if name not in available)
    return service(**{name: obj}, **{k: v for k, v in available.items() if k in accepted})


@functools.cache
def _keywords(service: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(service).parameters)
