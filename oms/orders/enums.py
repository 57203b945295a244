"""Every value list of the order contract, in one place (the README documents them from here)."""

from django.db import models


class OrderStatus(models.TextChoices):
    """Omnitron's order statuses. The wire value is the name; `CODES` gives the number, which is
    also the statuses' order along an order's life. Clients may send either."""

    CANCELLATION_WAITING = "cancellation_waiting"
    CANCELLED = "cancelled"
    WAITING = "waiting"
    PAYMENT_WAITING = "payment_waiting"
    CONFIRMATION_WAITING = "confirmation_waiting"
    APPROVED = "approved"
    PREPARING = "preparing"
    SHIPPED = "shipped"
    SHIPPED_AND_INFORMED = "shipped_and_informed"
    READY_FOR_PICKUP = "ready_for_pickup"
    ATTEMPTED_DELIVERY = "attempted_delivery"
    REVIEW_STARTED = "review_started"
    REVIEW_WAITING = "review_waiting"
    WAITING_FOR_PAYMENT = "waiting_for_payment"
    PAID = "paid"
    DELIVERED = "delivered"
    REFUNDED = "refunded"


ORDER_STATUS_CODES: dict[str, str] = {
    OrderStatus.CANCELLATION_WAITING: "50",
    OrderStatus.CANCELLED: "100",
    OrderStatus.WAITING: "200",
    OrderStatus.PAYMENT_WAITING: "300",
    OrderStatus.CONFIRMATION_WAITING: "350",
    OrderStatus.APPROVED: "400",
    OrderStatus.PREPARING: "450",
    OrderStatus.SHIPPED: "500",
    OrderStatus.SHIPPED_AND_INFORMED: "510",
    OrderStatus.READY_FOR_PICKUP: "520",
    OrderStatus.ATTEMPTED_DELIVERY: "540",
    OrderStatus.REVIEW_STARTED: "544",
    OrderStatus.REVIEW_WAITING: "545",
    OrderStatus.WAITING_FOR_PAYMENT: "546",
    OrderStatus.PAID: "547",
    OrderStatus.DELIVERED: "550",
    OrderStatus.REFUNDED: "600",
}
# What a client may send for a status: the name, the code as a string, or the US spelling.
ORDER_STATUS_INPUTS: dict[str, str] = {
    **{str(status): str(status) for status in OrderStatus},
    **{code: str(status) for status, code in ORDER_STATUS_CODES.items()},
    "canceled": OrderStatus.CANCELLED.value,
}


class CancelStatus(models.TextChoices):
    """Where an item's cancellation request stands (null: none requested)."""

    WAITING = "waiting"
    CONFIRMATION_WAITING = "confirmation_waiting"
    CONFIRMED = "confirmed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITING_FOR_PAYMENT = "waiting_for_payment"


class DeliveryType(models.TextChoices):
    STANDARD = "standard"
    EXPRESS = "express"
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    SCHEDULED = "scheduled"
    RETAIL_STORE = "retail_store", "click and collect in a retail store"
    IN_STORE = "in_store", "sold and handed over in a store"


class ClientType(models.TextChoices):
    DEFAULT = "default"
    WEB = "web"
    MOBILE_WEB = "mobile_web"
    IOS = "ios"
    ANDROID = "android"
    INSTORE = "instore"
    MARKETPLACE = "marketplace"
    API = "api"


# ISO 4217 active codes, stored and answered lower-case; accepted in any case.
CURRENCIES: frozenset[str] = frozenset(
    [
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "btn",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "clp",
        "cny",
        "cop",
        "crc",
        "cuc",
        "cup",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "ern",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "ghs",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "iqd",
        "irr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "kpw",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "lyd",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mru",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sdg",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sll",
        "sos",
        "srd",
        "ssp",
        "stn",
        "svc",
        "syp",
        "szl",
        "thb",
        "tjs",
        "tmt",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "usd",
        "uyu",
        "uzs",
        "ves",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
        "zwl",
    ]
)
