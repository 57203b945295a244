"""What distributing the database by channel (Citus, `channel_id` the distribution column) would
require of the schema, checked against the list of what breaks it in docs/scaling.md.

Citus co-locates a channel's rows on one node when every channel-owned table carries channel_id,
every unique constraint includes it (a node can only enforce uniqueness over its own rows), and
every foreign key between channel-owned tables includes it (so the referenced row lives on the
same node). Tables no channel owns (products, cargo companies, locations...) become reference
tables, copied to every node, and may be referenced freely. The schema does not meet this today;
rather than migrate the core tables, docs/scaling.md lists each breach, and this test fails when
the list and the schema disagree: a new table or constraint must meet the rule or be listed.
"""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

from oms.channels.models import Channel

DOC = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"


def owned_models() -> dict[type[models.Model], str]:
    """Every channel-owned model: 'channel' when it has channel_id, else the field it is owned
    through (an item through its order)."""
    ours = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in _our_apps()]
    owned = {m: "channel" for m in ours if any(f.related_model is Channel for f in _foreign_keys(m))}
    changed = True
    while changed:  # children of owned rows are owned too
        changed = False
        for model in ours:
            if model in owned:
                continue
            parent = next((f for f in _foreign_keys(model) if f.related_model in owned and not f.null), None)
            if parent is not None:
                owned[model], changed = parent.name, True
    return owned


def _our_apps() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name.startswith("oms.")}


def _foreign_keys(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def breaches() -> set[str]:
    owned = owned_models()
    found = set()
    for model, through in owned.items():
        label = model._meta.label
        if through != "channel":
            found.add(f"{label}: no channel_id (owned through {through})")
            continue
        for fields in _unique_sets(model):
            if "channel" not in fields:
                found.add(f"{label}: unique ({', '.join(fields)}) without channel_id")
        for field in _foreign_keys(model):
            if field.related_model in owned and field.related_model is not model:
                found.add(
                    f"{label}.{field.name} -> {field.related_model._meta.label}: foreign key without channel_id"
                )
    return found


def _unique_sets(model) -> list[tuple[str, ...]]:
    sets = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(together) for together in model._meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return sets


def listed_in_doc() -> set[str]:
    block = re.search(r"<!-- distribution-breaches -->\n```\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/scaling.md lost its list of distribution breaches"
    return {line.strip() for line in block.group(1).splitlines() if line.strip()}


def test_every_breach_of_distribution_by_channel_is_listed_in_the_scaling_doc():
    # Given the models and the list docs/scaling.md keeps
    # When the schema is checked against what distribution by channel_id requires
    found = breaches()
    # Then each breach is listed, and nothing listed is gone
    assert sorted(found - listed_in_doc()) == [], (
        "new breaches: meet the rule or list them in docs/scaling.md"
    )
    assert sorted(listed_in_doc() - found) == [], "fixed breaches: remove them from docs/scaling.md"


def test_the_check_sees_a_unique_constraint_without_channel_and_a_foreign_key_between_owned_tables():
    # Given the orders table, owned by a channel, and its items, owned through it
    found = breaches()
    # Then the check names what it is for: an item has no channel_id, an order's customer is a
    # single-column key between owned tables; the order number's unique constraint is per channel
    assert "orders.OrderItem: no channel_id (owned through order)" in found
    assert "orders.Order.customer -> customers.Customer: foreign key without channel_id" in found
    assert not any(b.startswith("orders.Order: unique") for b in found)
