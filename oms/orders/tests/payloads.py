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


def every_kind_body(number: str) -> dict:
    """An order covering each kind of column the insert writes: JSON holding strings, lists,
    floats, nulls and nested objects, an IPv6 address, offset datetimes, a date, exact decimals,
    booleans, and items in a given order."""
    body = minimal_body(
        number,
        amount="30.03",
        extra_field={"note": "just a string", "list": ["a", 2, None]},
        remote_addr="2001:db8::1",
        date_placed="2025-03-01T10:00:00.123456+03:00",
        delivery_range={"start": "2025-03-02T09:00:00+03:00", "end": "2025-03-02T18:00:00+03:00"},
        has_gift_box=True,
        gift_box_note='ünïcode ✓ "quoted"',
        shipping_tax_rate="18.00",
    )
    body["order_item"] = [
        {
            "product": 1 + n % 3,
            "price": "10.01",
            "extra_field": {"n": n, "deep": {"list": [1.5, None, True]}},
            "attributes": {"size": "M", "n": n},
            "estimated_delivery_date": "2025-03-05",
            "is_tradable": n == 1,
        }
        for n in range(3)
    ]
    return body
