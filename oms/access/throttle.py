"""The login throttle: failed logins counted per username and per client address.

Counted in Django's cache (`REDIS_URL` makes it one count across processes and replicas; the
default local-memory cache counts per process), in fixed windows of OMS_LOGIN_WINDOW_SECONDS
aligned to the epoch: one atomic `add` + `incr` per failure and one `get_many` per attempt,
checked before the password is hashed, so a refused guess costs a cache read.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from oms.core.errors import ErrorCode, Problem, RateLimited

_PREFIX = "oms:login-failures"
_EXPIRY_MARGIN_SECONDS = 60


@contextmanager
def login_attempt(
    *, username: str, address: str, failures: tuple[type[BaseException], ...]
) -> Iterator[None]:
    """Refuse the attempt (RateLimited) if `username` or `address` is past its limit; otherwise run
    the block, which hashes the password: one of `failures` raised there counts a failure against
    both, and a block that completes clears the username's count."""
    window, retry_after = _window()
    keys = _keys(username=username, address=address, window=window)
    counts = cache.get_many(list(keys.values()))
    limits = {
        "username": settings.OMS_LOGIN_FAILURES_PER_USERNAME,
        "address": settings.OMS_LOGIN_FAILURES_PER_ADDRESS,
    }
    if any(counts.get(keys[kind], 0) >= limit for kind, limit in limits.items()):
        raise RateLimited(
            Problem(
                "non_field_errors",
                ErrorCode.RATE_LIMITED,
                f"Too many failed logins for this username or address; try again in {retry_after} seconds.",
            ),
            retry_after=retry_after,
        )
    try:
        yield
    except failures:
        for key in keys.values():
            # add() is a no-op when the key exists, incr() is atomic: concurrent failures all count.
            # The key names its window, so it may outlive it: the margin keeps it from expiring
            # between add() and incr() (which raises on a missing key) however long the hash took.
            cache.add(key, 0, timeout=retry_after + _EXPIRY_MARGIN_SECONDS)
            cache.incr(key)
        raise
    cache.delete(keys["username"])


def _window() -> tuple[int, int]:
    """The current window's number and the whole seconds until the next one begins."""
    length = settings.OMS_LOGIN_WINDOW_SECONDS
    now = time.time()
    window = int(now // length)
    return window, max(1, math.ceil((window + 1) * length - now))


def _keys(*, username: str, address: str, window: int) -> dict[str, str]:
    # Hashed: usernames are client text of any character, and cache keys must be short and plain.
    name = hashlib.sha256(username.casefold().encode("utf-8", "backslashreplace")).hexdigest()
    return {
        "username": f"{_PREFIX}:user:{name}:{window}",
        "address": f"{_PREFIX}:addr:{address}:{window}",
    }
