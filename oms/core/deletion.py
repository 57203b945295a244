"""Deleting a row only while nothing references it: the database's PROTECT decides, and the
refusal names what still points at the row."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Model, ProtectedError

from oms.core.errors import Conflict, ErrorCode, Problem


def delete_unreferenced(instance: Model, *, label: str) -> None:
    """Delete `instance` (and what cascades from it); Conflict (409) when a protected reference
    remains, with `referenced_by` counting the referencing rows by model."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as error:
        counts = Counter(type(obj) for obj in error.protected_objects)
        ordered = sorted(counts.items(), key=lambda pair: pair[0]._meta.label_lower)
        names = ", ".join(f"{count} {_noun(model, count)}" for model, count in ordered)
        raise Conflict(
            Problem("", ErrorCode.IN_USE, f"{label} is referenced by {names}; it was not deleted."),
            referenced_by={model._meta.label_lower: count for model, count in ordered},
        ) from None


def _noun(model: type[Model], count: int) -> str:
    return str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)
