"""Issuing and checking API keys."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction

from oms.access.models import ApiKey
from oms.access.throttle import login_attempt
from oms.channels.models import Channel
from oms.core.errors import ErrorCode, NotAuthenticated, NotFound, PermissionDenied, Problem, ValidationFailed
from oms.core.ratelimit import Limit, charge, most_generous, parse_limit
from oms.observe.context import note_channel

KEY_PREFIX = "oms_"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key and what it may see. `channel_ids` is None for every channel;
    `rate_limit` None is no limit."""

    key_id: int
    name: str
    channel_ids: frozenset[int] | None
    shared: bool
    rate_limit: Limit | None = None
    erp: bool = False  # the shop's ERP: every channel's orders through the ERP routes

    def can_see(self, channel_id: int) -> bool:
        return self.channel_ids is None or channel_id in self.channel_ids


def spend_rate_limit(environ: dict, principal: Principal, *, cost: int = 1) -> None:
    """Charge the request of `environ` (request.META) `cost` tokens of the key's bucket, once per
    request; RateLimited past the key's limit."""
    charge(environ, bucket=f"key:{principal.key_id}", limit=principal.rate_limit, cost=cost)


def require_grant(*, principal: Principal, grant: str, needed_for: str, path: str = "Authorization") -> None:
    """PermissionDenied (403) unless the key has `grant` (`shared`, `erp`)."""
    if not getattr(principal, grant):
        raise PermissionDenied(
            Problem(
                path,
                ErrorCode.PERMISSION_DENIED,
                f"{needed_for} needs a key with the {grant} grant (oms token create --{grant}).",
            )
        )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    *,
    name: str,
    channels: Iterable[Channel] = (),
    shared: bool = False,
    erp: bool = False,
    key: str | None = None,
    rate_limit: str = "",
) -> tuple[ApiKey, str]:
    """Create a key granted `channels` (and the `shared` and `erp` grants); returns the row and
    the clear key (shown once, never stored). ValidationFailed for a `rate_limit` that is not one
    (see oms.core.ratelimit.parse_limit)."""
    rate_limit = _checked_rate_limit(rate_limit)
    clear = key or KEY_PREFIX + secrets.token_hex(20)
    api_key = ApiKey.objects.create(
        name=name, key_hash=hash_key(clear), prefix=clear[:12], shared=shared, erp=erp, rate_limit=rate_limit
    )
    api_key.channels.set(list(channels))
    return api_key, clear


def set_key_rate_limit(*, api_key_id: int, rate_limit: str) -> ApiKey:
    """Give a key its own rate limit (empty: its channels' or the default again). Each process
    sees it once its cached key expires (OMS_API_KEY_CACHE_SECONDS). NotFound for an unknown key,
    ValidationFailed for a limit that is not one."""
    rate_limit = _checked_rate_limit(rate_limit)
    if not ApiKey.objects.filter(pk=api_key_id).update(rate_limit=rate_limit):
        raise NotFound(Problem("api_key", ErrorCode.NOT_FOUND, f"API key {api_key_id} does not exist."))
    return ApiKey.objects.get(pk=api_key_id)


def _checked_rate_limit(text: str) -> str:
    text = " ".join(text.split())
    try:
        if text:
            parse_limit(text)
    except ValueError as error:
        raise ValidationFailed(Problem("rate_limit", ErrorCode.INVALID_FORMAT, str(error))) from None
    return text


def login(*, username: str, password: str, address: str) -> str:
    """Omnitron's auth/login/: the user's key, the same on every login until the password changes.

    The key is derived (HMAC of the user and password hash under SECRET_KEY), so it needs no
    clear-text storage; the row holding its digest carries the channel grants set in the admin.
    Failures are throttled per username and per client `address` (RateLimited past the limits).
    """
    with login_attempt(username=username, address=address, failures=(ValidationFailed,)):
        user = authenticate(username=username, password=password)
        if user is None or not user.is_active:
            raise ValidationFailed(
                Problem("non_field_errors", ErrorCode.INVALID, "Unable to log in with provided credentials.")
            )
    material = f"login:{user.pk}:{user.password}".encode()
    clear = KEY_PREFIX + hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()[:40]
    ApiKey.objects.get_or_create(
        key_hash=hash_key(clear),
        defaults={"name": f"login:{user.get_username()}", "prefix": clear[:12], "user": user},
    )
    return clear


