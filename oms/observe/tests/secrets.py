"""What must never appear in a log line: the demo data's secrets and personal fields, and anything
shaped like an API key or an email address."""

from __future__ import annotations

import re

from django.conf import settings

from oms.access.services import KEY_PREFIX
from oms.demo import derived_secret

_SHAPES = [
    re.compile(re.escape(KEY_PREFIX) + r"[0-9a-f]{40}"),  # API keys (issued and login-derived)
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+"),  # email addresses
]


def demo_secrets() -> list[str]:
    """The demo's key, admin password and SECRET_KEY; its customers' emails, phones and address."""
    values = [
        settings.SECRET_KEY,
        KEY_PREFIX + derived_secret("api-token"),
        derived_secret("admin-password", 16),
        "admin@example.com",
        "Moda Cd. 1",
    ]
    for n in (1, 2):
        values += [f"customer{n}@example.com", f"+90555000000{n}"]
    return values


def leaks(lines: list[str], also: list[str] = ()) -> list[str]:
    """The lines holding a secret (of the demo, `also`, or by its shape)."""
    secrets = [*demo_secrets(), *also]
    return [
        line
        for line in lines
        if any(secret in line for secret in secrets) or any(shape.search(line) for shape in _SHAPES)
    ]
