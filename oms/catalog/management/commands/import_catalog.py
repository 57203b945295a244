"""`oms import-catalog FILE`: products, or with --price-list / --stock-list the rows of a list,
from CSV or JSON Lines, through the same bulk upsert services as the API."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oms.catalog import services
from oms.catalog.imports import ImportReport, count_rows, detect_format, import_catalog, read_rows
from oms.catalog.models import PriceList, StockList
from oms.catalog.schemas import MAX_BULK_ROWS
from oms.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import products (default), prices (--price-list ID) or stock (--stock-list ID) from a CSV file "
        "(a header row of field names: sku,name,... or sku,price,... or sku,stock; quantity is read as stock) or JSON Lines (one "
        "object per line), upserting by sku. With the default --error-policy reject_everything a bad row "
        "writes nothing at all; reject_failed writes the good rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--price-list", type=int, help="import prices into this price list")
        target.add_argument("--stock-list", type=int, help="import stock quantities into this stock list")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=["csv", "jsonl"],
            help="default: from the file's extension",
        )
        parser.add_argument(
            "--error-policy",
            choices=["reject_everything", "reject_failed"],
            default="reject_everything",
            help="reject_everything (default): one bad row and nothing is written; "
            "reject_failed: write the good rows, report the bad ones",
        )
        parser.add_argument(
            "--batch", type=int, default=MAX_BULK_ROWS, help=f"rows per batch (1 to {MAX_BULK_ROWS})"
        )

    def handle(self, *args, file: Path, price_list, stock_list, file_format, error_policy, batch, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        file_format = file_format or detect_format(file)
        if file_format is None:
            raise CommandError(
                "Cannot tell the format from the file name; pass --format csv or --format jsonl."
            )
        if not 1 <= batch <= MAX_BULK_ROWS:
            raise CommandError(f"--batch must be between 1 and {MAX_BULK_ROWS}")
        upsert, what = self._target(price_list, stock_list)
        total = count_rows(file, file_format)
        try:
            report = import_catalog(
                lines=read_rows(file, file_format),
                upsert=upsert,
                batch_size=batch,
                error_policy=error_policy,
                progress=lambda r: self._progress(r, total, what),
            )
        except DomainError as error:
            raise CommandError(f"{error.detail} Nothing more was written.") from None
        finally:
            self.stderr.write("")
        self._summarise(report, what)

    def _target(self, price_list: int | None, stock_list: int | None):
        if price_list is not None:
            found = PriceList.objects.filter(pk=price_list).first()
            if found is None:
                raise CommandError(f"Unknown price list {price_list}")
            return (lambda payload: services.bulk_upsert_prices(price_list=found, payload=payload)), "prices"
        if stock_list is not None:
            found = StockList.objects.filter(pk=stock_list).first()
            if found is None:
                raise CommandError(f"Unknown stock list {stock_list}")
            return (
                lambda payload: services.bulk_upsert_stocks(stock_list=found, payload=payload)
            ), "stock rows"
        return (lambda payload: services.bulk_upsert_products(payload=payload)), "products"

    def _progress(self, report: ImportReport, total: int, what: str) -> None:
        done = min(report.rows, total)
        width = 30
        filled = int(width * done / total) if total else width
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {what}", str, ending=""
        )
        self.stderr.flush()

    def _summarise(self, report: ImportReport, what: str) -> None:
        for line, problem in sorted(report.errors, key=lambda error: error[0])[:100]:
            where = f"line {line}" + (f", {problem.path}" if problem.path else "")
            self.stderr.write(f"{where}: {problem.code}: {problem.message}")
        if len(report.errors) > 100:
            self.stderr.write(f"... and {len(report.errors) - 100} more problems.")
        counts = report.counts
        if not report.written:
            raise CommandError(
                f"{len(report.errors)} problems in {report.rows:,} rows; nothing was written "
                "(use --error-policy reject_failed to write the good rows)."
            )
        self.stdout.write(
            f"{report.rows:,} {what}: {counts['created']:,} created, {counts['updated']:,} updated, "
            f"{counts['rejected']:,} rejected."
        )
        if counts["rejected"]:
            raise CommandError(f"{counts['rejected']:,} rows were rejected; the others were written.")
