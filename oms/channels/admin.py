"""Channels and their configuration: listed, searched by their natural key, edited by operators."""

from oms.channels import models
from oms.core.admin import register_table

NAMED = ["code", "name"]
SLUGGED = ["slug", "name"]

register_table(
    models.Channel,
    ["id", "name", "code", "is_active", "status_format", "totals_check", "strict_fields"],
    filters=["is_active", "status_format", "totals_check"],
    search=NAMED,
)
register_table(
    models.PaymentOption,
    ["id", "name", "slug", "channel", "first_refund_strategy", "is_active"],
    filters=["channel", "is_active"],
    search=SLUGGED,
)
register_table(
    models.CargoCompany,
    ["id", "name", "code", "erp_code", "is_active"],
    filters=["is_active"],
    search=["code", "erp_code", "name"],
)
register_table(
    models.CheckoutProvider, ["id", "name", "slug", "is_active"], filters=["is_active"], search=SLUGGED
)
for named in (models.OrderExternalStatus, models.ShippingOptionGroup, models.Reconciliation):
    register_table(named, ["id", "name", "code", "channel"], filters=["channel"], search=NAMED)
register_table(
    models.FundsTransferTransaction,
    ["id", "reference", "channel", "amount", "currency", "created_date"],
    filters=["channel", "currency"],
    search=["reference"],
)
