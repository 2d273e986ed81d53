"""Where ImportProcessData records come from: a list (e.g. an upstream task's XCom), a CSV file
or a JSON-lines file. Files are read as a stream, one record at a time, so a large export is
never held in memory whole."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


def iter_records(records: Sequence[Any] | None, source_path: str | None) -> Iterator[Any]:
    """Each input record in order (exactly one of `records` and `source_path`).

    CSV files need a header line; empty CSV cells become absent fields. A JSON-lines line that
    is not an object is yielded as it is, for the caller to reject with its index.
    :raises ValueError: naming the parameter or the file line that cannot be read.
    """
    if (records is None) == (source_path is None):
        raise ValueError("give exactly one of records and source_path")
    if records is not None:
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
            raise ValueError(f"records must be a list of dicts, got {type(records).__name__}")
        yield from records
        return
    path = Path(str(source_path))
    if not path.is_file():
        raise ValueError(f"source_path={str(source_path)!r} is not a file")
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        yield from _json_lines(path)
    else:
        yield from _csv_rows(path)


def known_record_count(records: Sequence[Any] | str | None) -> int | None:
    """How many records a list input holds (for progress estimates); None for a file, whose
    records are not counted ahead of reading them."""
    if isinstance(records, Sequence) and not isinstance(records, (str, bytes)):
        return len(records)
    return None


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        for row in csv.DictReader(file):
            yield {name: value for name, value in row.items() if name and value not in (None, "")}


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as file:
        for line_number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as error:
                raise ValueError(f"{path.name} line {line_number} is not JSON: {error}") from None


def apply_column_mapping(record: Mapping[str, Any], mapping: Mapping[str, str] | None) -> dict[str, Any]:
    """The record with its source column names renamed to Jodo's fields (unmapped names kept)."""
    if not mapping:
        return dict(record)
    return {mapping.get(name, name): value for name, value in record.items()}
