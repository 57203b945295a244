"""The marketplace's catalog API, kept in memory: the listings the shop sent (by the
marketplace's product id), and every write it received, so a test can tell what a run sent.

It answers each write row by row, as marketplaces do (SUCCESS with its id, or FAIL with a
message), and can be told to refuse the next write of a product (`refuse`), as a marketplace
does when it is down for that product or rejects its content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SUCCESS, FAIL = "SUCCESS", "FAIL"


@dataclass
class MarketplaceCatalog:
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)  # by the marketplace's id
    writes: list[tuple[str, str]] = field(default_factory=list)  # (what, sku)
    refuse: set[str] = field(default_factory=set)  # skus whose next write is refused

    def reset(self) -> None:
        self.listings.clear()
        self.writes.clear()
        self.refuse.clear()

    def put_products(self, rows: list[dict[str, Any]], *, what: str) -> list[dict[str, Any]]:
        """Create or replace listings (sku, name, price, stock); the id is the marketplace's."""
        answers = []
        for row in rows:
            remote_id = f"MP-{row['sku']}"
            answer = self._answer(what, row["sku"], remote_id)
            if answer["status"] == SUCCESS:
                self.listings[remote_id] = row
            answers.append(answer)
        return answers

    def set_field(self, name: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        """Set `name` (price, stock) of listings by the marketplace's id."""
        answers = []
        for remote_id, value in values.items():
            listing = self.listings[remote_id]
            answer = self._answer(name, listing["sku"], remote_id)
            if answer["status"] == SUCCESS:
                listing[name] = value
            answers.append(answer)
        return answers

    def delete(self, skus: dict[str, str]) -> list[dict[str, Any]]:
        """Delete listings by the marketplace's id, each named with its sku too (as marketplaces
        ask, to guard against deleting the wrong one)."""
        answers = []
        for remote_id, sku in skus.items():
            assert self.listings[remote_id]["sku"] == sku, (remote_id, sku)
            answer = self._answer("delete", sku, remote_id)
            if answer["status"] == SUCCESS:
                del self.listings[remote_id]
            answers.append(answer)
        return answers

    def by_sku(self) -> dict[str, dict[str, Any]]:
        return {listing["sku"]: listing for listing in self.listings.values()}

    def _answer(self, what: str, sku: str, remote_id: str) -> dict[str, Any]:
        if sku in self.refuse:
            self.refuse.discard(sku)
            return {
                "status": FAIL,
                "sku": sku,
                "remote_id": remote_id,
                "message": "Listing locked, retry later",
            }
        self.writes.append((what, sku))
        return {"status": SUCCESS, "sku": sku, "remote_id": remote_id, "message": ""}


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


CATALOG = MarketplaceCatalog()
