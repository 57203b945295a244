"""`oms import-catalog FILE`: the bulk upserts fed from CSV or JSON Lines."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from oms.catalog.models import Product, ProductPrice, ProductStock

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import-catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_products_from_csv_with_a_progress_bar(demo, tmp_path):
    # Given a CSV of two new products and a renamed demo product, with JSON attributes and blanks
    path = tmp_path / "products.csv"
    path.write_text(
        'sku,name,barcode,attributes,is_active\nA-1,Alpha,111,"{""size"": ""M""}",true\nA-2,Beta,,,\nDEMO-MUG,Big mug,,,\n'
    )
    # When it is imported in batches of 2
    out, err = run(str(path), "--batch", "2")
    # Then the products are there and the progress reached the end
    assert "3 products: 2 created, 1 updated, 0 rejected." in out
    assert "3/3 products" in err
    alpha = Product.objects.get(sku="A-1")
    assert (alpha.name, alpha.barcode, alpha.attributes, alpha.is_active) == (
        "Alpha",
        "111",
        {"size": "M"},
        True,
    )
    assert Product.objects.get(sku="DEMO-MUG").name == "Big mug"


def test_a_bad_row_anywhere_writes_nothing_by_default(demo, tmp_path):
    # Given prices in JSON Lines where the first batch is good and the second has a bad row
    path = tmp_path / "prices.jsonl"
    path.write_text(
        '{"sku": "DEMO-MUG", "price": "55.00"}\n\n{"sku": "DEMO-CAP", "price": "12"}\n{"sku": "NOPE", "price": "1"}\n'
    )
    # When it is imported in batches of 2
    with pytest.raises(CommandError, match="nothing was written"):
        run(str(path), "--price-list", "1", "--batch", "2")
    # Then no price changed, though the first batch alone was valid
    assert ProductPrice.objects.get(price_list=1, product__sku="DEMO-MUG").price == Decimal("100.00")


def test_reject_failed_writes_the_good_rows_and_names_the_bad_by_line(demo, tmp_path):
    # Given stock rows with a bad quantity on line 2 and a broken line 3
    path = tmp_path / "stock.jsonl"
    path.write_text('{"sku": "DEMO-MUG", "quantity": 7}\n{"sku": "DEMO-CAP", "quantity": -1}\n{oops\n')
    err = StringIO()
    # When it is imported writing the good rows
    with pytest.raises(CommandError, match="2 rows were rejected"):
        call_command(
            "import-catalog", str(path), "--stock-list", "1", "--error-policy", "reject_failed", stderr=err
        )
    # Then the good row is written and the bad ones are named by line
    assert ProductStock.objects.get(stock_list=1, product__sku="DEMO-MUG").stock == 7
    assert ProductStock.objects.get(stock_list=1, product__sku="DEMO-CAP").stock == 100
    assert "line 2, quantity: out_of_range" in err.getvalue()
    assert "line 3: invalid_json" in err.getvalue()


def test_the_underscore_spelling_is_the_same_command(demo, tmp_path):
    # Given a stock CSV
    path = tmp_path / "stock.csv"
    path.write_text("sku,quantity\nDEMO-MUG,3\n")
    # When it is imported with Django's usual command name
    call_command("import_catalog", str(path), "--stock-list", "2", stdout=StringIO(), stderr=StringIO())
    # Then it was imported
    assert ProductStock.objects.get(stock_list=2, product__sku="DEMO-MUG").stock == 3


def test_refuses_what_it_cannot_read(demo, tmp_path):
    # Given a file of unknown type and an unknown list
    path = tmp_path / "products.txt"
    path.write_text("sku,name\n")
    # When they are imported
    # Then the command says why
    with pytest.raises(CommandError, match="--format"):
        run(str(path))
    with pytest.raises(CommandError, match="Unknown price list 99"):
        run(str(path), "--format", "csv", "--price-list", "99")
