"""Answer schemas that render themselves: one declaration per answer shape.

An `Answer` subclass is the documented shape of an answer (the OpenAPI document shows its
fields) and builds that answer from a model instance or any value with the same attributes.
Each field says where its value comes from with `From`, when that is not the attribute of its
own name; its type says how the value is written:

- `MoneyOut` (a Decimal): quantized to the cent, written as an exact JSON number (render.money);
- `DateTimeOut` / `DateOut`: ISO 8601, as Django REST framework writes them (render.wire_datetime);
- another `Answer` (or a list of them, or one that may be null): rendered the same way;
- anything else (str, int, bool, a JSON object): as it is.

The renderer is generated once per schema as one Python function that returns a dict literal,
so it costs what a hand-written presenter costs (the order answer is on the create hot path).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from oms.core.render import CENT, money, wire_date, wire_datetime

Resolve = Callable[[Any, Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class From:
    """Where a field's value comes from: an attribute path of the rendered object (`"channel_id"`,
    `"product.sku"`; `"."` is the object itself, for a nested shape built from its fields), or
    `resolve(obj, context)` for a value that needs code or the render's context (the channel);
    a resolver returns the wire value itself (its type is not converted). `blank_as_null`
    answers an empty value as null."""

    attr: str | None = None
    resolve: Resolve | None = None
    blank_as_null: bool = False


PK = From("pk")

MoneyOut = Annotated[Decimal, WithJsonSchema({"type": "number"})]
DateTimeOut = Annotated[datetime, WithJsonSchema({"type": "string", "format": "date-time"})]
DateOut = Annotated[date, WithJsonSchema({"type": "string", "format": "date"})]


Renderer = Callable[[Any, Mapping[str, Any]], dict[str, Any]]
_RENDERERS: dict[type, Renderer] = {}


class Answer(BaseModel):
    """An answer's shape, and its renderer: `Shape.render(obj, **context)` is the wire dict."""

    @classmethod
    def render(cls, obj: Any, **context: Any) -> dict[str, Any]:
        return cls.renderer()(obj, context)

    @classmethod
    def renderer(cls) -> Callable[[Any, Mapping[str, Any]], dict[str, Any]]:
        """`render` without keyword packing: `fn(obj, context)`; built on first use."""
        built = _RENDERERS.get(cls)
        if built is None:
            built = _RENDERERS[cls] = _build(cls)
        return built

    @classmethod
    def presenter(cls, **context: Any) -> Callable[[Any], dict[str, Any]]:
        """A one-argument renderer with a fixed context, for a list page's rows."""
        renderer = cls.renderer()
        return lambda obj: renderer(obj, context)


class RowOut(Answer):
    """A stored row's answer: its id, which Omnitron gives as both `pk` and `id`, comes first."""

    pk: int
    id: Annotated[int, PK]


class ChannelRowOut(RowOut):
    """The answer for a row of one channel: the channel's id follows the row's."""

    channel: Annotated[int, From("channel_id")]


def _build(schema: type[Answer]) -> Renderer:
    """The schema's renderer, as generated source: `def render(obj, ctx): return {...}`."""
    helpers: dict[str, Any] = {"CENT": CENT}
    source_code = f"def render(obj, ctx):\n    return {_literal(schema, 'obj', helpers)}\n"
    exec(compile(source_code, f"<answer {schema.__name__}>", "exec"), helpers)
    return helpers["render"]


def _literal(schema: type[Answer], obj: str, helpers: dict[str, Any]) -> str:
    """The dict literal of `schema` for the object named `obj` in the generated code."""
    entries = []
    for name, field in schema.model_fields.items():
        source = next((meta for meta in field.metadata if isinstance(meta, From)), From())
        if source.resolve is not None:  # a resolver returns the wire value itself
            value = f"{_helper(helpers, source.resolve)}({obj}, ctx)"
        else:
            value = _value(_attribute(obj, source.attr or name), field.annotation, helpers)
        if source.blank_as_null:
            value = f"({value} or None)"
        entries.append(f"{field.serialization_alias or field.alias or name!r}: {value}")
    return "{" + ", ".join(entries) + "}"


def _value(expression: str, annotation: Any, helpers: dict[str, Any]) -> str:
    """The code writing `expression`, a value of `annotation`, as the wire has it."""
    convert = _converter(annotation)
    if convert is None:
        return expression
    if isinstance(convert, _Nested) and expression == "obj" and not (convert.many or convert.optional):
        return _literal(convert.schema, expression, helpers)  # a shape built from the object itself
    if convert is _MONEY:  # never null: quantize inline, one call fewer per amount
        return f"{expression}.quantize(CENT)"
    if _takes_context(convert):
        return f"{_helper(helpers, convert)}({expression}, ctx)"
    return f"{_helper(helpers, convert)}({expression})"


def _helper(helpers: dict[str, Any], function: Callable[..., Any]) -> str:
    name = f"h{len(helpers)}"
    helpers[name] = function
    return name


def _attribute(obj: str, path: str) -> str:
    if path == ".":
        return obj
    if not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"Not an attribute path: {path!r}")
    return f"{obj}.{path}"


_MONEY = object()  # a Decimal that is never null (see _value)


class _Nested:
    """A nested answer (or a list of them), rendered with the parent's context."""

    takes_context = True

    def __init__(self, schema: type[Answer], *, many: bool, optional: bool):
        self.schema, self.many, self.optional = schema, many, optional
        self._render: Renderer | None = None

    def _built(self) -> Renderer:
        # On first use: the nested schema may be declared after the one that names it.
        self._render = self.schema.renderer()
        return self._render

    def __call__(self, value: Any, ctx: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        render = self._render or self._built()
        if self.many:
            return [render(row, ctx) for row in (value.all() if hasattr(value, "all") else value)]
        return render(value, ctx)


def _takes_context(convert: Any) -> bool:
    return getattr(convert, "takes_context", False)


def _converter(annotation: Any) -> Callable[..., Any] | None:
    """How a value of `annotation` is written: None when it is written as it is."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) != 1:
            return None
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is Annotated:
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, Answer):
            return _Nested(item, many=True, optional=optional)
        return None
    if not isinstance(annotation, type):
        return None
    if issubclass(annotation, Answer):
        return _Nested(annotation, many=False, optional=optional)
    if issubclass(annotation, datetime):
        return wire_datetime
    if issubclass(annotation, date):
        return wire_date
    if issubclass(annotation, Decimal):
        return money if optional else _MONEY
    return None


EXAMPLE_DATE = "2025-01-01T10:00:00Z"


def example(pk: int, *, stamped: bool = True, **values: Any) -> ConfigDict:
    """The `model_config` of an answer documenting one example of it: `pk` is its `id` too, and
    a `stamped` answer was created and changed at EXAMPLE_DATE."""
    stamps = {"created_date": EXAMPLE_DATE, "modified_date": EXAMPLE_DATE} if stamped else {}
    return ConfigDict(json_schema_extra={"examples": [{"pk": pk, "id": pk, **values, **stamps}]})
