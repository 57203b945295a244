"""The wire shape of cargo companies, as Omnitron's clients read them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CargoOut(BaseModel):
    pk: int
    id: int
    name: str
    erp_code: str = Field(description="What a channel's order names as its cargo company (e.g. aras).")
    shipping_company: str = Field(description="The carrier's code (e.g. yurtici), as orders answer it.")
    is_active: bool
    created_date: str
    modified_date: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pk": 1,
                    "id": 1,
                    "name": "Yurtiçi Kargo",
                    "erp_code": "YK",
                    "shipping_company": "yurtici",
                    "is_active": True,
                    "created_date": "2025-01-01T10:00:00Z",
                    "modified_date": "2025-01-01T10:00:00Z",
                }
            ]
        }
    )
