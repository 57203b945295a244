"""`oms import FILE --channel N`: JSON Lines through the bulk service, re-runnable."""

import io
import json

import pytest
from django.core.management import call_command

from oms.catalog.models import ProductStock
from oms.orders.models import Order
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders_file(tmp_path, demo):
    # 25 good orders, one unknown product, one line of broken JSON, one blank line
    lines = [json.dumps(minimal_body(f"IMP-{i}")) for i in range(25)]
    bad = minimal_body("IMP-BAD")
    bad["order_item"][0]["product"] = 987
    lines[5] = json.dumps(bad)
    lines.insert(10, '{"order": {broken')
    lines.insert(3, "")
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), "--channel", "1", "--batch", "7", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_import_writes_good_lines_and_reports_bad_ones(orders_file):
    # Given a file with 24 good orders and 2 bad lines
    # When it is imported in batches of 7
    summary = run_import(orders_file)
    # Then the good orders exist and the bad lines are in the rejects file with their errors
    assert Order.objects.filter(number__startswith="IMP-").count() == 24
    assert "24 created" in summary and "2 rejected" in summary
    rejects = [
        json.loads(line)
        for line in (orders_file.parent / "orders.jsonl.rejected.jsonl").read_text().splitlines()
    ]
    assert sorted(r["line"] for r in rejects) == [7, 12]
    assert {e["code"] for r in rejects for e in r["errors"]} == {"not_found", "invalid_json"}


def test_import_is_safe_to_run_again(orders_file):
    # Given a file already imported
    run_import(orders_file)
    # When it is imported again
    summary = run_import(orders_file)
    # Then nothing new is written: the orders replay
    assert Order.objects.filter(number__startswith="IMP-").count() == 24
    assert "0 created, 24 already there (replayed)" in summary


def test_reject_everything_policy_skips_whole_batches(orders_file):
    # Given the same file
    # When it is imported with reject_everything (batches of 7 lines)
    run_import(orders_file, "--error-policy", "reject_everything")
    # Then the batch holding the unknown product writes nothing, the others are written
    assert Order.objects.filter(number__startswith="IMP-").count() == 24 - 6


def test_import_with_stock_ignore_reserves_nothing_and_without_it_reserves(orders_file):
    # Given product 1's reservations in the channel's stock list
    row = ProductStock.objects.get(stock_list_id=1, product_id=1)
    before = row.sold_quantity_unreported
    # When the file is imported as history (--stock ignore), then again under a fresh number
    run_import(orders_file, "--stock", "ignore")
    ignored = ProductStock.objects.get(pk=row.pk).sold_quantity_unreported
    Order.objects.filter(number__startswith="IMP-").delete()
    run_import(orders_file)
    # Then the first reserved nothing, the second one unit per good order
    assert ignored == before
    assert ProductStock.objects.get(pk=row.pk).sold_quantity_unreported == before + 24
