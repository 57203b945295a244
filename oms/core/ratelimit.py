"""Rate limits per API key: a token bucket per key, charged once per request.

A bucket holds `burst` tokens and refills at the limit's rate; a request takes one token, a bulk
create one per order it sends. Past it the request is refused (429, RateLimited) with Retry-After;
every answer to a charged request carries the IETF draft's `RateLimit-Policy` and `RateLimit`
headers (draft-ietf-httpapi-ratelimit-headers-10), added by `RateLimitHeaders` in
oms/core/middleware.py, and by the create lane to its own answers.

The algorithm is throttled-py's GCRA, not ours. GCRA ("generic cell rate algorithm") keeps one
number per key, the time at which its bucket will be full again, and is a token bucket in
everything a client sees: `burst` requests at once, then one per 1/rate seconds. throttled-py
runs it as one Lua script in Redis (atomic, on Redis's clock, so the processes and replicas
sharing a Redis share one bucket per key) and under a lock in process memory without Redis.
Evaluated and not chosen: `limits` has fixed, moving and sliding windows but no token bucket;
pyrate-limiter v4 is a sliding log of every request (a Redis sorted set with one member per
token: a bulk of 1,000 orders writes 1,000 members); django-ratelimit counts fixed windows in
Django's cache; throttled-py's own `token_bucket` keeps whole seconds, and its Redis key expires
at once when the rate is over twice the burst per second (201/s with a burst of 100), so it never
limits. GCRA's state being a
time also settles the bulk larger than the burst (`_spend`): asked with a burst equal to its cost,
it passes when the bucket is full and leaves the bucket that much in debt.

Without REDIS_URL each process keeps its own buckets (with 4 gunicorn workers a key may get up to
4 times its rate). When Redis cannot be reached the request is let through and the failure logged:
the limit protects the service, and refusing every order while Redis is down would stop it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from throttled import MemoryStore, RateLimiterType, RedisStore, Throttled
from throttled.exceptions import DataError, StoreUnavailableError
from throttled.rate_limiter import Quota, per_duration
from throttled.rate_limiter.quota_parser import parse as parse_quota
from throttled.store import BaseStore

from oms.core.errors import ErrorCode, Problem, RateLimited

log = logging.getLogger(__name__)

# The environ key (request.META) of the request's Decision: whichever layer charges the request
# first (the create lane, or the API's key check) records it, so a request is charged once, and
# the middleware writes the headers from it.
DECISION = "oms.rate_limit"
OFF = "off"
# The quota policy's name in the headers: the partition is the API key.
POLICY = "api-key"
_KEY_PREFIX = "oms:rate"
# Buckets kept per process without Redis (least recently used dropped first, as full buckets).
_MEMORY_KEYS = 10_000
# A Redis that stops answering costs a request at most this long before it is let through; then
# requests pass unlimited, without asking it, for _STORE_RETRY_SECONDS.
_REDIS_TIMEOUT_SECONDS = 0.25
_STORE_RETRY_SECONDS = 5.0
_store_down_until = 0.0


@dataclass(frozen=True, slots=True)
class Limit:
    """A token bucket: `burst` tokens, refilled at `rate` per second."""

    text: str
    quota: Quota
    burst: int
    rate: float
    # The RateLimit-Policy header, written once: q is the burst, w the seconds an empty bucket
    # takes to fill (q/w is the rate).
    policy: str
    # Part of the bucket's name: a key whose limit changes starts on a full bucket of the new
    # one (GCRA's state is a time, which another rate would read as another debt).
    signature: str

    @classmethod
    def of(cls, text: str, quota: Quota) -> Limit:
        burst, rate = quota.burst, quota.fill_rate
        policy = f'"{POLICY}";q={burst};w={max(1, math.ceil(burst / rate))}'
        signature = f"{quota.rate.limit}/{quota.period_sec}:{burst}"
        return cls(text=text, quota=quota, burst=burst, rate=rate, policy=policy, signature=signature)


def parse_limit(text: str) -> Limit | None:
    """`<n>/<unit>` (s, m, h, d, w, or their names) with an optional `burst <m>`, else
    OMS_RATE_LIMIT_BURST; `off` is no limit (None). ValueError for anything else."""
    cleaned = " ".join(text.split())
    if cleaned.lower() == OFF:
        return None
    expression = cleaned if "burst" in cleaned.lower() else f"{cleaned} burst {settings.OMS_RATE_LIMIT_BURST}"
    try:
        quotas = parse_quota(expression)
    except DataError:
        quotas = []
    if len(quotas) != 1 or quotas[0].burst < 1:
        raise ValueError(
            f'"{text}" is not a rate limit: write one rate, e.g. "50/s", "3000/m burst 200" or "off" '
            "(units s, m, h, d; a rate and a burst of at least 1)."
        )
    return Limit.of(cleaned, quotas[0])


def validate_limit(text: str) -> None:
    """A model field's validator: a rate limit parse_limit reads, or empty."""
    try:
        if text:
            parse_limit(text)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid") from None


