"""The whole database as plain values, to prove that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def db_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order (the test databases are small)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
    }


def stored_strings(snapshot: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Every text value in `snapshot`, JSON columns' strings and keys included."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, child in value.items():
                walk(key)
                walk(child)
        elif isinstance(value, list | tuple):
            for child in value:
                walk(child)

    walk(list(snapshot.values()))
    return found
