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

from pydantic import BaseModel, WithJsonSchema

from oms.core.render import money, wire_date, wire_datetime

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


def _build(schema: type[Answer]) -> Callable[[Any, Mapping[str, Any]], dict[str, Any]]:
    """The schema's renderer, as generated source: `def render(obj, ctx): return {...}`."""
    helpers: dict[str, Any] = {}
    entries = []
    for index, (name, field) in enumerate(schema.model_fields.items()):
        source = next((meta for meta in field.metadata if isinstance(meta, From)), From())
        if source.resolve is not None:
            helpers[f"r{index}"] = source.resolve
            value = f"r{index}(obj, ctx)"
        else:
            value = _attribute(source.attr or name)
        convert = _converter(field.annotation) if source.resolve is None else None
        if convert is not None:
            helpers[f"c{index}"] = convert
            value = f"c{index}({value})" if not _takes_context(convert) else f"c{index}({value}, ctx)"
        if source.blank_as_null:
            value = f"({value} or None)"
        entries.append(f"{name!r}: {value}")
    source_code = "def render(obj, ctx):\n    return {" + ", ".join(entries) + "}\n"
    namespace = dict(helpers)
    exec(compile(source_code, f"<answer {schema.__name__}>", "exec"), namespace)
    return namespace["render"]


def _attribute(path: str) -> str:
    if path == ".":
        return "obj"
    if not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"Not an attribute path: {path!r}")
    return "obj." + path


class _Nested:
    """A nested answer (or a list of them), rendered with the parent's context."""

    takes_context = True

    def __init__(self, schema: type[Answer], *, many: bool, optional: bool):
        self.schema, self.many, self.optional = schema, many, optional

    def __call__(self, value: Any, ctx: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        render = self.schema.renderer()
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
        return money
    return None