_cache: dict[str, tuple[float, Principal | None]] = {}


def authenticate_key(raw: str) -> Principal:
    """Resolve an Authorization header value (`Token <key>` or the bare key) to a Principal."""
    key = raw.strip()
    if key.lower().startswith("token "):
        key = key[6:].strip()
    if not key:
        raise _not_authenticated("Authentication credentials were not provided.")
    digest = hash_key(key)
    now = time.monotonic()
    cached = _cache.get(digest)
    if cached is not None and cached[0] > now:
        principal = cached[1]
    else:
        principal = _load_principal(digest)
        _remember(_cache, digest, principal, now)
    if principal is None:
        raise _not_authenticated("Invalid token.")
    return principal


def clear_key_cache() -> None:
    _cache.clear()
    _channels.clear()


_channels: dict[int, tuple[float, Channel | None]] = {}


def _active_channel(channel_id: int) -> Channel | None:
    # Cached like keys (OMS_API_KEY_CACHE_SECONDS): every request needs its channel, and a change
    # of a channel's settings or a deactivation takes effect within that time.
    now = time.monotonic()
    cached = _channels.get(channel_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    _remember(_channels, channel_id, channel, now)
    return channel


# Unknown keys and channel ids are cached too (a miss costs a query), and both come from clients:
# random ones would grow the caches without end. Past this many entries the expired ones go, and
# if that is not enough, everything.
CACHE_MAX_ENTRIES = 10_000


def _remember(cache: dict, key, value, now: float) -> None:
    if len(cache) >= CACHE_MAX_ENTRIES:
        for stale, (expires, _) in list(cache.items()):  # a copy: other threads may write meanwhile
            if expires <= now:
                cache.pop(stale, None)
        if len(cache) >= CACHE_MAX_ENTRIES:
            cache.clear()
    cache[key] = (now + settings.OMS_API_KEY_CACHE_SECONDS, value)


def _load_principal(digest: str) -> Principal | None:
    api_key = (
        ApiKey.objects.filter(key_hash=digest, is_active=True)
        .select_related("user")
        .prefetch_related("channels")
        .first()
    )
    if api_key is None or (api_key.user is not None and not api_key.user.is_active):
        return None
    everything = api_key.user is not None and api_key.user.is_superuser
    channels = api_key.channels.all()
    return Principal(
        key_id=api_key.pk,
        name=api_key.name,
        channel_ids=None if everything else frozenset(c.pk for c in channels),
        shared=api_key.shared or everything,
        rate_limit=_rate_limit_of(api_key, channels),
        erp=api_key.erp or everything,
    )


def _rate_limit_of(api_key: ApiKey, channels: Iterable[Channel]) -> Limit | None:
    # Read with the key (its channels are fetched anyway), so a request costs no query for it.
    if api_key.rate_limit:
        return _limit_or_default(api_key.rate_limit)
    granted = [_limit_or_default(channel.rate_limit or settings.OMS_RATE_LIMIT) for channel in channels]
    return most_generous(granted) if granted else _limit_or_default(settings.OMS_RATE_LIMIT)


def _limit_or_default(text: str) -> Limit | None:
    try:
        return parse_limit(text)
    except ValueError:
        # Written around the validators (SQL, a bad environment): the default rather than a 500.
        log.error("Rate limit %r is not one; using OMS_RATE_LIMIT", text)
        return parse_limit(settings.OMS_RATE_LIMIT)


def _not_authenticated(message: str) -> NotAuthenticated:
    return NotAuthenticated(Problem("Authorization", ErrorCode.NOT_AUTHENTICATED, message))


def get_channel_for(*, principal: Principal, channel_id: int) -> Channel:
    """The URL's channel if it exists and the key is granted it (a superuser's key is granted
    every channel); NotFound otherwise, the same answer either way, so that a key cannot tell the
    channels it is not granted from those that do not exist."""
    channel = _active_channel(channel_id) if principal.can_see(channel_id) else None
    if channel is None:
        raise NotFound(Problem("channel_id", ErrorCode.NOT_FOUND, f"Channel {channel_id} does not exist."))
    note_channel(channel.pk)  # the request's channel, for its log line and metrics
    return channel
