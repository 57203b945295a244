"""What an integration reads before a run: channels/{pk}/ (with its conf), catalogs/{pk}/,
active_user/ and content_types/. Not channel-scoped in the URL, as in Omnitron."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.core.http import json_response
from oms.core.resources import UNSCOPED, Resource
from oms.integrations.api.filters import CONTENT_TYPE_FILTERS, ID_ONLY_SORTS
from oms.integrations.api.router import router
from oms.integrations.schemas_out import ActiveUserOut, CatalogOut, ContentTypeOut, IntegrationChannelOut
from oms.integrations.services import reference as services


@router.get(
    "/channels/{pk}/",
    response={200: IntegrationChannelOut},
    summary="A channel with its integration configuration (conf)",
)
def get_channel(request: HttpRequest, pk: int) -> HttpResponse:
    channel, conf, category_tree = services.get_channel(principal=request.auth, channel_id=pk)
    return json_response(IntegrationChannelOut.render(channel, conf=conf, category_tree=category_tree))


Resource(
    "catalogs",
    CatalogOut,
    "catalog",
    scope=UNSCOPED,
    get=services.get_catalog,
    summaries={"get": "A catalog: the price and stock lists of its channel"},
).register(router)


@router.get("/active_user/", response={200: ActiveUserOut}, summary="Who the key belongs to (a token check)")
def active_user(request: HttpRequest) -> HttpResponse:
    return json_response(ActiveUserOut.render(services.get_active_user(principal=request.auth)))


Resource(
    "content_types",
    ContentTypeOut,
    "content_type",
    scope=UNSCOPED,
    rows=services.list_content_types,
    filters=CONTENT_TYPE_FILTERS,
    sorts=ID_ONLY_SORTS,
    summaries={"list": "Content type ids of the models integrations name (?model=batchrequest)"},
).register(router)
