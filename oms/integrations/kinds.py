"""The kinds of object an integration talks about, named as Omnitron's clients name them (the
`ContentType` enum of channel-app: `order`, `orderitem`, `product`...), and which of them belong
to a channel: an integration action or a batch may only point at objects its channel can see."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from oms.catalog.models import Product, ProductPrice, ProductStock
from oms.channels.models import Channel
from oms.integrations.models import BatchRequest, CancellationRequest, Catalog, IntegrationAction
from oms.orders.models import Order, OrderItem


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    model: type[Model]
    # The lookup from the model to its channel's id; None for objects every channel shares.
    channel_lookup: str | None
    # Or the rows a channel can see, when that is more than its own (shared stock lists).
    visible: Callable[[Channel], QuerySet] | None = None


def channel_stocks(channel: Channel) -> QuerySet[ProductStock]:
    """Every stock row the channel sells from: its own stock lists' and the lists its catalogs
    name, another channel's too (channels that share a stock list share its units, so a sale on
    one reaches the others' stock feeds through the row's modified_date)."""
    shared = Catalog.objects.filter(channel=channel).values("stock_list_id")
    return ProductStock.objects.filter(Q(stock_list__channel=channel) | Q(stock_list_id__in=shared))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("order", Order, "channel_id"),
        Kind("orderitem", OrderItem, "order__channel_id"),
        Kind("product", Product, None),
        Kind("productprice", ProductPrice, "price_list__channel_id"),
        Kind("productstock", ProductStock, None, visible=channel_stocks),
        Kind("cancellationrequest", CancellationRequest, "channel_id"),
        Kind("batchrequest", BatchRequest, "channel_id"),
        Kind("integrationaction", IntegrationAction, "channel_id"),
        Kind("channel", Channel, "pk"),
    ]
}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def content_types() -> dict[str, ContentType]:
    """The content type of every kind, by kind name (cached by Django after the first call)."""
    by_model = ContentType.objects.get_for_models(*(kind.model for kind in KINDS.values()))
    return {kind.name: by_model[kind.model] for kind in KINDS.values()}


def kind_by_content_type_id() -> dict[int, str]:
    return {content_type.pk: name for name, content_type in content_types().items()}


def missing_objects(channel: Channel, wanted: Mapping[str, Iterable[int]]) -> dict[str, set[int]]:
    """For each kind, the ids among `wanted` that do not exist or belong to another channel: one
    query per kind, whatever the number of ids."""
    missing: dict[str, set[int]] = {}
    for name, ids in wanted.items():
        ids = set(ids)
        if not ids:
            continue
        kind = KINDS[name]
        rows = kind.model._default_manager.filter(pk__in=ids)
        if kind.visible is not None:
            rows = kind.visible(channel).filter(pk__in=ids)
        elif kind.channel_lookup is not None:
            rows = rows.filter(**{kind.channel_lookup: channel.pk})
        absent = ids - set(rows.values_list("pk", flat=True))
        if absent:
            missing[name] = absent
    return missing
