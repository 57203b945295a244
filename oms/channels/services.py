"""Reading cargo companies (shared by every channel), and changing a channel's settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet

from oms.channels.models import CargoCompany, Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import get_row


def list_cargo_companies() -> QuerySet[CargoCompany]:
    return CargoCompany.objects.all()


def get_cargo_company(*, pk: int) -> CargoCompany:
    return get_row(CargoCompany.objects.all(), pk, label="Cargo company")


# A channel's settings: what `oms channel set` (and the admin) may change.
_NOT_SETTINGS = {"id", "created_date", "modified_date"}
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def channel_settings() -> dict[str, models.Field]:
    """Every setting of a channel, by name."""
    return {
        field.name: field
        for field in Channel._meta.concrete_fields
        if field.editable and field.name not in _NOT_SETTINGS
    }


def set_channel_settings(*, channel: Channel, values: dict[str, str]) -> Channel:
    """Change the named settings of `channel` from their text forms (`stock_policy=reject`,
    `strict_fields=true`, `stock_list=3` or `stock_list=none`), all or none.

    Raises ValidationFailed naming each unknown setting or bad value. Servers see the change
    within OMS_API_KEY_CACHE_SECONDS (channels are cached like keys).
    """
    fields = channel_settings()
    problems, changed = [], {}
    for name, text in values.items():
        field = fields.get(name)
        if field is None:
            problems.append(
                Problem(
                    name,
                    ErrorCode.UNKNOWN_FIELD,
                    f"No channel setting {name}; settings: {', '.join(fields)}.",
                )
            )
            continue
        try:
            changed[field.attname] = _value(channel, field, text)
        except ValidationError as error:
            problems.append(Problem(name, ErrorCode.INVALID, " ".join(error.messages)))
    if problems:
        raise ValidationFailed(problems)
    for attname, value in changed.items():
        setattr(channel, attname, value)
    try:
        with transaction.atomic():
            channel.save(update_fields=[*changed, "modified_date"])
    except IntegrityError:
        raise ValidationFailed(
            Problem("code", ErrorCode.DUPLICATE, "Another channel has this code.")
        ) from None
    return channel


def _value(channel: Channel, field: models.Field, text: str):
    if isinstance(field, models.BooleanField):
        if text.lower() not in _TRUE | _FALSE:
            raise ValidationError(f'"{text}" is not true or false.')
        return text.lower() in _TRUE
    if isinstance(field, models.ForeignKey):
        if text.lower() in {"", "none", "null"} and field.null:
            return None
        # Any stock list, another channel's too: channels that sell from one stock list share its
        # units, so the web store and a marketplace never sell the same last one twice.
        pk = int(text) if text.isascii() and text.isdigit() else None
        if pk is None or not field.related_model.objects.filter(pk=pk).exists():
            raise ValidationError(f"{text} is not a {field.verbose_name}.")
        return pk
    return field.clean(text, channel)
