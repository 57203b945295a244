"""Request bodies for order tests."""


def minimal_body(number: str = "T-1", **order_fields) -> dict:
    """The smallest valid request for the demo data (Omnitron's client style: no quantities)."""
    order = {
        "number": number,
        "status": "approved",
        "date_placed": "2025-01-01T10:00:00Z",
        "customer": 1,
        "shipping_address": 1,
        "billing_address": 1,
        "currency": "try",
        "amount": "100.00",
        **order_fields,
    }
    return {"order": order, "order_item": [{"product": 1, "price": "100.00"}]}
