"""The remote channel: a marketplace's order API, kept in memory and filled by the test.

Its answers have the shapes a marketplace integration maps from: orders with their customer,
addresses (country, city... by name) and cargo company (an ERP code), lines with the
marketplace's product ids; cancelled lines; customers' cancellation requests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Marketplace:
    orders: list[dict[str, Any]] = field(default_factory=list)
    cancellations: list[dict[str, Any]] = field(default_factory=list)
    cancellation_requests: list[dict[str, Any]] = field(default_factory=list)
    line_updates: list[dict[str, Any]] = field(default_factory=list)
    # Orders the shop sent to the marketplace (their numbers), in the order received.
    received: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.orders.clear()
        self.cancellations.clear()
        self.cancellation_requests.clear()
        self.line_updates.clear()
        self.received.clear()
        self.calls.clear()

    # The marketplace API the channel commands call. Every call answers what the marketplace
    # holds, as a real one does until the orders are acknowledged: a second sync sees them again.
    def list_orders(self) -> list[dict[str, Any]]:
        self.calls.append("list_orders")
        return copy.deepcopy(self.orders)

    def list_cancelled_lines(self) -> list[dict[str, Any]]:
        self.calls.append("list_cancelled_lines")
        return copy.deepcopy(self.cancellations)

    def list_cancellation_requests(self) -> list[dict[str, Any]]:
        self.calls.append("list_cancellation_requests")
        return copy.deepcopy(self.cancellation_requests)

    def list_line_updates(self) -> list[dict[str, Any]]:
        self.calls.append("list_line_updates")
        return copy.deepcopy(self.line_updates)

    def receive_orders(self, numbers: list[str]) -> list[dict[str, Any]]:
        """Accept the shop's orders; each answer names the order and the marketplace's id for it."""
        self.calls.append("receive_orders")
        self.received.extend(numbers)
        return [
            {"status": "SUCCESS", "number": number, "remote_id": number, "message": ""} for number in numbers
        ]


MARKETPLACE = Marketplace()
