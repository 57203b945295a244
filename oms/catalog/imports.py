"""Importing products, prices or stock from a CSV or JSON Lines file through the bulk upsert
services, batch by batch, so a file is checked exactly as the API checks a request."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from oms.catalog.services import BulkResult
from oms.core.errors import ErrorCode, Problem, ValidationFailed

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# CSV cells holding JSON (everything else is text, which the schemas read as numbers or flags).
_JSON_COLUMNS = {"attributes"}

Upsert = Callable[[dict[str, Any]], BulkResult]


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=Counter)
    rows: int = 0
    # (line number in the file, problem with the row's field as its path)
    errors: list[tuple[int, Problem]] = field(default_factory=list)
    written: bool = True


@dataclass(frozen=True)
class Line:
    number: int  # where the row starts in the file, from 1
    payload: Any
    problem: Problem | None = None


def detect_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def count_rows(path: Path, file_format: str) -> int:
    return sum(1 for _ in read_rows(path, file_format))


def read_rows(path: Path, file_format: str) -> Iterator[Line]:
    """Each row of the file with its line number; an unreadable row carries its problem."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        if file_format == "csv":
            yield from _csv_rows(source)
        else:
            yield from _jsonl_rows(source)


def _csv_rows(source) -> Iterator[Line]:
    reader = csv.DictReader(source)
    start = 2  # line 1 is the header
    for record in reader:
        yield _csv_line(start, record)
        start = reader.line_num + 1


def _csv_line(number: int, record: dict[str | None, Any]) -> Line:
    if None in record:
        return Line(number, None, Problem("", ErrorCode.INVALID_FORMAT, "More cells than header columns."))
    payload: dict[str, Any] = {}
    for column, cell in record.items():
        if cell is None or cell == "":
            continue  # an empty cell is a column not sent
        if column in _JSON_COLUMNS:
            try:
                cell = json.loads(cell)
            except ValueError:
                return Line(
                    number, None, Problem(column, ErrorCode.INVALID_JSON, "The cell is not valid JSON.")
                )
        payload[column] = cell
    return Line(number, payload)


def _jsonl_rows(source) -> Iterator[Line]:
    for number, text in enumerate(source, start=1):
        if not text.strip():
            continue
        try:
            yield Line(number, json.loads(text))
        except ValueError as error:
            yield Line(
                number, None, Problem("", ErrorCode.INVALID_JSON, f"The line is not valid JSON: {error}")
            )


def import_catalog(
    *,
    lines: Iterator[Line],
    upsert: Upsert,
    batch_size: int,
    error_policy: str,
    progress: Callable[[ImportReport], None] = lambda report: None,
) -> ImportReport:
    """Send the rows through `upsert` (a bulk upsert service) `batch_size` at a time.

    `reject_everything`: the whole file is one transaction; every batch is still checked so all
    bad rows are reported, then nothing is kept if any row failed. `reject_failed`: each batch
    writes its good rows as it goes (an interrupted import can be run again: upserts repeat).
    """
    report = ImportReport()
    if error_policy == "reject_everything":
        with transaction.atomic():
            _run(lines, upsert, batch_size, error_policy, report, progress)
            if report.errors:
                transaction.set_rollback(True)
                report.written = False
                report.counts = Counter({"rejected": report.rows})
    else:
        _run(lines, upsert, batch_size, error_policy, report, progress)
    return report


def _run(lines, upsert: Upsert, batch_size: int, policy: str, report: ImportReport, progress) -> None:
    batch: list[Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) == batch_size:
            _send(batch, upsert, policy, report)
            progress(report)
            batch = []
    if batch:
        _send(batch, upsert, policy, report)
        progress(report)


def _send(batch: list[Line], upsert: Upsert, policy: str, report: ImportReport) -> None:
    readable = [line for line in batch if line.problem is None]
    report.rows += len(batch)
    for line in batch:
        if line.problem is not None:
            report.errors.append((line.number, line.problem))
            report.counts["rejected"] += 1
    if not readable:
        return
    payload = {"rows": [line.payload for line in readable], "error_policy": policy}
    try:
        results = upsert(payload).results
    except ValidationFailed as failed:
        results = []
        for problem in failed.problems:
            index, path = _row_of(problem.path)
            report.errors.append((readable[index].number if index is not None else 0, _at(problem, path)))
        report.counts["rejected"] += len(readable)
        return
    for line, result in zip(readable, results, strict=True):
        report.counts[str(result.status)] += 1
        report.errors += [(line.number, _at(problem, _row_of(problem.path)[1])) for problem in result.errors]


def _row_of(path: str) -> tuple[int | None, str]:
    """`rows.3.price` -> (3, "price")."""
    parts = path.split(".", 2)
    if len(parts) >= 2 and parts[0] == "rows" and parts[1].isdigit():
        return int(parts[1]), parts[2] if len(parts) == 3 else ""
    return None, path


def _at(problem: Problem, path: str) -> Problem:
    return Problem(path, problem.code, problem.message)
