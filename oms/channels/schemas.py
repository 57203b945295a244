"""The wire shape of cargo companies, as Omnitron's clients read them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from oms.core.answers import DateTimeOut, From, RowOut, example


class CargoOut(RowOut):
    name: str
    erp_code: str = Field(description="What a channel's order names as its cargo company (e.g. aras).")
    shipping_company: Annotated[str, From("code")] = Field(
        description="The carrier's code (e.g. yurtici), as orders answer it."
    )
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(1, name="Yurtiçi Kargo", erp_code="YK", shipping_company="yurtici", is_active=True)
