"""channel/{channel_id}/integration_actions/: the links between our objects and the channel's ids."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page
from oms.core.openapi import json_body
from oms.integrations.api.filters import INTEGRATION_ACTION_FILTERS
from oms.integrations.api.router import router
from oms.integrations.presenters import integration_action_to_wire
from oms.integrations.schemas import IntegrationActionIn
from oms.integrations.services import actions as services

ACTIONS = "/channel/{channel_id}/integration_actions/"
ACTION = "/channel/{channel_id}/integration_actions/{pk}/"


@router.get(
    ACTIONS,
    response={200: dict},
    summary="List integration actions (content_type_name, remote_id__in, object_id__in, local_batch_id...)",
    openapi_extra=list_openapi(INTEGRATION_ACTION_FILTERS),
)
def list_integration_actions(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_integration_actions(channel=channel)
    return json_response(
        list_page(request, queryset, filters=INTEGRATION_ACTION_FILTERS, present=integration_action_to_wire)
    )


@router.post(
    ACTIONS,
    response={201: dict},
    summary="Link one object to the channel's id for it",
    openapi_extra=json_body(IntegrationActionIn),
)
def create_integration_action(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    action = services.create_integration_action(channel=channel, payload=read_json(request))
    return json_response(integration_action_to_wire(action), status=201)


@router.get(ACTION, response={200: dict}, summary="Retrieve an integration action")
def get_integration_action(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(integration_action_to_wire(services.get_integration_action(channel=channel, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    ACTION,
    response={200: dict},
    summary="Change an integration action (fields sent only)",
    openapi_extra=json_body(IntegrationActionIn),
)
def update_integration_action(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    action = services.get_integration_action(channel=channel, pk=pk)
    action = services.update_integration_action(action=action, payload=read_json(request))
    return json_response(integration_action_to_wire(action))


@router.delete(ACTION, response={204: None}, summary="Unlink an object")
def delete_integration_action(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    services.delete_integration_action(action=services.get_integration_action(channel=channel, pk=pk))
    return HttpResponse(status=204)
