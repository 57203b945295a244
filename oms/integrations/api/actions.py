"""channel/{channel_id}/integration_actions/: the links between our objects and the channel's ids."""

from __future__ import annotations

from oms.core.resources import Resource
from oms.integrations.api.filters import INTEGRATION_ACTION_FILTERS
from oms.integrations.api.router import router
from oms.integrations.schemas import IntegrationActionIn
from oms.integrations.schemas_out import IntegrationActionOut
from oms.integrations.services import actions as services
from oms.integrations.services import feeds

ACTIONS = Resource.of(
    services,
    "integration_action",
    IntegrationActionOut,
    "list get create update delete",
    filters=INTEGRATION_ACTION_FILTERS,
    body=IntegrationActionIn,
    summaries={
        "list": "List integration actions (content_type_name, remote_id__in, object_id__in, local_batch_id...)",
        "create": "Link one object to the channel's id for it",
        "update": "Change an integration action (fields sent only)",
        "delete": "Unlink an object",
    },
)
ACTIONS.sublist(
    router,
    "deleted/",
    feeds.list_deleted_product_links,
    name="list_deleted_products_integration_actions",
    summary="The links of products the channel received that left its catalogs (channel-app's ?model=product)",
)
ACTIONS.register(router)
