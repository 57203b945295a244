"""Numbers read from the environment, refused by name.

`int(os.environ.get(...))` stopped a start with Python's own error (`invalid literal for int()
with base 10: 'lots'`), which names neither the variable nor what it takes; a negative count or
`nan` seconds went through. Here the start stops with the variable, its value and what it must be.
An empty value means unset (an env file's `NAME=`), as for the other settings. No Django import:
settings.py, gunicorn's configuration and the server's launcher read these before Django is set up.
"""

from __future__ import annotations

import math
import os


class BadEnvironmentValue(ValueError):
    """A variable's value the setting cannot take."""


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    return _number(name, default, minimum, int, "a whole number")


def env_float(name: str, default: float, *, minimum: float = 0) -> float:
    return _number(name, default, minimum, float, "a number")


def _number(name: str, default, minimum, parse, kind: str):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise BadEnvironmentValue(f"{name}={raw!r} is not {kind}") from None
    if not math.isfinite(value):
        raise BadEnvironmentValue(f"{name}={raw!r} is not a finite number")
    if value < minimum:
        raise BadEnvironmentValue(f"{name}={raw!r} is below its minimum, {minimum:g}")
    return value
