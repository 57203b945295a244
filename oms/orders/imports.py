"""Importing orders from a JSON Lines file through the bulk create service, batch by batch."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem
from oms.orders.services.bulk import BulkRejected, BulkStatus, ErrorPolicy, create_orders_bulk


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=Counter)
    lines: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based line number in the file
    text: str
    payload: Any
    problem: Problem | None


def import_orders(
    *,
    channel: Channel,
    source: IO[str],
    rejects: IO[str],
    batch_size: int,
    error_policy: ErrorPolicy,
    stock_policy: str | None = None,
    progress: Callable[[ImportReport], None] = lambda report: None,
) -> ImportReport:
    """Send every line of `source` through create_orders_bulk; write each rejected or conflicting
    line with its errors to `rejects`. Re-running after an interruption is safe: orders already
    imported come back as replays. `stock_policy` overrides the channel's (`ignore`)."""
    report = ImportReport()
    started = time.monotonic()
    for batch in _batches(_lines(source), batch_size):
        _import_batch(channel, batch, rejects, (error_policy, stock_policy), report)
        report.lines += len(batch)
        report.seconds = time.monotonic() - started
        progress(report)
    return report


def _import_batch(
    channel: Channel,
    batch: list[_Line],
    rejects: IO[str],
    policies: tuple[ErrorPolicy, str | None],
    report: ImportReport,
) -> None:
    parsed = [line for line in batch if line.problem is None]
    for line in batch:
        if line.problem is not None:
            _reject(rejects, line, [line.problem.as_dict()], report, BulkStatus.REJECTED)
    if not parsed:
        return
    try:
        outcome = create_orders_bulk(
            channel=channel,
            payloads=[line.payload for line in parsed],
            error_policy=policies[0],
            stock_policy=policies[1],
        )
        results = [(r.status, [p.as_dict() for p in r.problems]) for r in outcome.results]
    except BulkRejected as rejected:
        results = [(BulkStatus(r["status"]), r["errors"]) for r in rejected.extra["results"]]
    for line, (status, errors) in zip(parsed, results, strict=True):
        if status in (BulkStatus.CREATED, BulkStatus.REPLAYED):
            report.counts[status] += 1
        else:
            _reject(rejects, line, errors, report, status)


def _reject(
    rejects: IO[str], line: _Line, errors: list[dict], report: ImportReport, status: BulkStatus
) -> None:
    report.counts[status] += 1
    rejects.write(
        json.dumps({"line": line.number, "status": str(status), "errors": errors, "input": line.text}) + "\n"
    )


def _lines(source: IO[str]) -> Iterator[_Line]:
    for number, text in enumerate(source, start=1):
        text = text.strip()
        if not text:
            continue
        try:
            yield _Line(number, text, json.loads(text), None)
        except ValueError as error:
            yield _Line(
                number,
                text,
                None,
                Problem("", ErrorCode.INVALID_JSON, f"Line {number} is not valid JSON: {error}"),
            )


def _batches(lines: Iterator[_Line], size: int) -> Iterator[list[_Line]]:
    batch: list[_Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())
