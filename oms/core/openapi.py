"""OpenAPI helpers: request bodies that the services validate themselves (so that schema and
database problems are answered together) are documented from their Pydantic models here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

REF = "#/components/schemas/{model}"


def json_body(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    """`openapi_extra` for an operation whose JSON body is `model`."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    }


def add_component_schemas(schema: dict[str, Any], models: list[type[BaseModel]]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        definition = model.model_json_schema(ref_template=REF)
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition
