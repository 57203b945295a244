"""What an integration reads before a run: its channel with the channel's configuration, its
catalog (the price and stock lists of the items it creates), who its key belongs to, and the
content type ids it writes in error reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from oms.access.models import ApiKey
from oms.access.services import Principal
from oms.channels.models import Channel
from oms.core.errors import ErrorCode, NotAuthenticated, NotFound, Problem
from oms.core.lookup import bounded
from oms.integrations.kinds import KINDS
from oms.integrations.models import Catalog, ChannelConf


def get_channel(*, principal: Principal, channel_id: int) -> tuple[Channel, dict[str, Any], int | None]:
    """The channel, its configuration (`{}` when none is set) and the id of the category tree it
    sends products under (None when not set). Unlike the channel-scoped
    endpoints, an inactive channel is answered (with is_active false): that is how an
    integration learns to stand down. A channel the key is not granted is answered as one that
    does not exist."""
    channel = (
        Channel.objects.filter(pk=bounded(channel_id)).first() if principal.can_see(channel_id) else None
    )
    if channel is None:
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Channel {channel_id} does not exist."))
    conf, category_tree = ChannelConf.objects.filter(channel=channel).values_list(
        "conf", "category_tree_id"
    ).first() or (
        {},
        None,
    )
    return channel, conf or {}, category_tree


def get_catalog(*, principal: Principal, pk: int) -> Catalog:
    """A catalog of a channel the key is granted; NotFound otherwise, as if it did not exist."""
    catalog = Catalog.objects.filter(pk=bounded(pk)).first()
    if catalog is None or not principal.can_see(catalog.channel_id):
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Catalog {pk} does not exist."))
    return catalog


@dataclass(frozen=True, slots=True)
class ActiveUser:
    key: ApiKey
    principal: Principal


def get_active_user(*, principal: Principal) -> ActiveUser:
    key = ApiKey.objects.select_related("user").filter(pk=principal.key_id, is_active=True).first()
    if key is None:  # revoked since the key was checked (the check is cached for seconds)
        raise NotAuthenticated(Problem("Authorization", ErrorCode.NOT_AUTHENTICATED, "Invalid token."))
    return ActiveUser(key, principal)


def list_content_types() -> QuerySet[ContentType]:
    """The content types of the models integrations name (`KINDS`), nothing else."""
    condition = Q()
    for kind in KINDS.values():
        condition |= Q(app_label=kind.model._meta.app_label, model=kind.model._meta.model_name)
    return ContentType.objects.filter(condition)