def check_rate_limit_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check (`oms serve` and `oms migrate` run it): OMS_RATE_LIMIT must be a limit,
    since every key without its own falls back to it."""
    try:
        parse_limit(settings.OMS_RATE_LIMIT)
    except ValueError as error:
        return [checks.Error(f"OMS_RATE_LIMIT: {error}", id="oms.E001")]
    return []


def most_generous(limits: Iterable[Limit | None]) -> Limit | None:
    """The highest of `limits` (by rate, then burst); no limit (None) is the highest of all."""
    chosen: Limit | None = None
    for limit in limits:
        if limit is None:
            return None
        if chosen is None or (limit.rate, limit.burst) > (chosen.rate, chosen.burst):
            chosen = limit
    return chosen


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of charging a request: whether it passes, and what its headers say."""

    allowed: bool
    limit: Limit
    remaining: int
    # Seconds until the bucket is full again; on a refusal, until the request would pass.
    reset: int

    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("RateLimit-Policy", self.limit.policy),
            ("RateLimit", f'"{POLICY}";r={self.remaining};t={self.reset}'),
        ]
        if not self.allowed:
            headers.append(("Retry-After", str(self.reset)))
        return headers

    def refusal(self) -> RateLimited:
        message = (
            f"This API key's rate limit ({self.limit.text}, burst {self.limit.burst}) is exhausted; "
            f"retry in {self.reset} seconds."
        )
        return RateLimited(Problem("", ErrorCode.RATE_LIMITED, message), retry_after=self.reset)


def charge(environ: dict, *, bucket: str, limit: Limit | None, cost: int = 1) -> None:
    """Take `cost` tokens from `bucket` for the request of `environ`, once per request: a second
    call (the create lane handed the request to Django) repeats the first one's outcome. Raises
    RateLimited when the bucket does not hold them; nothing is taken then."""
    decision = environ.get(DECISION)
    if decision is None:
        if limit is None:
            return
        decision = _spend(bucket, limit, max(1, cost))
        if decision is None:
            return
        environ[DECISION] = decision
    if not decision.allowed:
        raise decision.refusal()


def decision_headers(environ: dict) -> list[tuple[str, str]]:
    decision = environ.get(DECISION)
    return decision.headers() if decision is not None else []


def _spend(bucket: str, limit: Limit, cost: int) -> Decision | None:
    quota = limit.quota
    if cost > quota.burst:
        # A bulk larger than the burst could never pass a bucket that holds `burst` tokens. Asked
        # with a burst of its cost, GCRA lets it through when the bucket is full and moves the
        # bucket's full-again time `cost` tokens ahead: the key waits until the debt is paid, so
        # its orders per second stay within the rate.
        quota = per_duration(quota.rate.period, quota.rate.limit, burst=cost)
    global _store_down_until
    if _store_down_until and time.monotonic() < _store_down_until:
        return None
    try:
        result = _throttle(quota).limiter.limit(f"{bucket}:{limit.signature}", cost)
    except StoreUnavailableError as error:
        # Not asked again for a while: a Redis that times out would cost every request the timeout.
        _store_down_until = time.monotonic() + _STORE_RETRY_SECONDS
        log.warning(
            "Rate limit store unavailable (%s); requests let through for %s s",
            error.__cause__ or error,
            _STORE_RETRY_SECONDS,
        )
        return None
    _store_down_until = 0.0
    state = result.state
    # Tokens the key's bucket holds (the larger burst above counts `cost - burst` more).
    left = max(0, state.remaining - (quota.burst - limit.burst))
    if result.limited:
        return Decision(False, limit, remaining=left, reset=max(1, math.ceil(state.retry_after)))
    return Decision(True, limit, remaining=left, reset=math.ceil(state.reset_after))


_throttles: dict[tuple, Throttled] = {}
_stores: dict[str | None, BaseStore] = {}


def _throttle(quota: Quota) -> Throttled:
    store = _store()
    key = (id(store), quota.period_sec, quota.rate.limit, quota.burst)
    throttle = _throttles.get(key)
    if throttle is None:
        throttle = Throttled(
            using=RateLimiterType.GCRA.value, quota=quota, store=store, key_prefix=_KEY_PREFIX
        )
        if len(_throttles) >= _MEMORY_KEYS:  # bulk sizes past the burst each make one
            _throttles.clear()
        _throttles[key] = throttle
    return throttle


def _store() -> BaseStore:
    url = settings.REDIS_URL
    store = _stores.get(url)
    if store is None:
        if url:
            options = {
                "SOCKET_TIMEOUT": _REDIS_TIMEOUT_SECONDS,
                "SOCKET_CONNECT_TIMEOUT": _REDIS_TIMEOUT_SECONDS,
            }
            store = RedisStore(server=url, options=options)
        else:
            store = MemoryStore(options={"MAX_SIZE": _MEMORY_KEYS})
        _stores[url] = store
    return store


def clear_buckets() -> None:
    """Forget this process's buckets and stores (tests: nothing carries over from one to the next)."""
    global _store_down_until
    _throttles.clear()
    _stores.clear()
    _store_down_until = 0.0
