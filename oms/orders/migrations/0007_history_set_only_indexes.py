"""The order history's references indexed only where set (`orders.models._set_only`), and no
index of its own for `order` (orderhistory_order_idx leads with it): 7 index entries per history
row before, 3 for an item's row written by an order.

On PostgreSQL the new indexes are built CONCURRENTLY before the old ones are dropped, also
concurrently: the running replicas keep writing history (every reserving create does) while a
large table is indexed, and lookups by item, reason, key or user stay indexed throughout."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



NEW = {"item": "orderhistory_item_idx", "reason": "orderhistory_reason_idx",
       "api_key": "orderhistory_api_key_idx", "user": "orderhistory_user_idx"}
TABLE = "orders_orderhistory"


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def set_only(apps, schema_editor):
    model, how = apps.get_model("orders", "OrderHistory"), _concurrently(schema_editor)
    quote = schema_editor.quote_name
    for field, name in NEW.items():
        column = quote(model._meta.get_field(field).column)
        schema_editor.execute(
            f"CREATE INDEX{how} IF NOT EXISTS {quote(name)} ON {quote(TABLE)} ({column}) WHERE {column} IS NOT NULL"
        )
    for field in ("order", *NEW):
        column = model._meta.get_field(field).column
        for name in schema_editor._constraint_names(model, [column], index=True):
            if name not in NEW.values():
                schema_editor.execute(f"DROP INDEX{how} IF EXISTS {quote(name)}")


def indexed_everywhere(apps, schema_editor):
    model, how = apps.get_model("orders", "OrderHistory"), _concurrently(schema_editor)
    for field in ("order", *NEW):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field)]))
    for name in NEW.values():
        schema_editor.execute(f"DROP INDEX{how} IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('access', '0003_apikey_erp'),
        ('orders', '0006_erp'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='orderhistory',
                    name='api_key',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='access.apikey'),
                ),
                migrations.AlterField(
                    model_name='orderhistory',
                    name='item',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='history', to='orders.orderitem'),
                ),
                migrations.AlterField(
                    model_name='orderhistory',
                    name='order',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='history', to='orders.order'),
                ),
                migrations.AlterField(
                    model_name='orderhistory',
                    name='reason',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orders.cancellationreason'),
                ),
                migrations.AlterField(
                    model_name='orderhistory',
                    name='user',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddIndex(
                    model_name='orderhistory',
                    index=models.Index(condition=models.Q(('item__isnull', False)), fields=['item'], name='orderhistory_item_idx'),
                ),
                migrations.AddIndex(
                    model_name='orderhistory',
                    index=models.Index(condition=models.Q(('reason__isnull', False)), fields=['reason'], name='orderhistory_reason_idx'),
                ),
                migrations.AddIndex(
                    model_name='orderhistory',
                    index=models.Index(condition=models.Q(('api_key__isnull', False)), fields=['api_key'], name='orderhistory_api_key_idx'),
                ),
                migrations.AddIndex(
                    model_name='orderhistory',
                    index=models.Index(condition=models.Q(('user__isnull', False)), fields=['user'], name='orderhistory_user_idx'),
                ),
            ],
            database_operations=[migrations.RunPython(set_only, indexed_everywhere)],
        ),
    ]
