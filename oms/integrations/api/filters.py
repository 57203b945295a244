"""Query-string filters of the integration lists, declared once (oms.core.filters)."""

from __future__ import annotations

import uuid

from oms.catalog.api.products import PRODUCT_FILTERS
from oms.core.filters import BadValue, Filter, boolean, choice, datetime_filters, id_filters, integer, text
from oms.integrations.kinds import KIND_NAMES, content_types
from oms.integrations.models import BatchRequest, CancellationRequest, IntegrationAction, LocationErrorReport

ID_ONLY_SORTS = {"id": "pk", "-id": "-pk"}


def uuid_value(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadValue(f'"{value[:64]}" is not a UUID.') from None


def _choices(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    return {value: value for value in values}


_kind = choice(_choices(KIND_NAMES), "model name")


def _kind_id(value: str) -> int:
    # By id rather than through a join, so the (channel, content_type, remote_id) index serves.
    return content_types()[_kind(value)].pk


# channel-app sends the channel as `channel` or `channel_id`; the URL already scopes the list,
# so another channel's id simply matches nothing.
_CHANNEL = [
    Filter("channel", "channel_id", integer, description="The URL's channel (accepted, redundant)."),
    Filter("channel_id", "channel_id", integer, description="The URL's channel (accepted, redundant)."),
]

INTEGRATION_ACTION_FILTERS = [
    *_CHANNEL,
    Filter(
        "content_type_name",
        "content_type_id",
        _kind_id,
        description="Model name: order, orderitem, product...",
    ),
    Filter("model", "content_type_id", _kind_id, description="Model name (as content_type_name)."),
    *id_filters("content_type", "content_type_id", what="content type id"),
    *id_filters("content_type_id", "content_type_id", what="content type id"),
    *id_filters("object_id", "object_id", what="object id"),
    Filter("remote_id", "remote_id", text, description="Exact remote id."),
    Filter("remote_id__exact", "remote_id", text, description="Exact remote id."),
    Filter("remote_id__in", "remote_id__in", text, many=True, description="Any of these remote ids."),
    Filter(
        "status",
        "status__in",
        choice(_choices(IntegrationAction.Status.values), "status"),
        many=True,
        description="processing, success or error.",
    ),
    Filter("local_batch_id", "batch_request__local_batch_id", uuid_value, description="The batch's UUID."),
    *id_filters("batch_request", "batch_request_id", what="batch request id"),
    *id_filters("pk", "pk"),
    *datetime_filters("version_date"),
    *datetime_filters("modified_date"),
]

BATCH_REQUEST_FILTERS = [
    *_CHANNEL,
    Filter(
        "status",
        "status__in",
        choice(_choices(BatchRequest.Status.values), "batch request status"),
        many=True,
        description="Repeat or comma-separate for several (status=sent_to_remote&status=ongoing).",
    ),
    Filter("content_type", "content_type_id", _kind_id, description="Model name: order, product..."),
    Filter("local_batch_id", "local_batch_id", uuid_value, description="The batch's UUID."),
    Filter("remote_batch_id", "remote_batch_id", text, description="The channel's batch id."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
    *datetime_filters("created_date"),
]

ERROR_REPORT_FILTERS = [
    *_CHANNEL,
    Filter("error_code", "error_code", text, description="Exact error code."),
    Filter("error_code__startswith", "error_code__startswith", text, description="Error code prefix."),
    Filter("is_ok", "is_ok", boolean, description="true for success logs, false for errors."),
    *id_filters("action_content_type", "action_content_type_id", what="content type id"),
    *id_filters("action_object_id", "action_object_id", what="object id"),
    *datetime_filters("created_date"),
]

LOCATION_ERROR_FILTERS = [
    Filter("type", "type", choice(_choices(LocationErrorReport.Type.values), "location type")),
    Filter("remote_code", "remote_code", text, description="Exact channel value."),
    *datetime_filters("created_date"),
]

OPERATIONAL_EVENT_FILTERS = [
    *_CHANNEL,
    Filter("event_type", "event_type", text, description="Exact event type."),
    Filter("level", "level", text, description="Exact level (info, error...)."),
    Filter("action_content_type", "action_content_type", text, description="Model name."),
    *id_filters("action_object_id", "action_object_id", what="object id"),
    *datetime_filters("created_date"),
]

CANCELLATION_REQUEST_FILTERS = [
    *_CHANNEL,
    Filter(
        "status",
        "status__in",
        choice(_choices(CancellationRequest.Status.values), "cancellation request status"),
        many=True,
    ),
    Filter(
        "cancellation_type",
        "cancellation_type",
        choice(_choices(CancellationRequest.Type.values), "cancellation type"),
    ),
    *id_filters("order_item", "order_item_id", what="order item id"),
    *id_filters("order", "order_item__order_id", what="order id"),
    Filter("remote_id", "remote_id", text, description="Exact remote id."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]

SHIPPING_INFO_FILTERS = [
    *id_filters("order", "order_id", what="order id"),
    Filter("order_number", "order_number", text, description="Exact order number."),
    Filter("is_send", "is_send", boolean),
    *datetime_filters("modified_date"),
]

CONTENT_TYPE_FILTERS = [
    Filter("model", "model", _kind, description="Model name: order, batchrequest, channel..."),
    Filter("app_label", "app_label", text, description="Exact app label."),
    *id_filters("id", "pk", what="content type id"),
    *id_filters("pk", "pk", what="content type id"),
]

# The channel's catalog feeds (products, prices, stock): by id, the order channel-app pages them in.
FEED_SORTS = ID_ONLY_SORTS

_simple_only = choice({"0": "0"}, "product type (every product is simple: 0)")


def _product_type(value: str) -> bool:
    # Accepted as channel-app sends it (0); every product is simple, so it narrows nothing.
    _simple_only(value)
    return False


# channel-app asks for ?pk__in= and ?id__in=, and sends product_type=0.
CHANNEL_PRODUCT_FILTERS = [
    *PRODUCT_FILTERS,
    *id_filters("id", "pk"),
    Filter("product_type", "pk__isnull", _product_type, description="0 (simple): every product is."),
]

_LIST_ROW_FILTERS = [
    *id_filters("pk", "pk"),
    *id_filters("id", "pk"),
    *id_filters("product", "product_id", what="product id"),
    *id_filters("product__pk", "product_id", what="product id"),
    Filter("sku", "product__sku", text, description="The product's exact sku."),
    *datetime_filters("modified_date"),
]

CHANNEL_PRICE_FILTERS = [
    *_LIST_ROW_FILTERS,
    *id_filters("price_list", "price_list_id", what="price list id"),
]

CHANNEL_STOCK_FILTERS = [
    *_LIST_ROW_FILTERS,
    *id_filters("stock_list", "stock_list_id", what="stock list id"),
]

CATALOG_ITEM_FILTERS = [
    *id_filters("product", "product_id", what="product id"),
    Filter("sku", "product__sku", text, description="The product's exact sku."),
    Filter("sku__in", "product__sku__in", text, many=True, description="Any of these skus."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]

CATEGORY_NODE_FILTERS = [
    *id_filters("pk", "pk"),
    *id_filters("tree", "tree_id", what="category tree id"),
    *id_filters("parent", "parent_id", what="node id"),
    Filter("path", "path", text, description="Exact path."),
    Filter("path__startswith", "path__startswith", text, description="Nodes under this path."),
]

PRODUCT_CATEGORY_FILTERS = [
    *id_filters("pk", "pk"),
    *id_filters("product", "product_id", what="product id"),
    *id_filters("category", "category_id", what="category node id"),
    *datetime_filters("modified_date"),
]
