"""What an integration reads before a run: channels/{pk}/ (with its conf), catalogs/{pk}/,
active_user/ and content_types/. Not channel-scoped in the URL, as in Omnitron."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.core.http import json_response
from oms.core.listing import list_openapi, list_page
from oms.integrations.api.filters import CONTENT_TYPE_FILTERS, ID_ONLY_SORTS
from oms.integrations.api.router import router
from oms.integrations.presenters import (
    active_user_to_wire,
    catalog_to_wire,
    channel_to_wire,
    content_type_to_wire,
)
from oms.integrations.services import reference as services


@router.get(
    "/channels/{pk}/", response={200: dict}, summary="A channel with its integration configuration (conf)"
)
def get_channel(request: HttpRequest, pk: int) -> HttpResponse:
    channel, conf = services.get_channel(principal=request.auth, channel_id=pk)
    return json_response(channel_to_wire(channel, conf))


@router.get(
    "/catalogs/{pk}/", response={200: dict}, summary="A catalog: the price and stock lists of its channel"
)
def get_catalog(request: HttpRequest, pk: int) -> HttpResponse:
    return json_response(catalog_to_wire(services.get_catalog(principal=request.auth, pk=pk)))


@router.get("/active_user/", response={200: dict}, summary="Who the key belongs to (a token check)")
def active_user(request: HttpRequest) -> HttpResponse:
    return json_response(active_user_to_wire(services.get_active_user(principal=request.auth)))


@router.get(
    "/content_types/",
    response={200: dict},
    summary="Content type ids of the models integrations name (?model=batchrequest)",
    openapi_extra=list_openapi(CONTENT_TYPE_FILTERS, ID_ONLY_SORTS),
)
def list_content_types(request: HttpRequest) -> HttpResponse:
    page = list_page(
        request,
        services.list_content_types(),
        filters=CONTENT_TYPE_FILTERS,
        present=content_type_to_wire,
        sorts=ID_ONLY_SORTS,
    )
    return json_response(page)
