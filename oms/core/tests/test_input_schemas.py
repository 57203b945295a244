"""Every input schema, field by field: no string a database cannot store gets through, and the
error path never fails on what the client sent. The schemas are found, not listed, so a new
schema or field is covered without touching this file."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import oms
from oms.core.wire import problems_from

UNSTORABLE = ["a\x00b", "a\ud800b"]


def input_schemas() -> list[type[BaseModel]]:
    """Every Pydantic model of oms named `<Noun>In`: the wire contract's inputs (STYLE.md)."""
    for module in pkgutil.walk_packages(oms.__path__, "oms."):
        if ".tests" not in module.name and "migrations" not in module.name:
            importlib.import_module(module.name)
    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("oms.") and cls.__name__.endswith("In"):
            found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def shapes(text: str) -> list[Any]:
    """`text` as a field's own value, in a list, as an object's value and as an object's key."""
    return [text, [text], {"k": text}, {text: "v"}, {text: 1}, {"k": [text]}]


def strings_in(value: Any) -> list[str]:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return [s for key, child in value.items() for s in [*strings_in(key), *strings_in(child)]]
    if isinstance(value, list | tuple | set):
        return [s for child in value for s in strings_in(child)]
    return [value] if isinstance(value, str) else []


def raw(field: Any) -> bool:
    """A list of anything (a bulk body's rows): each element is read by its own schema later."""
    return field.annotation == list[Any]


SCHEMA_FIELDS = [
    pytest.param(schema, name, id=f"{schema.__name__}.{name}")
    for schema in input_schemas()
    for name, field in schema.model_fields.items()
    if not raw(field)
]


def test_the_walk_finds_the_schemas():
    # Given / When the input schemas are collected
    names = {schema.__name__ for schema in input_schemas()}
    # Then those of every resource are among them
    assert {"OrderIn", "OrderItemIn", "CustomerIn", "AddressIn", "ProductIn", "PriceIn", "CancelIn"} <= names
    assert {"IntegrationActionIn", "OrderItemUpdateIn", "LoginIn", "BulkCreateIn"} <= names


@pytest.mark.parametrize(("schema", "name"), SCHEMA_FIELDS)
@pytest.mark.parametrize("text", UNSTORABLE, ids=["nul", "lone_surrogate"])
def test_no_field_stores_unstorable_text(schema, name, text):
    # Given a field of an input schema, and a string holding NUL or a lone surrogate
    instance = schema.model_construct()
    for value in shapes(text):
        # When the field is validated with it, bare or nested in a list or an object
        try:
            schema.__pydantic_validator__.validate_assignment(instance, name, value)
        except ValidationError as error:
            # Then it is refused with problems naming the field, built without failing
            problems = problems_from(error)
            assert problems and all(problem.path.split(".")[0] == name for problem in problems)
            continue
        # ... or what is kept holds neither NUL nor a lone surrogate
        kept = strings_in(getattr(instance, name))
        assert all(_encodes(s) for s in kept), (name, value, kept)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
