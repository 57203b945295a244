import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oms.channels.models import Channel
from oms.orders.imports import ImportReport, count_lines, import_orders
from oms.orders.services.bulk import ErrorPolicy
from oms.orders.services.reservations import stock_override


class Command(BaseCommand):
    help = (
        "Import orders from a JSON Lines file (one {order, order_item} per line) into a channel, in batches "
        "through the bulk create service. Safe to re-run: imported orders replay."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--channel", type=int, required=True)
        parser.add_argument("--batch", type=int, default=500, help="orders per batch (default 500)")
        parser.add_argument(
            "--error-policy",
            choices=[p.value for p in ErrorPolicy],
            default=ErrorPolicy.REJECT_FAILED.value,
            help="reject_failed (default): write the good orders of each batch; reject_everything: a batch with "
            "a bad order writes nothing",
        )
        parser.add_argument(
            "--stock",
            choices=["ignore"],
            help="ignore: the imported orders reserve no stock (history); default: the channel's stock_policy",
        )
        parser.add_argument(
            "--rejects", type=Path, help="where to write rejected lines (default FILE.rejected.jsonl)"
        )

    def handle(
        self,
        *args,
        file: Path,
        channel: int,
        batch: int,
        error_policy: str,
        rejects: Path | None,
        stock: str | None = None,
        **options,
    ):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if not 1 <= batch <= settings.OMS_MAX_ORDERS_PER_BULK:
            raise CommandError(f"--batch must be between 1 and {settings.OMS_MAX_ORDERS_PER_BULK}")
        target = Channel.objects.filter(pk=channel).first()
        if target is None:
            raise CommandError(f"Unknown channel {channel}")
        rejects = rejects or file.with_name(file.name + ".rejected.jsonl")
        total = count_lines(file)
        with file.open(encoding="utf-8") as source, rejects.open("w", encoding="utf-8") as rejected:
            report = import_orders(
                channel=target,
                source=source,
                rejects=rejected,
                batch_size=batch,
                error_policy=ErrorPolicy(error_policy),
                stock_policy=stock_override(principal=None, value=stock),
                progress=lambda r: self._progress(r, total),
            )
        sys.stderr.write("\n")
        counts = report.counts
        self.stdout.write(
            f"Imported {report.lines} lines in {report.seconds:.1f} s ({report.rate:,.0f} orders/s): "
            f"{counts['created']} created, {counts['replayed']} already there (replayed), "
            f"{counts['conflict']} conflicts, {counts['rejected']} rejected."
        )
        failed = counts["conflict"] + counts["rejected"]
        self.stdout.write(f"Rejected lines with their errors: {rejects}" if failed else "No rejected lines.")

    def _progress(self, report: ImportReport, total: int) -> None:
        done = min(report.lines, total)
        width = 30
        filled = int(width * done / total) if total else width
        eta = (total - done) / report.rate if report.rate else 0
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} orders "
            f"{report.rate:,.0f}/s ETA {int(eta // 60)}:{int(eta % 60):02d}"
        )
        sys.stderr.flush()
